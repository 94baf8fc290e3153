import type { Kysely, Transaction } from 'kysely';
import type { ResourceType } from '../core/arn.js';
import { launchGranteesOf } from './grants.js';
import {
  type DocumentQuery,
  type DocumentRecord,
  type IdempotencyEntry,
  type ListQuery,
  type ResourceRecord,
  type ResourceScope,
  type Store,
  type StoredListRow,
  sortKeyOf,
} from './store.js';

interface ResourcesTable {
  arn: string;
  account: string;
  region: string;
  type: string;
  name_key: string;
  version_key: string;
  build: number;
  latest_build: number;
  sort_key: string;
  body: string;
  tags: string;
  policy: string | null;
  date_created: number;
  date_updated: number;
}

export interface Database {
  resources: ResourcesTable;
  resource_refs: { from_arn: string; to_arn: string };
  resource_grants: { arn: string; grantee: string };
  idempotency: {
    account: string;
    operation: string;
    token: string;
    fingerprint: string;
    response: string;
    created_at: number;
  };
  meta: { key: string; value: string };
  documents: DocumentsTable;
}

interface DocumentsTable {
  kind: string;
  id: string;
  account: string;
  region: string;
  parent: string;
  status: string;
  sort_key: string;
  body: string;
  created_at: number;
  updated_at: number;
}

const toDocument = (row: DocumentsTable): DocumentRecord => ({
  kind: row.kind,
  id: row.id,
  account: row.account,
  region: row.region,
  parent: row.parent,
  status: row.status,
  sortKey: row.sort_key,
  body: JSON.parse(row.body) as Record<string, unknown>,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

type Db = Kysely<Database> | Transaction<Database>;

function toRecord(row: ResourcesTable): ResourceRecord {
  return {
    arn: row.arn,
    account: row.account,
    region: row.region,
    type: row.type as ResourceType,
    nameKey: row.name_key,
    versionKey: row.version_key,
    build: Number(row.build),
    latestBuild: Number(row.latest_build) === 1,
    body: JSON.parse(row.body) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as Record<string, string>,
    policy: row.policy ?? undefined,
    dateCreated: Number(row.date_created),
    dateUpdated: Number(row.date_updated),
  };
}

/**
 * The Store over Kysely. SQL stays within what SQLite and PostgreSQL share; serializable
 * transactions come from the dialect (SQLite: one connection; PostgreSQL: SERIALIZABLE).
 */
export class KyselyStore implements Store {
  constructor(
    private readonly db: Db,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async getResource(arn: string): Promise<ResourceRecord | undefined> {
    const row = await this.db.selectFrom('resources').selectAll().where('arn', '=', arn).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async findByName(scope: ResourceScope, nameKey: string): Promise<ResourceRecord[]> {
    const rows = await this.scoped(scope).where('name_key', '=', nameKey).execute();
    return rows.map(toRecord);
  }

  async list(q: ListQuery): Promise<StoredListRow[]> {
    let query = this.scoped(q);
    if (q.afterSortKey !== undefined) query = query.where('sort_key', '>', q.afterSortKey);
    if (q.latestBuildsOnly) query = query.where('latest_build', '=', 1);
    if (q.nameKey !== undefined) query = query.where('name_key', '=', q.nameKey);
    if (q.versionKey !== undefined) query = query.where('version_key', '=', q.versionKey);
    const rows = await query.orderBy('sort_key').limit(q.limit).execute();
    return rows.map((row) => ({ sortKey: row.sort_key, record: toRecord(row) }));
  }

  async listWithPolicies(
    scope: Omit<ResourceScope, 'account'>,
    excludeAccount: string,
    grantees: readonly string[] = [],
  ): Promise<ResourceRecord[]> {
    const granted = [...new Set(grantees)];
    const rows = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('region', '=', scope.region)
      .where('type', '=', scope.type)
      .where('account', '!=', excludeAccount)
      .where((eb) =>
        granted.length === 0
          ? eb('policy', 'is not', null)
          : eb.or([
              eb('policy', 'is not', null),
              eb('arn', 'in', eb.selectFrom('resource_grants').select('arn').where('grantee', 'in', granted)),
            ]),
      )
      .orderBy('sort_key')
      .execute();
    return rows.map(toRecord);
  }

  async insert(record: Omit<ResourceRecord, 'latestBuild'>, references: readonly string[]): Promise<void> {
    await this.transaction(async (tx) => (tx as KyselyStore).insertInTx(record, references));
  }

  private async insertInTx(record: Omit<ResourceRecord, 'latestBuild'>, references: readonly string[]) {
    const siblings = await this.db
      .selectFrom('resources')
      .select(['arn', 'build'])
      .where('account', '=', record.account)
      .where('region', '=', record.region)
      .where('type', '=', record.type)
      .where('name_key', '=', record.nameKey)
      .where('version_key', '=', record.versionKey)
      .execute();
    const newest = siblings.every((s) => Number(s.build) < record.build);
    if (newest && siblings.length > 0) {
      await this.db
        .updateTable('resources')
        .set({ latest_build: 0 })
        .where(
          'arn',
          'in',
          siblings.map((s) => s.arn),
        )
        .execute();
    }
    await this.db
      .insertInto('resources')
      .values({
        arn: record.arn,
        account: record.account,
        region: record.region,
        type: record.type,
        name_key: record.nameKey,
        version_key: record.versionKey,
        build: record.build,
        latest_build: newest ? 1 : 0,
        sort_key: sortKeyOf(record),
        body: JSON.stringify(record.body),
        tags: JSON.stringify(record.tags),
        policy: record.policy ?? null,
        date_created: record.dateCreated,
        date_updated: record.dateUpdated,
      })
      .execute();
    await this.replaceRefs(record.arn, references);
    await this.replaceGrants(record.arn, record.body);
  }

  async update(
    arn: string,
    patch: {
      body?: Record<string, unknown>;
      tags?: Record<string, string>;
      policy?: string;
      dateUpdated?: number;
    },
    references?: readonly string[],
  ): Promise<void> {
    await this.transaction(async (tx) => {
      const self = tx as KyselyStore;
      const set: Partial<ResourcesTable> = {};
      if (patch.body) set.body = JSON.stringify(patch.body);
      if (patch.tags) set.tags = JSON.stringify(patch.tags);
      if (patch.policy !== undefined) set.policy = patch.policy;
      if (patch.dateUpdated !== undefined) set.date_updated = patch.dateUpdated;
      if (Object.keys(set).length > 0)
        await self.db.updateTable('resources').set(set).where('arn', '=', arn).execute();
      if (references) await self.replaceRefs(arn, references);
      if (patch.body) await self.replaceGrants(arn, patch.body);
    });
  }

  async delete(arn: string): Promise<void> {
    await this.transaction(async (tx) => {
      const self = tx as KyselyStore;
      const gone = await self.db
        .deleteFrom('resources')
        .where('arn', '=', arn)
        .returningAll()
        .executeTakeFirst();
      await self.db.deleteFrom('resource_refs').where('from_arn', '=', arn).execute();
      await self.db.deleteFrom('resource_grants').where('arn', '=', arn).execute();
      if (gone && Number(gone.latest_build) === 1) await self.promoteNewestSibling(gone);
    });
  }

  private async promoteNewestSibling(gone: ResourcesTable): Promise<void> {
    const next = await this.db
      .selectFrom('resources')
      .select('arn')
      .where('account', '=', gone.account)
      .where('region', '=', gone.region)
      .where('type', '=', gone.type)
      .where('name_key', '=', gone.name_key)
      .where('version_key', '=', gone.version_key)
      .orderBy('build', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (next)
      await this.db.updateTable('resources').set({ latest_build: 1 }).where('arn', '=', next.arn).execute();
  }

  private async replaceRefs(arn: string, references: readonly string[]): Promise<void> {
    await this.db.deleteFrom('resource_refs').where('from_arn', '=', arn).execute();
    const unique = [...new Set(references)];
    if (unique.length > 0) {
      await this.db
        .insertInto('resource_refs')
        .values(unique.map((to) => ({ from_arn: arn, to_arn: to })))
        .execute();
    }
  }

  /** Keeps the launch-grant index (grants.ts) in step with a record's body. */
  private async replaceGrants(arn: string, body: Readonly<Record<string, unknown>>): Promise<void> {
    await this.db.deleteFrom('resource_grants').where('arn', '=', arn).execute();
    const grantees = launchGranteesOf(body);
    if (grantees.length > 0) {
      await this.db
        .insertInto('resource_grants')
        .values(grantees.map((grantee) => ({ arn, grantee })))
        .execute();
    }
  }

  async dependentsOf(arn: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('resource_refs')
      .select('from_arn')
      .where('to_arn', '=', arn)
      .execute();
    return rows.map((r) => r.from_arn);
  }

  async getIdempotency(
    account: string,
    operation: string,
    token: string,
  ): Promise<IdempotencyEntry | undefined> {
    const row = await this.db
      .selectFrom('idempotency')
      .select(['fingerprint', 'response'])
      .where('account', '=', account)
      .where('operation', '=', operation)
      .where('token', '=', token)
      .executeTakeFirst();
    return row ?? undefined;
  }

  async putIdempotency(
    account: string,
    operation: string,
    token: string,
    entry: IdempotencyEntry,
    now: number,
  ) {
    await this.db
      .insertInto('idempotency')
      .values({
        account,
        operation,
        token,
        fingerprint: entry.fingerprint,
        response: entry.response,
        created_at: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async putDocument(doc: DocumentRecord): Promise<void> {
    const row: DocumentsTable = {
      kind: doc.kind,
      id: doc.id,
      account: doc.account,
      region: doc.region,
      parent: doc.parent,
      status: doc.status,
      sort_key: doc.sortKey,
      body: JSON.stringify(doc.body),
      created_at: doc.createdAt,
      updated_at: doc.updatedAt,
    };
    await this.db
      .insertInto('documents')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['kind', 'id']).doUpdateSet({
          status: row.status,
          parent: row.parent,
          sort_key: row.sort_key,
          body: row.body,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async getDocument(kind: string, id: string): Promise<DocumentRecord | undefined> {
    const row = await this.db
      .selectFrom('documents')
      .selectAll()
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDocument(row) : undefined;
  }

  async listDocuments(q: DocumentQuery): Promise<DocumentRecord[]> {
    let query = this.db.selectFrom('documents').selectAll().where('kind', '=', q.kind);
    if (q.account !== undefined) query = query.where('account', '=', q.account);
    if (q.region !== undefined) query = query.where('region', '=', q.region);
    if (q.parent !== undefined) query = query.where('parent', '=', q.parent);
    if (q.status !== undefined) query = query.where('status', 'in', [...q.status]);
    if (q.afterSortKey !== undefined)
      query = query.where('sort_key', q.descending ? '<' : '>', q.afterSortKey);
    const rows = await query
      .orderBy('sort_key', q.descending ? 'desc' : 'asc')
      .limit(q.limit)
      .execute();
    return rows.map(toDocument);
  }

  async updateDocument(
    kind: string,
    id: string,
    patch: { status?: string; body?: Record<string, unknown>; updatedAt: number },
    expectedStatus?: readonly string[],
  ): Promise<boolean> {
    const set: Partial<DocumentsTable> = { updated_at: patch.updatedAt };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.body !== undefined) set.body = JSON.stringify(patch.body);
    let query = this.db.updateTable('documents').set(set).where('kind', '=', kind).where('id', '=', id);
    if (expectedStatus) query = query.where('status', 'in', [...expectedStatus]);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteDocument(kind: string, id: string): Promise<void> {
    await this.db.deleteFrom('documents').where('kind', '=', kind).where('id', '=', id).execute();
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMetaIfAbsent(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return (await this.getMeta(key)) ?? value;
  }

  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute((tx) => fn(new KyselyStore(tx)));
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  private scoped(scope: ResourceScope) {
    return this.db
      .selectFrom('resources')
      .selectAll()
      .where('account', '=', scope.account)
      .where('region', '=', scope.region)
      .where('type', '=', scope.type);
  }
}
