import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { launchGranteesOf } from './grants.js';

/**
 * Versioned schema migrations, written with Kysely's schema builder so they run on SQLite
 * and PostgreSQL alike. Never edit a released migration: add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_resources': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('resources')
        .addColumn('arn', 'text', (c) => c.primaryKey())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('version_key', 'text', (c) => c.notNull())
        .addColumn('build', 'integer', (c) => c.notNull())
        .addColumn('latest_build', 'integer', (c) => c.notNull())
        .addColumn('sort_key', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('policy', 'text')
        .addColumn('date_created', 'bigint', (c) => c.notNull())
        .addColumn('date_updated', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('resources_scope_sort')
        .on('resources')
        .columns(['account', 'region', 'type', 'sort_key'])
        .execute();
      await db.schema
        .createIndex('resources_scope_name')
        .on('resources')
        .columns(['account', 'region', 'type', 'name_key'])
        .execute();
      await db.schema
        .createTable('resource_refs')
        .addColumn('from_arn', 'text', (c) => c.notNull())
        .addColumn('to_arn', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_refs_pk', ['from_arn', 'to_arn'])
        .execute();
      await db.schema.createIndex('resource_refs_to').on('resource_refs').column('to_arn').execute();
      await db.schema
        .createTable('idempotency')
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['account', 'operation', 'token'])
        .execute();
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await sql`select 1`.execute(db);
    },
  },
  '0002_documents': {
    async up(db: Kysely<unknown>) {
      // Executions, workflow and step executions, events, parameters and other records that
      // are not Image Builder resources: one table keyed by (kind, id) with JSON bodies.
      await db.schema
        .createTable('documents')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('parent', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('sort_key', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('documents_pk', ['kind', 'id'])
        .execute();
      await db.schema
        .createIndex('documents_parent')
        .on('documents')
        .columns(['kind', 'parent', 'sort_key'])
        .execute();
      await db.schema
        .createIndex('documents_status')
        .on('documents')
        .columns(['kind', 'status', 'sort_key'])
        .execute();
      await db.schema
        .createIndex('documents_scope')
        .on('documents')
        .columns(['kind', 'account', 'region', 'sort_key'])
        .execute();
    },
  },
  '0003_resource_grants': {
    async up(db: Kysely<unknown>) {
      // Who an image's distributed AMIs may be launched by (grants.ts), so that `owner: Shared`
      // listings read the rows granted to the caller rather than every image of the region.
      await db.schema
        .createTable('resource_grants')
        .addColumn('arn', 'text', (c) => c.notNull())
        .addColumn('grantee', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_grants_pk', ['arn', 'grantee'])
        .execute();
      await db.schema
        .createIndex('resource_grants_grantee')
        .on('resource_grants')
        .column('grantee')
        .execute();
      const typed = db as unknown as Kysely<{
        resources: { arn: string; type: string; body: string };
        resource_grants: { arn: string; grantee: string };
      }>;
      const images = await typed
        .selectFrom('resources')
        .select(['arn', 'body'])
        .where('type', '=', 'image')
        .execute();
      for (const row of images) {
        const grantees = launchGranteesOf(JSON.parse(row.body) as Record<string, unknown>);
        if (grantees.length > 0)
          await typed
            .insertInto('resource_grants')
            .values(grantees.map((grantee) => ({ arn: row.arn, grantee })))
            .execute();
      }
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed?.migrationName ?? 'unknown';
    throw new Error(
      `store migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}
