/**
 * The pieces of a SigV4 canonical request, computed from the request exactly as it arrived on the
 * wire. Each function mirrors what botocore (CLI v1 and v2) and @smithy/signature-v4 (SDK v3) do
 * for services other than S3, so that a server-side recomputation matches their signatures.
 */

/** RFC 3986 encoding: everything except `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex). */
export function rfc3986Encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Percent-decodes `text`; a malformed escape is kept as written rather than rejected, because
 * the signature check (not the decoder) should be what refuses a request.
 */
export function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * The canonical URI. Clients of non-S3 services remove empty and dot segments from the path they
 * send (already percent-encoded, e.g. `/tags/arn%3Aaws%3A...%2F...`) and then encode it once more,
 * keeping `/`: so `%3A` is signed as `%253A`. botocore: `quote(remove_dot_segments(path), safe='/~')`;
 * smithy: `escapeUri(normalized).replace(/%2F/g, '/')`. Both give the same string.
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const leading = rawPath.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const normalized = `${leading}${segments.join('/')}${trailing}`;
  return normalized === '' ? '/' : rfc3986Encode(normalized).replace(/%2F/g, '/');
}

/**
 * The canonical query string: each name and value decoded once and re-encoded per RFC 3986,
 * pairs sorted by name and then by value (repeated names such as `tagKeys` keep every value).
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return [rfc3986Encode(percentDecode(name)), rfc3986Encode(percentDecode(value))] as const;
    });
  pairs.sort(([an, av], [bn, bv]) => compareCodeUnits(an, bn) || compareCodeUnits(av, bv));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Header values as Node delivers them; repeated headers may arrive as an array. */
export type RawHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Looks a header up by its lower-cased name, joining repeated values with `,` as SigV4 does. */
export function headerValue(headers: RawHeaders, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== lowerName || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(',');
  }
  return undefined;
}

/** Trims a header value and collapses inner runs of whitespace to one space. */
export const canonicalHeaderValue = (value: string): string => value.trim().replace(/\s+/g, ' ');

/** The canonical headers block (one `name:value\n` per signed header) in SignedHeaders order. */
export function canonicalHeaders(headers: RawHeaders, signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => `${name}:${canonicalHeaderValue(headerValue(headers, name) ?? '')}\n`)
    .join('');
}

export interface CanonicalRequestParts {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: RawHeaders;
  readonly signedHeaders: readonly string[];
  /** Hex SHA-256 of the body (or the client's x-amz-content-sha256 value). */
  readonly payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.rawPath),
    canonicalQuery(parts.rawQuery),
    canonicalHeaders(parts.headers, parts.signedHeaders),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

// Code-unit order, as Python's sorted() and JavaScript's default sort use; never locale order.
const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
