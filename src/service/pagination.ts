import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { KilnError } from '../core/errors.js';
import type { ResourceRecord, Store } from '../store/store.js';
import type { ListQuery } from '../store/store.js';

/** maxResults is 1..25 in the model; 25 when absent. */
export const pageSize = (maxResults: number | undefined): number => maxResults ?? 25;

const KEY_META = 'pagination-token-key';

async function tokenKey(store: Store): Promise<Buffer> {
  const stored = await store.setMetaIfAbsent(KEY_META, randomBytes(32).toString('hex'));
  return Buffer.from(stored, 'hex');
}

/** Tokens are bound to the listing (operation + selectors) so one cannot be replayed on another. */
const listingId = (operation: string, selectors: unknown): string =>
  createHash('sha256')
    .update(`${operation}\u0000${JSON.stringify(selectors)}`)
    .digest('base64url')
    .slice(0, 16);

export async function encodeToken(store: Store, operation: string, selectors: unknown, sortKey: string) {
  const payload = Buffer.from(JSON.stringify({ l: listingId(operation, selectors), k: sortKey })).toString(
    'base64url',
  );
  const mac = createHmac('sha256', await tokenKey(store))
    .update(payload)
    .digest('base64url')
    .slice(0, 22);
  return `${payload}.${mac}`;
}

export async function decodeToken(
  store: Store,
  operation: string,
  selectors: unknown,
  token: string | undefined,
): Promise<string | undefined> {
  if (token === undefined) return undefined;
  const bad = () =>
    new KilnError('InvalidPaginationTokenException', 'The nextToken is not valid for this request.', {
      hint: 'Pass the nextToken from the previous page of the same listing, with the same filters.',
    });
  const [payload, mac] = token.split('.');
  if (!payload || !mac) throw bad();
  const expected = createHmac('sha256', await tokenKey(store))
    .update(payload)
    .digest('base64url')
    .slice(0, 22);
  if (expected.length !== mac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(mac)))
    throw bad();
  const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { l: string; k: string };
  if (parsed.l !== listingId(operation, selectors)) throw bad();
  return parsed.k;
}

export interface PageRequest<T> {
  readonly store: Store;
  readonly operation: string;
  /** Everything that selects rows besides the token; binds the token to this listing. */
  readonly selectors: unknown;
  readonly query: Omit<ListQuery, 'afterSortKey' | 'limit'>;
  readonly maxResults: number | undefined;
  readonly nextToken: string | undefined;
  readonly keep: (record: ResourceRecord) => boolean;
  readonly map: (record: ResourceRecord) => T;
}

/**
 * Keyset pagination over the store with filters applied in order; reads in batches until the
 * page is full, so filtered listings stay correct. The token names the last row returned.
 */
export async function listPage<T>(req: PageRequest<T>): Promise<{ items: T[]; nextToken?: string }> {
  const size = pageSize(req.maxResults);
  let after = await decodeToken(req.store, req.operation, req.selectors, req.nextToken);
  const items: T[] = [];
  let lastKey: string | undefined;
  const batch = Math.max(size * 4, 100);
  for (;;) {
    const rows = await req.store.list({
      ...req.query,
      limit: batch,
      ...(after !== undefined ? { afterSortKey: after } : {}),
    });
    for (const row of rows) {
      if (!req.keep(row.record)) continue;
      if (items.length === size) {
        return {
          items,
          nextToken: await encodeToken(req.store, req.operation, req.selectors, lastKey as string),
        };
      }
      items.push(req.map(row.record));
      lastKey = row.sortKey;
    }
    if (rows.length < batch) return { items };
    after = rows[rows.length - 1]?.sortKey;
  }
}

/** Paginates an in-memory list (shared resources, small derived lists) with the same tokens. */
export async function pageOfArray<T>(
  store: Store,
  operation: string,
  selectors: unknown,
  sorted: readonly { sortKey: string; item: T }[],
  maxResults: number | undefined,
  nextToken: string | undefined,
): Promise<{ items: T[]; nextToken?: string }> {
  const size = pageSize(maxResults);
  const after = await decodeToken(store, operation, selectors, nextToken);
  const rest = after === undefined ? sorted : sorted.filter((e) => e.sortKey > after);
  const page = rest.slice(0, size);
  const last = page[page.length - 1];
  if (rest.length > size && last) {
    return {
      items: page.map((e) => e.item),
      nextToken: await encodeToken(store, operation, selectors, last.sortKey),
    };
  }
  return { items: page.map((e) => e.item) };
}
