/**
 * The error catalog: every error Kiln reports to a user carries one of these names.
 * Names and HTTP statuses are Image Builder's (see the API model), plus the SigV4
 * authentication errors the AWS front door answers with. docs/errors.md is kept in
 * step with this table by a test.
 */
export const ERROR_CATALOG = {
  InvalidRequestException: {
    status: 400,
    summary: 'The request is malformed or not valid in the current state.',
  },
  InvalidParameterValueException: {
    status: 400,
    summary: 'A member has a value that fails its pattern, enum or range.',
  },
  InvalidParameterCombinationException: {
    status: 400,
    summary: 'Members that exclude each other were given together.',
  },
  InvalidParameterException: { status: 400, summary: 'A tag operation received an invalid argument.' },
  InvalidVersionNumberException: { status: 400, summary: 'A semantic version is not major.minor.patch.' },
  InvalidPaginationTokenException: {
    status: 400,
    summary: 'The nextToken is unknown or belongs to another listing.',
  },
  IdempotentParameterMismatchException: {
    status: 400,
    summary: 'A clientToken was reused with different parameters.',
  },
  ResourceAlreadyExistsException: { status: 400, summary: 'A resource with this name (and version) exists.' },
  ResourceInUseException: {
    status: 400,
    summary: 'The resource is busy or in a state that forbids the action.',
  },
  ResourceDependencyException: { status: 400, summary: 'Another resource depends on this one.' },
  ClientException: { status: 400, summary: 'A generic client-side error.' },
  ServiceQuotaExceededException: { status: 402, summary: 'A configured quota was exceeded.' },
  AccessDeniedException: { status: 403, summary: 'The caller may not perform this action.' },
  ForbiddenException: { status: 403, summary: 'The caller is not authorized for this resource.' },
  UnrecognizedClientException: { status: 403, summary: 'The access key id is not known to this server.' },
  InvalidSignatureException: { status: 403, summary: 'The SigV4 signature does not match or has expired.' },
  MissingAuthenticationTokenException: {
    status: 403,
    summary: 'The request carries no SigV4 authorization.',
  },
  ResourceNotFoundException: { status: 404, summary: 'No resource has this ARN or id.' },
  DryRunOperationException: { status: 412, summary: 'dryRun validation succeeded; nothing was created.' },
  CallRateLimitExceededException: { status: 429, summary: 'Too many calls; retry later.' },
  TooManyRequestsException: { status: 429, summary: 'Too many requests; retry later.' },
  ServiceException: { status: 500, summary: 'Kiln itself failed; the message says where.' },
  ServiceUnavailableException: { status: 503, summary: 'Kiln is starting or shutting down.' },
} as const;

export type ErrorName = keyof typeof ERROR_CATALOG;

export interface KilnErrorOptions {
  /** What the user can do next, appended to the message. */
  hint?: string;
  cause?: unknown;
}

/** An error with an Image Builder exception name; the API and CLI render it for users. */
export class KilnError extends Error {
  readonly code: ErrorName;
  readonly status: number;
  readonly hint: string | undefined;

  constructor(code: ErrorName, message: string, options: KilnErrorOptions = {}) {
    super(options.hint ? `${message} ${options.hint}` : message, { cause: options.cause });
    this.name = code;
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.hint = options.hint;
  }
}

export function isKilnError(err: unknown): err is KilnError {
  return err instanceof KilnError;
}

/** Short constructors for the errors raised most often. */
export const notFound = (what: string, id: string, hint?: string): KilnError =>
  new KilnError('ResourceNotFoundException', `The ${what} '${id}' does not exist.`, hint ? { hint } : {});

export const invalidValue = (member: string, detail: string, hint?: string): KilnError =>
  new KilnError(
    'InvalidParameterValueException',
    `The value supplied for parameter '${member}' is not valid. ${detail}`,
    hint ? { hint } : {},
  );

export const invalidRequest = (message: string, hint?: string): KilnError =>
  new KilnError('InvalidRequestException', message, hint ? { hint } : {});

/** Wraps an unexpected failure with what was being done, keeping the cause chain. */
export function wrapError(doing: string, err: unknown): KilnError {
  if (err instanceof KilnError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new KilnError('ServiceException', `${doing}: ${detail}`, { cause: err });
}
