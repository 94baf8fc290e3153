import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { invalidValue } from '../core/errors.js';

const MAX_DOCUMENT_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

/**
 * Reads the document a `uri` member names: `file://` paths on the server's machine or
 * `http(s)://` URLs (200 only, redirects followed). Errors name the member and the cause.
 */
export async function fetchDocument(uri: string, member: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidValue(
      member,
      `'${uri}' is not a URI.`,
      'Use file:///path/doc.yaml or https://host/doc.yaml.',
    );
  }
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    const data = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw invalidValue(
        member,
        `Cannot read ${path}: ${err.code ?? err.message}.`,
        'The path is read on the Kiln server’s machine.',
      );
    });
    if (data.length > MAX_DOCUMENT_BYTES) throw invalidValue(member, `${path} is larger than 1 MiB.`);
    return data.toString('utf8');
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch(
      (err: Error) => {
        throw invalidValue(
          member,
          `Fetching ${uri} failed: ${err.cause instanceof Error ? err.cause.message : err.message}.`,
        );
      },
    );
    if (res.status !== 200)
      throw invalidValue(member, `Fetching ${uri} answered HTTP ${res.status}; 200 is required.`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_DOCUMENT_BYTES) throw invalidValue(member, `${uri} is larger than 1 MiB.`);
    return body.toString('utf8');
  }
  throw invalidValue(
    member,
    `Kiln reads documents from file:// and http(s):// URIs, not ${url.protocol}//.`,
    'Inline the document with `data`, or serve it over HTTP.',
  );
}
