import { startApiServer, type RunningServer } from '../api/server.js';
import type { Config } from '../config/config.js';
import { ensureAdminCredentials, withAdminKey, type AdminCredentials } from '../config/credentials.js';
import { type Clock, systemClock } from '../core/clock.js';
import { fetchDocument } from '../service/documents.js';
import { HANDLERS } from '../service/index.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/store.js';

export interface KilnServer {
  readonly api: RunningServer;
  readonly store: Store;
  readonly config: Config;
  readonly admin: AdminCredentials;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly logError?: (err: unknown, context: string) => void;
}

/**
 * The composition root of `kiln server`: the embedded SQLite store, the admin key, the service
 * use cases and the HTTP edge, wired once. Later backends (PostgreSQL, workers) plug in here.
 */
export async function startKilnServer(baseConfig: Config, options: StartOptions): Promise<KilnServer> {
  const admin = await ensureAdminCredentials(baseConfig.dataDir, options.env, baseConfig.defaultAccountId);
  const config = withAdminKey(baseConfig, admin.accessKey);
  const store = await openSqliteStore(config.dataDir);
  const deps = { store, clock: options.clock ?? systemClock, config, fetchDocument };
  let api: RunningServer;
  try {
    api = await startApiServer(
      { deps, handlers: HANDLERS, ...(options.logError ? { logError: options.logError } : {}) },
      config.host,
      config.port,
    );
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    api,
    store,
    config,
    admin,
    async stop() {
      await api.close();
      await store.close();
    },
  };
}
