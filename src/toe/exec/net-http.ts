import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/** A server silent this long is given up on (the try fails, and WebDownload retries). */
const IDLE_TIMEOUT_MS = 60_000;

export interface HttpGetOptions {
  readonly ignoreCertificateErrors: boolean;
  readonly signal: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** The URL that answered, after redirects. */
  readonly url: string;
  readonly body: IncomingMessage;
}

/** A download problem worth another try (bad status, network error, checksum mismatch). */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

/**
 * GET over the host's network (Node's http/https, not the instance's), following up to 10
 * redirects; any final status is returned with its unread body. `ignoreCertificateErrors`
 * accepts any TLS certificate.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpResponse> {
  let current = url;
  for (let hops = 0; ; hops += 1) {
    const res = await request(current, options);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) {
      return { status: res.statusCode ?? 0, url: current, body: res };
    }
    res.resume();
    if (hops >= MAX_REDIRECTS) throw new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new DownloadError(`${url}: redirected to a non-http URL (${next.href})`);
    }
    current = next.href;
  }
}

function request(url: string, options: HttpGetOptions): Promise<IncomingMessage> {
  const target = new URL(url);
  const get = target.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(
      target,
      {
        signal: options.signal,
        rejectUnauthorized: !options.ignoreCertificateErrors,
        headers: { 'user-agent': 'kiln-awstoe' },
      },
      resolve,
    );
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(new DownloadError(`${url}: no data for ${IDLE_TIMEOUT_MS / 1000} s`)),
    );
    req.on('error', (err) =>
      reject(err instanceof DownloadError ? err : new DownloadError(`${url}: ${err.message}`)),
    );
  });
}
