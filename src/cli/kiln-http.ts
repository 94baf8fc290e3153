/**
 * Calls Kiln's own /kiln/ endpoints (logs, events, topics) the way the SDK calls the API: a
 * SigV4-signed request (service `imagebuilder`) with the CLI's credentials and region.
 */
import { createHash, createHmac } from 'node:crypto';
import { canonicalRequest } from '../api/sigv4-canonical.js';
import { formatAmzDate } from '../api/sigv4.js';
import type { ClientSettings } from './client.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** The headers that sign one request. */
export function signRequest(
  settings: ClientSettings,
  method: string,
  url: URL,
  body: string,
  now = Date.now(),
): Record<string, string> {
  const amzDate = formatAmzDate(now);
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': sha256(body),
  };
  const signed = Object.keys(headers).sort();
  const request = canonicalRequest({
    method,
    rawPath: url.pathname,
    rawQuery: url.search.replace(/^\?/, ''),
    headers,
    signedHeaders: signed,
    payloadHash: headers['x-amz-content-sha256'] as string,
  });
  const scope = `${date}/${settings.region}/imagebuilder/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(request)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${settings.credentials.secretAccessKey}`, date), settings.region), 'imagebuilder'),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${settings.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}

export function kilnUrl(
  settings: ClientSettings,
  path: string,
  query: Record<string, string | undefined> = {},
): URL {
  const url = new URL(path, settings.endpoint);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** An error shaped like the SDK's (name, message, $metadata) so describeClientError renders it. */
async function errorOf(res: Response): Promise<Error> {
  const text = await res.text();
  let name = 'Error';
  let message = `HTTP ${res.status}: ${text.slice(0, 200)}`;
  try {
    const body = JSON.parse(text) as { __type?: string; message?: string };
    if (body.__type) name = body.__type;
    if (body.message) message = body.message;
  } catch {
    // not JSON: keep the raw text
  }
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: res.status } });
}

/** One JSON call; throws an error named like the API's on a non-200 answer. */
export async function kilnCall<T>(
  settings: ClientSettings,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  query: Record<string, string | undefined> = {},
  body?: unknown,
): Promise<T> {
  const url = kilnUrl(settings, path, query);
  const text = body === undefined ? '' : JSON.stringify(body);
  const res = await fetch(url, {
    method,
    headers: {
      ...signRequest(settings, method, url, text),
      ...(text ? { 'content-type': 'application/json' } : {}),
    },
    ...(text ? { body: text } : {}),
  });
  if (res.status !== 200) throw await errorOf(res);
  return (await res.json()) as T;
}

export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** Reads a server-sent-events stream, calling `onEvent` for each event, until the server ends it. */
export async function kilnStream(
  settings: ClientSettings,
  path: string,
  query: Record<string, string | undefined>,
  onEvent: (e: SseEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const url = kilnUrl(settings, path, query);
  const res = await fetch(url, {
    headers: { ...signRequest(settings, 'GET', url, ''), accept: 'text/event-stream' },
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 200 || !res.body) throw await errorOf(res);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e: { event: string; data: string[]; id?: string } = { event: 'message', data: [] };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'data') e.data.push(value);
        else if (field === 'id') e.id = value;
      }
      if (e.data.length > 0)
        onEvent({ event: e.event, data: e.data.join('\n'), ...(e.id ? { id: e.id } : {}) });
    }
  }
}
