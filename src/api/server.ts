import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { renderError } from '../contract/error-response.js';
import { idempotencyTokenMember } from '../contract/model.js';
import { readInput } from '../contract/request.js';
import { matchRoute, methodsForPath } from '../contract/routes.js';
import { serializeOutput } from '../contract/serialize.js';
import { InputValidationError, validateInput } from '../contract/validate.js';
import { KilnError } from '../core/errors.js';
import { requestId as newRequestId } from '../core/ids.js';
import type { Handler, ServiceDeps } from '../service/context.js';
import { requestFingerprint, withIdempotency } from './idempotency.js';
import { accessKeyLookup, verifySigV4 } from './sigv4.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface ApiOptions {
  readonly deps: ServiceDeps;
  readonly handlers: Readonly<Record<string, Handler>>;
  /** Called with every 5xx so Kiln's own failures are never silent. */
  readonly logError?: (err: unknown, context: string) => void;
  /** Kiln's own endpoints (kiln-routes.ts): answers true when it took the request. */
  readonly extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new KilnError(
            'InvalidRequestException',
            `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A semantic version that fails its pattern is InvalidVersionNumberException, as in the service. */
function refineValidationError(err: unknown): unknown {
  if (
    err instanceof InputValidationError &&
    err.problems.some(
      (p) => p.kind === 'pattern' && (p.shape === 'VersionNumber' || p.shape === 'WildcardVersionNumber'),
    )
  ) {
    return new KilnError('InvalidVersionNumberException', err.message.replace(/^[^:]*: /, ''), {
      hint: 'Versions are major.minor.patch with whole numbers, for example 1.0.0.',
    });
  }
  return err;
}

/** The Image Builder REST edge: route, authenticate, validate, replay or run, serialize. */
export function createApiHandler(options: ApiOptions) {
  const { deps, handlers } = options;
  const lookupKey = accessKeyLookup(deps.config.accessKeys);

  async function handle(req: IncomingMessage, requestId: string): Promise<unknown> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const route = matchRoute(method, rawPath);
    if (!route) {
      const allowed = methodsForPath(rawPath);
      throw allowed.length > 0
        ? new KilnError(
            'InvalidRequestException',
            `${method} is not the method for ${rawPath}; use ${allowed.join(' or ')}.`,
          )
        : new KilnError(
            'ResourceNotFoundException',
            `No Image Builder operation is served at ${method} ${rawPath}.`,
          );
    }
    const caller = verifySigV4({ method, rawPath, rawQuery, headers: req.headers, body }, lookupKey, {
      regions: deps.config.regions,
      clock: deps.clock,
    });
    const allowedActions = caller.accessKey.allowedActions;
    if (allowedActions && !allowedActions.includes(route.operation)) {
      throw new KilnError(
        'AccessDeniedException',
        `The access key ${caller.accessKey.accessKeyId} may not call ${route.operation}.`,
      );
    }
    const input = readInput(route.operation, {
      query: new URLSearchParams(rawQuery),
      pathParams: route.pathParams,
      body,
    });
    try {
      validateInput(route.operation, input);
    } catch (err) {
      throw refineValidationError(err);
    }
    const ctx = {
      account: caller.accessKey.accountId,
      region: caller.region,
      requestId,
      operation: route.operation,
    };
    const handler = handlers[route.operation];
    if (!handler) throw new KilnError('InvalidRequestException', `Kiln does not support ${route.operation}.`);
    const tokenMember = idempotencyTokenMember(route.operation);
    const token = tokenMember ? (input[tokenMember] as string | undefined) : undefined;
    return withIdempotency(
      deps.store,
      {
        account: ctx.account,
        operation: route.operation,
        token,
        fingerprint: requestFingerprint(input, tokenMember ?? ''),
      },
      () => deps.clock.now(),
      async () => serializeOutput(route.operation, await handler(deps, ctx, input)),
    );
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    if (options.extraRoutes?.(req, res)) return;
    const requestId = newRequestId();
    const started = performance.now();
    // Server-Timing lets clients and bench/api see Kiln's own share of each request's latency.
    const timing = () => `kiln;dur=${(performance.now() - started).toFixed(2)}`;
    handle(req, requestId).then(
      (output) => {
        const payload = JSON.stringify(output ?? {});
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-amzn-RequestId': requestId,
          'server-timing': timing(),
          'content-length': Buffer.byteLength(payload),
        });
        res.end(payload);
      },
      (err: unknown) => {
        const rendered = renderError(err);
        if (rendered.status >= 500) options.logError?.(err, `${req.method} ${req.url}`);
        const payload = JSON.stringify(rendered.body);
        res.writeHead(rendered.status, {
          ...rendered.headers,
          'x-amzn-RequestId': requestId,
          'server-timing': timing(),
          'content-length': Buffer.byteLength(payload),
        });
        res.end(payload);
      },
    );
  };
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startApiServer(
  options: ApiOptions,
  host: string,
  port: number,
): Promise<RunningServer> {
  const server = createServer({ keepAliveTimeout: 65_000 }, createApiHandler(options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
