import type { ResourceType } from '../core/arn.js';

/** One stored Image Builder resource (a component build, a recipe version, a pipeline...). */
export interface ResourceRecord {
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  readonly type: ResourceType;
  /** The normalized name (the ARN's name segment); for workflows prefixed with the type segment. */
  readonly nameKey: string;
  /** A fixed-width sortable version (see versionSortKey) or '' for unversioned resources. */
  readonly versionKey: string;
  /** The build number; 0 for resources without builds. */
  readonly build: number;
  /** True for the newest build of its name+version (what version-level listings show). */
  readonly latestBuild: boolean;
  /** The resource as the API returns it, without tags (kept apart so Tag/Untag stay cheap). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly policy: string | undefined;
  readonly dateCreated: number;
  readonly dateUpdated: number;
}

export interface ResourceScope {
  readonly account: string;
  readonly region: string;
  readonly type: ResourceType;
}

export interface ListQuery extends ResourceScope {
  /** Only rows whose sort key is greater (keyset pagination; survives concurrent inserts). */
  readonly afterSortKey?: string;
  readonly limit: number;
  /** Only the newest build of each name+version. */
  readonly latestBuildsOnly?: boolean;
  readonly nameKey?: string;
  /** Only rows of this name+version (version-level ARN listing of builds). */
  readonly versionKey?: string;
}

export interface StoredListRow {
  readonly sortKey: string;
  readonly record: ResourceRecord;
}

export interface IdempotencyEntry {
  readonly fingerprint: string;
  readonly response: string;
}

/**
 * A record that is not an Image Builder resource: an execution, a workflow or step execution,
 * an event, a parameter. `parent` groups records (e.g. the image ARN of a step execution);
 * `sortKey` orders them within a kind (time-sortable ids keep insertion order).
 */
export interface DocumentRecord {
  readonly kind: string;
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly parent: string;
  readonly status: string;
  readonly sortKey: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface DocumentQuery {
  readonly kind: string;
  readonly account?: string;
  readonly region?: string;
  readonly parent?: string;
  readonly status?: readonly string[];
  readonly afterSortKey?: string;
  readonly limit: number;
  /** Newest first instead of oldest first. */
  readonly descending?: boolean;
}

/**
 * Persistence for the control plane. Implementations must make every method atomic and
 * durable once its promise resolves (an acknowledged write survives kill -9), and must run
 * `transaction` bodies serializably. Both the SQLite and PostgreSQL stores implement this
 * through Kysely, so a dialect change is all a new backend needs.
 */
export interface Store {
  getResource(arn: string): Promise<ResourceRecord | undefined>;
  /** Every version and build of one name, in no particular order. */
  findByName(scope: ResourceScope, nameKey: string): Promise<ResourceRecord[]>;
  list(query: ListQuery): Promise<StoredListRow[]>;
  /**
   * Rows of other accounts that carry a resource policy, or whose launch grants (grants.ts)
   * name one of `grantees` (for `owner: Shared`).
   */
  listWithPolicies(
    scope: Omit<ResourceScope, 'account'>,
    excludeAccount: string,
    grantees?: readonly string[],
  ): Promise<ResourceRecord[]>;
  /** Inserts a record and the ARNs it references; fails if the ARN exists. */
  insert(record: Omit<ResourceRecord, 'latestBuild'>, references: readonly string[]): Promise<void>;
  /** Replaces body/tags/policy of a record; references are replaced when given. */
  update(
    arn: string,
    patch: {
      body?: Record<string, unknown>;
      tags?: Record<string, string>;
      policy?: string;
      dateUpdated?: number;
    },
    references?: readonly string[],
  ): Promise<void>;
  delete(arn: string): Promise<void>;
  /** ARNs of records that reference `arn` (exact match). */
  dependentsOf(arn: string): Promise<string[]>;
  getIdempotency(account: string, operation: string, token: string): Promise<IdempotencyEntry | undefined>;
  putIdempotency(
    account: string,
    operation: string,
    token: string,
    entry: IdempotencyEntry,
    now: number,
  ): Promise<void>;
  /** Inserts or replaces a document. */
  putDocument(doc: DocumentRecord): Promise<void>;
  getDocument(kind: string, id: string): Promise<DocumentRecord | undefined>;
  listDocuments(query: DocumentQuery): Promise<DocumentRecord[]>;
  /**
   * Changes a document only if its status is one of `expectedStatus` (compare-and-set, for
   * claiming queue entries); returns whether it changed.
   */
  updateDocument(
    kind: string,
    id: string,
    patch: { status?: string; body?: Record<string, unknown>; updatedAt: number },
    expectedStatus?: readonly string[],
  ): Promise<boolean>;
  deleteDocument(kind: string, id: string): Promise<void>;
  /** A value kept across restarts (e.g. the pagination token key). */
  getMeta(key: string): Promise<string | undefined>;
  setMetaIfAbsent(key: string, value: string): Promise<string>;
  /** Runs fn with exclusive access: reads and writes inside see one consistent state. */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Sort key for keyset pagination: name, then version, then build. */
export const sortKeyOf = (r: Pick<ResourceRecord, 'nameKey' | 'versionKey' | 'build'>): string =>
  `${r.nameKey}\u0001${r.versionKey}\u0001${String(r.build).padStart(10, '0')}`;
