/**
 * Helpers for the control-plane tests: a scripted ImageBuildEngine (a seam fake — the real
 * engine's scenarios run in test/e2e/pipelines.test.ts) and a service harness over a real
 * SQLite store.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { stepExecutionId, workflowExecutionId } from '../core/ids.js';
import type {
  BuildHandle,
  BuildObserver,
  BuildOutcome,
  BuildStatus,
  ImageBuildRequest,
} from '../engine/image-build.js';
import type { Config } from '../config/config.js';
import type { CallContext, ServiceDeps } from '../service/context.js';
import { HANDLERS } from '../service/index.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/store.js';
import type { ExecutionEngine } from './engine-hooks.js';

export interface Script {
  /** Fail when the image reaches this status. */
  readonly failAt?: BuildStatus;
  /** Hold in BUILDING until release() or an abort. */
  readonly hold?: boolean;
  /** A WaitForAction step in BUILDING, waiting for SendWorkflowStepAction. */
  readonly waitForAction?: boolean;
}

const STAGES: readonly [BuildStatus, 'BUILD' | 'TEST' | 'DISTRIBUTION' | undefined][] = [
  ['CREATING', undefined],
  ['BUILDING', 'BUILD'],
  ['TESTING', 'TEST'],
  ['DISTRIBUTING', 'DISTRIBUTION'],
  ['INTEGRATING', undefined],
];

class Cancelled extends Error {}

/** Walks an image through the stages, reporting like the real engine, as each test scripts it. */
export class ScriptedEngine implements ExecutionEngine {
  readonly requests: ImageBuildRequest[] = [];
  readonly deleted: string[] = [];
  active = 0;
  maxActive = 0;
  resumable = false;
  /** Called after each status was reported (the store must already show it). */
  onStatus?: (imageArn: string, status: BuildStatus) => Promise<void>;
  readonly #gates = new Map<string, () => void>();
  readonly #actions = new Map<string, (a: { action: 'RESUME' | 'STOP'; reason?: string }) => void>();
  readonly #started = new Map<string, () => void>();

  constructor(readonly script: (req: ImageBuildRequest) => Script = () => ({})) {}

  release(imageArn: string): void {
    this.#gates.get(imageArn)?.();
  }

  /** Resolves once the image's build holds (or waits for an action) in BUILDING. */
  held(imageArn: string): Promise<void> {
    if (this.#gates.has(imageArn) || this.#actions.has(imageArn)) return Promise.resolve();
    return new Promise((resolve) => this.#started.set(imageArn, resolve));
  }

  canResume(): boolean {
    return this.resumable;
  }

  async deleteArtifacts(image: Readonly<Record<string, unknown>>): Promise<void> {
    this.deleted.push(String(image.arn));
  }

  start(req: ImageBuildRequest, observer: BuildObserver, signal: AbortSignal): BuildHandle {
    this.requests.push(req);
    const done = this.run(req, observer, signal);
    return {
      done,
      deliverStepAction: (stepExecutionId, action, reason) => {
        const deliver = this.#actions.get(req.imageArn);
        if (!deliver) throw new Error(`step ${stepExecutionId} is not waiting`);
        deliver(reason === undefined ? { action } : { action, reason });
      },
    };
  }

  private async run(
    req: ImageBuildRequest,
    observer: BuildObserver,
    signal: AbortSignal,
  ): Promise<BuildOutcome> {
    const script = this.script(req);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const status = async (s: BuildStatus, reason?: string) => {
      await observer(
        reason === undefined ? { kind: 'status', status: s } : { kind: 'status', status: s, reason },
      );
      await this.onStatus?.(req.imageArn, s);
    };
    const skipUntil = req.resumeFromStage;
    let skipping = skipUntil !== undefined;
    try {
      for (const [s, stage] of STAGES) {
        if (signal.aborted) throw new Cancelled();
        if (skipping && stage !== skipUntil && s !== 'CREATING') continue;
        if (stage === skipUntil) skipping = false;
        await status(s);
        const log = (text: string, stream: 'stdout' | 'stderr' = 'stdout') =>
          observer({
            kind: 'log',
            line: { time: Date.now(), stage: stage ?? 'CREATE', step: `${s}-step`, stream, text },
          });
        await log(`${s.toLowerCase()} starts`);
        if (s === 'BUILDING') await this.buildStage(req, observer, signal, script);
        if (script.failAt === s) {
          await log('boom: exit status 3', 'stderr');
          const reason = `${s} failed: step ${s}-step exited with 3: boom`;
          await status('FAILED', reason);
          return { status: 'FAILED', reason, ...(stage ? { failedStage: stage } : {}) };
        }
        await observer({ kind: 'timing', stage: s, ms: 1 });
      }
      await observer({
        kind: 'image',
        members: { outputResources: { amis: [{ region: req.region, image: 'ami-0123456789abcdef0' }] } },
      });
      await status('AVAILABLE');
      return { status: 'AVAILABLE' };
    } catch (err) {
      if (err instanceof StepStopped) {
        const reason = `BUILDING failed: the WaitForAction step Approve was stopped: ${err.message}`;
        await status('FAILED', reason);
        return { status: 'FAILED', reason, failedStage: 'BUILD' };
      }
      if (!(err instanceof Cancelled)) throw err;
      await status('CANCELLED', 'Cancelled by CancelImageCreation.');
      return { status: 'CANCELLED' };
    } finally {
      this.active--;
    }
  }

  private async buildStage(
    req: ImageBuildRequest,
    observer: BuildObserver,
    signal: AbortSignal,
    script: Script,
  ) {
    const wf = {
      workflowExecutionId: workflowExecutionId(),
      workflowBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1',
      type: 'BUILD' as const,
    };
    await observer({ kind: 'workflow', record: { ...wf, status: 'RUNNING', totalStepCount: 1 } });
    const step = {
      stepExecutionId: stepExecutionId(),
      workflowExecutionId: wf.workflowExecutionId,
      name: 'Approve',
      action: 'WaitForAction',
    };
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(new Cancelled());
      signal.addEventListener('abort', () => reject(new Cancelled()), { once: true });
    });
    aborted.catch(() => undefined);
    if (script.waitForAction) {
      const action = new Promise<{ action: 'RESUME' | 'STOP'; reason?: string }>((resolve) =>
        this.#actions.set(req.imageArn, resolve),
      );
      await observer({ kind: 'step', record: { ...step, status: 'RUNNING', waiting: true } });
      this.#started.get(req.imageArn)?.();
      const got = await Promise.race([action, aborted]);
      this.#actions.delete(req.imageArn);
      const ok = got.action === 'RESUME';
      await observer({
        kind: 'step',
        record: {
          ...step,
          status: ok ? 'COMPLETED' : 'FAILED',
          waiting: false,
          outputs: { action: got.action, reason: got.reason ?? '' },
        },
      });
      if (!ok) throw new StepStopped(got.reason ?? '');
    }
    if (script.hold) {
      const gate = new Promise<void>((resolve) => this.#gates.set(req.imageArn, resolve));
      this.#started.get(req.imageArn)?.();
      await Promise.race([gate, aborted]);
      this.#gates.delete(req.imageArn);
    }
    await observer({ kind: 'workflow', record: { ...wf, status: 'COMPLETED', totalStepCount: 1 } });
  }
}

export class StepStopped extends Error {}

export const TEST_CONFIG = (dataDir: string, maxConcurrentBuilds = 1): Config =>
  Object.freeze({
    dataDir,
    cacheDir: `${dataDir}/cache`,
    host: '127.0.0.1',
    port: 0,
    regions: ['us-east-1'],
    defaultRegion: 'us-east-1',
    defaultAccountId: '111122223333',
    accessKeys: [],
    maxConcurrentBuilds,
    regionStores: { 'us-east-1': { type: 'directory' as const, path: `${dataDir}/regions/us-east-1` } },
    kmsKeys: [],
    organizations: [],
  });

export interface Harness {
  readonly store: Store;
  readonly deps: ServiceDeps;
  readonly dataDir: string;
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A service over a fresh (or given) data directory, called like the API calls it. */
export async function openHarness(options: { dataDir?: string; clock?: Clock } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kiln-worker-'));
  const store = await openSqliteStore(dataDir);
  const deps: ServiceDeps = {
    store,
    clock: options.clock ?? systemClock,
    config: TEST_CONFIG(dataDir),
    fetchDocument: async () => {
      throw new Error('no documents by URI in these tests');
    },
  };
  let n = 0;
  const call = async (operation: string, input: Record<string, unknown>) => {
    const handler = HANDLERS[operation];
    if (!handler) throw new Error(`no handler ${operation}`);
    const ctx: CallContext = {
      account: '111122223333',
      region: 'us-east-1',
      requestId: `r${n++}`,
      operation,
    };
    return handler(deps, ctx, { clientToken: `t${n}`, ...input });
  };
  return { store, deps, dataDir, call };
}

export const COMPONENT_DOC = `schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands: ['echo hello']
`;

/** A component, an image recipe on it, and an infrastructure configuration; returns their ARNs. */
export async function basics(h: Harness, options: { snsTopicArn?: string; recipe?: string } = {}) {
  const name = options.recipe ?? 'web';
  const component = await h.call('CreateComponent', {
    name: `${name}-c`,
    semanticVersion: '1.0.0',
    platform: 'Linux',
    data: COMPONENT_DOC,
  });
  const recipe = await h.call('CreateImageRecipe', {
    name,
    semanticVersion: '1.0.0',
    parentImage: 'debian:bookworm',
    components: [
      { componentArn: (component.componentBuildVersionArn as string).replace(/\/1\.0\.0\/1$/, '/x.x.x') },
    ],
  });
  const infra = await h.call('CreateInfrastructureConfiguration', {
    name: `${name}-infra`,
    instanceProfileName: 'kiln',
    ...(options.snsTopicArn ? { snsTopicArn: options.snsTopicArn } : {}),
  });
  return {
    componentArn: component.componentBuildVersionArn as string,
    imageRecipeArn: recipe.imageRecipeArn as string,
    infrastructureConfigurationArn: infra.infrastructureConfigurationArn as string,
  };
}
