import { createKilnRoutes } from '../api/kiln-routes.js';
import { startApiServer, type RunningServer } from '../api/server.js';
import type { Config } from '../config/config.js';
import { ensureAdminCredentials, withAdminKey, type AdminCredentials } from '../config/credentials.js';
import { type Clock, systemClock } from '../core/clock.js';
import { ensureSigningKey } from '../signing/keys.js';
import { ensureKmsKeyFiles } from '../distribution/kms.js';
import { DeliveryLoop } from '../events/deliveries.js';
import { launchTemplateHooks } from '../launch-templates/library.js';
import type { LifecycleHooks } from '../lifecycle/apply.js';
import { LifecycleRunner } from '../lifecycle/runner.js';
import { ImageLogs } from '../events/image-logs.js';
import type { RetryPolicy } from '../events/webhooks.js';
import { Scheduler } from '../scheduler/tick.js';
import { fetchDocument } from '../service/documents.js';
import { kilnBuildEngine } from './engine.js';
import type { ParentIdentityResolver } from '../service/executions/dependencies.js';
import { HANDLERS } from '../service/index.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/store.js';
import type { ExecutionEngine } from '../worker/engine-hooks.js';
import { noEngine } from '../worker/no-engine.js';
import { Worker } from '../worker/worker.js';

export interface KilnServer {
  readonly api: RunningServer;
  readonly store: Store;
  readonly config: Config;
  readonly admin: AdminCredentials;
  readonly worker: Worker;
  readonly scheduler: Scheduler;
  readonly logs: ImageLogs;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly logError?: (err: unknown, context: string) => void;
  /** The build engine the worker drives: the real one by default; 'none' fails every build saying so. */
  readonly engine?: ExecutionEngine | 'none';
  /** Identifies parents outside the store for the dependency-update schedule condition. */
  readonly parents?: ParentIdentityResolver;
  /** Loop timings (tests shorten them). */
  readonly timings?: {
    readonly workerPollMs?: number;
    readonly heartbeatMs?: number;
    readonly staleMs?: number;
    readonly schedulerIntervalMs?: number;
    readonly deliveryRetry?: RetryPolicy;
  };
}

/**
 * The composition root of `kiln server`: the embedded SQLite store, the admin key, the service
 * use cases and the HTTP edge, the worker, the scheduler and the webhook deliveries, wired
 * once. Later backends (PostgreSQL, remote workers) plug in here.
 */
export async function startKilnServer(baseConfig: Config, options: StartOptions): Promise<KilnServer> {
  const admin = await ensureAdminCredentials(baseConfig.dataDir, options.env, baseConfig.defaultAccountId);
  // The image signing key exists from the first start, so `kiln key export` works before any build.
  await ensureSigningKey(baseConfig.dataDir);
  // KMS key material exists from the first start too (generated 0600 where the config names no file).
  await ensureKmsKeyFiles(baseConfig.kmsKeys);
  const config = withAdminKey(baseConfig, admin.accessKey);
  const store = await openSqliteStore(config.dataDir);
  const clock = options.clock ?? systemClock;
  const logError = options.logError;
  const real =
    options.engine === undefined
      ? kilnBuildEngine(config, store, clock, options.env, logError ? { logError } : {})
      : undefined;
  const launchTemplates = launchTemplateHooks(store, clock);
  // Lifecycle actions never retire what a launch template's default version launches, and
  // deletions end with the same garbage collection DeleteImage uses.
  const lifecycleHooks: LifecycleHooks = {
    inUseByLaunchTemplates: launchTemplates.inUseByLaunchTemplates,
    ...(real ? { collectGarbage: real.collectGarbage } : {}),
  };
  const deps = { store, clock, config, fetchDocument, lifecycleHooks };
  const logs = new ImageLogs(config.dataDir);
  const engine = options.engine === 'none' ? noEngine : (options.engine ?? real?.engine ?? noEngine);
  const parents = options.parents ?? real?.parents;
  const t = options.timings ?? {};
  const worker = new Worker({
    store,
    clock,
    engine,
    logs,
    maxConcurrentBuilds: config.maxConcurrentBuilds,
    ...(t.workerPollMs !== undefined ? { pollMs: t.workerPollMs } : {}),
    ...(t.heartbeatMs !== undefined ? { heartbeatMs: t.heartbeatMs } : {}),
    ...(t.staleMs !== undefined ? { staleMs: t.staleMs } : {}),
    ...(logError ? { logError } : {}),
  });
  const accounts = [...new Set([config.defaultAccountId, ...config.accessKeys.map((k) => k.accountId)])];
  const scheduler = new Scheduler({
    deps,
    scopes: accounts.flatMap((account) => config.regions.map((region) => ({ account, region }))),
    ...(parents ? { parents } : {}),
    ...(t.schedulerIntervalMs !== undefined ? { intervalMs: t.schedulerIntervalMs } : {}),
    ...(logError ? { logError } : {}),
  });
  const deliveries = new DeliveryLoop({
    store,
    clock,
    ...(t.deliveryRetry ? { retry: t.deliveryRetry } : {}),
    ...(logError ? { logError } : {}),
  });
  let api: RunningServer;
  try {
    api = await startApiServer(
      {
        deps,
        handlers: HANDLERS,
        extraRoutes: createKilnRoutes(deps, logs),
        ...(logError ? { logError } : {}),
      },
      config.host,
      config.port,
    );
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    // Recovery runs before anything is claimed: leases of a dead server are settled first.
    await worker.start();
  } catch (err) {
    await api.close();
    await store.close();
    throw err;
  }
  scheduler.start();
  deliveries.start();
  const lifecycle = new LifecycleRunner({ deps, ...(logError ? { logError } : {}) });
  lifecycle.start();
  return {
    api,
    store,
    config,
    admin,
    worker,
    scheduler,
    logs,
    async stop() {
      await api.close();
      await scheduler.stop();
      await deliveries.stop();
      await worker.stop();
      await lifecycle.stop();
      await store.close();
    },
  };
}
