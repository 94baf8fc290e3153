import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { KilnError } from '../core/errors.js';
import { canonicalRequest, headerValue, type RawHeaders } from './sigv4-canonical.js';

/** A request as it arrived: the path and query exactly as sent (still percent-encoded). */
export interface SignedRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: RawHeaders;
  readonly body: Buffer;
}

export interface VerifySigV4Options {
  /** Regions this server answers for; the credential scope must name one. */
  readonly regions: readonly string[];
  readonly clock: Clock;
  /** The signing name clients use; `imagebuilder` unless told otherwise. */
  readonly service?: string;
}

export interface VerifiedCaller {
  readonly accessKey: AccessKey;
  /** The region named by the credential scope. */
  readonly region: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS accepts requests whose X-Amz-Date is within 15 minutes of its clock, either way. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const SIGN_HINT = 'Check the secret access key and the signing method.';

/**
 * Verifies the SigV4 `Authorization` header of one request and returns the caller's key and
 * region. Throws a 403 KilnError named as AWS names it: MissingAuthenticationTokenException,
 * UnrecognizedClientException or InvalidSignatureException (malformed, wrong scope, skew, mismatch).
 */
export function verifySigV4(
  req: SignedRequest,
  keys: (accessKeyId: string) => AccessKey | undefined,
  options: VerifySigV4Options,
): VerifiedCaller {
  const authorization = headerValue(req.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    throw new KilnError('MissingAuthenticationTokenException', 'Missing Authentication Token.', {
      hint: 'Sign requests with SigV4: configure an access key for the AWS CLI or SDK.',
    });
  }
  const auth = parseAuthorization(authorization);
  const [accessKeyId, scopeDate, region, service, terminator] = auth.scope;
  const expectedService = options.service ?? 'imagebuilder';
  if (service !== expectedService || terminator !== 'aws4_request') {
    throw invalidSignature(
      `Credential should be scoped to correct service: '${expectedService}', not '${service}' (scope '${auth.credential}').`,
    );
  }
  if (!options.regions.includes(region)) {
    throw invalidSignature(
      `Credential should be scoped to a valid region: '${region}' is not configured on this server ` +
        `(configured regions: ${options.regions.join(', ')}).`,
    );
  }
  const accessKey = keys(accessKeyId);
  if (accessKey === undefined) {
    throw new KilnError(
      'UnrecognizedClientException',
      `The security token included in the request is invalid: access key '${accessKeyId}' is not known to this server.`,
    );
  }
  const amzDate = requireSignedDate(req.headers, auth.signedHeaders);
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  checkSkew(amzDate, options.clock.now());

  const bodyHash = sha256Hex(req.body);
  const claimedHash = headerValue(req.headers, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash.trim().toLowerCase() !== bodyHash) {
    throw invalidSignature('The x-amz-content-sha256 header does not match the SHA-256 of the request body.');
  }
  const request = canonicalRequest({
    method: req.method,
    rawPath: req.rawPath,
    rawQuery: req.rawQuery,
    headers: req.headers,
    signedHeaders: auth.signedHeaders,
    payloadHash: claimedHash?.trim() ?? bodyHash,
  });
  const stringToSign = [ALGORITHM, amzDate, auth.scope.slice(1).join('/'), sha256Hex(request)].join('\n');
  const key = signingKey(accessKey.secretAccessKey, scopeDate, region, service);
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  if (!constantTimeEqual(expected, auth.signature)) {
    throw invalidSignature(
      'The request signature we calculated does not match the signature you provided.',
      SIGN_HINT,
    );
  }
  return { accessKey, region };
}

interface ParsedAuthorization {
  readonly credential: string;
  /** [accessKeyId, yyyymmdd, region, service, 'aws4_request'] */
  readonly scope: readonly [string, string, string, string, string];
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw invalidSignature(
      `Unsupported Authorization algorithm '${algorithm}'; only ${ALGORITHM} is accepted.`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
    throw invalidSignature(`Authorization header requires the parameter(s) ${missing.join(', ')}.`);
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((part) => part === '')) {
    throw invalidSignature(
      `Credential '${credential}' is malformed; expected "<accessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request".`,
    );
  }
  return {
    credential,
    scope: scope as unknown as ParsedAuthorization['scope'],
    signedHeaders: signedHeaders.split(';').map((name) => name.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/** X-Amz-Date must be present and signed, like host, so a captured request cannot be re-dated. */
function requireSignedDate(headers: RawHeaders, signedHeaders: readonly string[]): string {
  for (const name of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(name)) {
      throw invalidSignature(`'${name}' must be a SignedHeader in the AWS Authorization.`);
    }
  }
  const amzDate = headerValue(headers, 'x-amz-date')?.trim() ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || Number.isNaN(parseAmzDate(amzDate))) {
    throw invalidSignature(
      `X-Amz-Date '${amzDate}' is not an ISO-8601 basic timestamp like 20240101T120000Z.`,
    );
  }
  return amzDate;
}

function checkSkew(amzDate: string, nowMs: number): void {
  const signedAt = parseAmzDate(amzDate);
  if (signedAt < nowMs - MAX_SKEW_MS) {
    throw invalidSignature(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - MAX_SKEW_MS)} ` +
        `(${formatAmzDate(nowMs)} - 15 min.)`,
      "Check the client's clock.",
    );
  }
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw invalidSignature(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + MAX_SKEW_MS)} ` +
        `(${formatAmzDate(nowMs)} + 15 min.)`,
      "Check the client's clock.",
    );
  }
}

const parseAmzDate = (d: string): number =>
  Date.parse(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );

/** Epoch milliseconds → `YYYYMMDDTHHMMSSZ`. */
export const formatAmzDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const dateKey = hmac(`AWS4${secret}`, date);
  return hmac(hmac(hmac(dateKey, region), service), 'aws4_request');
}

const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // timingSafeEqual needs equal lengths; compare a with itself so the time taken does not depend on `given`.
  return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(a, a);
}

const invalidSignature = (message: string, hint?: string): KilnError =>
  new KilnError('InvalidSignatureException', message, hint ? { hint } : {});

/** Builds the `keys` lookup verifySigV4 takes from a list of access keys. */
export function accessKeyLookup(keys: readonly AccessKey[]): (accessKeyId: string) => AccessKey | undefined {
  const byId = new Map(keys.map((key) => [key.accessKeyId, key]));
  return (accessKeyId) => byId.get(accessKeyId);
}
