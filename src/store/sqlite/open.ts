import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type Database, KyselyStore } from '../kysely-store.js';
import { migrateToLatest } from '../migrations.js';
import type { Store } from '../store.js';

/**
 * Opens (and migrates) the embedded store: one SQLite file in the data directory, in WAL
 * mode. synchronous=NORMAL keeps every committed transaction across a process kill (the WAL
 * is in the OS page cache); only a power loss can drop the last commits.
 */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new SqliteDatabase(join(dataDir, 'kiln.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as unknown as Kysely<unknown>);
  return new KyselyStore(db, async () => {
    await db.destroy();
  });
}
