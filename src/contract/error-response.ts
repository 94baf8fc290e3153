/**
 * The wire form of an error. Both clients read the exception name from `x-amzn-ErrorType`
 * first and `__type` second (api.md §1.2), so both are sent; `message` is what they print.
 */
import { isKilnError } from '../core/errors.js';

export interface ErrorResponse {
  readonly status: number;
  readonly headers: { readonly 'x-amzn-ErrorType': string; readonly 'content-type': 'application/json' };
  readonly body: { readonly __type: string; readonly message: string };
}

/**
 * Renders a KilnError with its own name and status. Anything else is a Kiln bug: it becomes a
 * 500 ServiceException whose message keeps the error's text but never its stack (the caller
 * logs the full error).
 */
export function renderError(err: unknown): ErrorResponse {
  if (isKilnError(err)) return response(err.status, err.code, err.message);
  const detail = err instanceof Error ? err.message : typeof err === 'string' ? err : 'unknown error';
  return response(500, 'ServiceException', `Kiln failed while handling the request: ${firstLine(detail)}`);
}

function response(status: number, name: string, message: string): ErrorResponse {
  return {
    status,
    headers: { 'x-amzn-ErrorType': name, 'content-type': 'application/json' },
    body: { __type: name, message },
  };
}

/** Some runtimes fold a stack or a multi-line dump into `message`; keep the summary only. */
function firstLine(s: string): string {
  const line = s.split('\n', 1)[0]?.trim() ?? '';
  return line === '' ? 'unknown error' : line;
}
