import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../core/clock.js';
import type { Instance } from '../../instances/backend.js';
import type { InstanceFs } from './instance-fs.js';
import { documentDigest, executeDocumentModule } from './mod-document.js';
import type { ExecuteModule, S3Settings } from './module.js';
import { MODULES } from './modules.js';
import { type PreparedDocument, prepareDocuments, type ToeDocumentInput } from './prepare.js';
import { instanceProbe } from './probe.js';
import { RunLogs } from './log-dir.js';
import { clearRunState, loadRunState, restartInstance, saveRunState } from './reboot.js';
import { finishRun, newRunRecord, type RunState, runSummary } from './run-state.js';
import { advance, chainingDocuments, type Walk } from './walk.js';
import type { RunRecord, RunSummary, ToeEvent } from './types.js';

export interface ToeRunOptions {
  readonly documents: readonly ToeDocumentInput[];
  /** Phase names to run (a filter: phases always run in document order); default all. */
  readonly phases?: readonly string[];
  /** `--parameters`: for every document; names a document does not define are ignored. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** A running instance; the run never stops it. */
  readonly instance: Instance;
  readonly fs: InstanceFs;
  /** Parent of the run's `TOE_<time>_UTC-0_<id>` folder. */
  readonly logDirectory: string;
  /** Where reboot state is kept; default `state/` in the run's log folder. */
  readonly stateDirectory?: string;
  /** Default: a random UUID. */
  readonly executionId?: string;
  readonly clock?: Clock;
  readonly s3?: S3Settings;
  /** Extra environment for every command, on top of WORKING_DIRECTORY. */
  readonly env?: Readonly<Record<string, string>>;
  /** `$WORKING_DIRECTORY` in the instance (created if missing); default `/tmp`. */
  readonly workingDirectory?: string;
  /** Every step start and end, output line and reboot, as they happen. */
  readonly onEvent?: (event: ToeEvent) => void;
  /** Cancels the run: the running step's processes are killed and nothing else runs. */
  readonly signal?: AbortSignal;
  /** Action modules by name; default MODULES (ExecuteDocument is always the engine's). */
  readonly modules?: Readonly<Record<string, ExecuteModule>>;
  /** Reads a component build version's document for ExecuteDocument with an ARN. */
  readonly loadComponent?: (arn: string, signal: AbortSignal) => Promise<string>;
  /** A step that asks for a reboot every time would loop forever: fail after this many (default 20). */
  readonly maxReboots?: number;
}

export interface ToeRunResult {
  readonly summary: RunSummary;
  readonly record: RunRecord;
  /** The run's log folder (also the summary's logUrl). */
  readonly logDir: string;
  /** For a CLI: the first failed step's exit status (1 when it had none), 0 on success. */
  readonly exitCode: number;
}

interface Nesting {
  readonly depth: number;
  readonly chain: readonly string[];
}

/**
 * Runs AWSTOE documents on an instance with awstoe's semantics: selected phases in document
 * order, documents one after another, per-step if/loop/attempts/timeout/onFailure, chaining,
 * reboots (state saved, instance restarted, run resumed from the saved state), and awstoe's
 * log folder. Invalid documents or missing parameters throw ToeInputError before anything runs.
 */
export function runToe(options: ToeRunOptions): Promise<ToeRunResult> {
  return execute(options, { depth: 0, chain: [] });
}

async function execute(options: ToeRunOptions, nesting: Nesting): Promise<ToeRunResult> {
  const prepared = prepareDocuments(options.documents, options.parameters);
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const executionId = options.executionId ?? randomUUID();
  const logs = await RunLogs.create(options.logDirectory, executionId, now);
  const emit = options.onEvent ?? (() => {});
  try {
    const stateDir = options.stateDirectory ?? join(logs.dir, 'state');
    for (const [n, p] of prepared.entries()) await logs.copyDocument(n, p.path, p.text);
    logs.console('Setup: STARTED SETUP');
    for (const p of prepared) for (const w of p.warnings) logs.debug(w, 'Warn');
    const workingDirectory = options.workingDirectory ?? '/tmp';
    await options.fs.mkdir(workingDirectory);
    const walk: Walk = {
      prepared,
      selected: (phase) => !options.phases || options.phases.includes(phase),
      logs,
      emit,
      now,
      depth: nesting.depth,
      maxReboots: options.maxReboots ?? 20,
      signal: options.signal ?? new AbortController().signal,
      stepEnv: {
        instance: options.instance,
        fs: options.fs,
        probe: instanceProbe(options.fs),
        env: { ...options.env, WORKING_DIRECTORY: workingDirectory },
        s3: options.s3,
      },
      modulesFor: (p) => modulesFor(options, nesting, p, stateDir),
    };
    let state: RunState = {
      record: newRunRecord(executionId, now()),
      chaining: prepared.map(() => ({})),
      cursor: { doc: 0, phase: 0, step: 0 },
      executed: 0,
      failed: 0,
      ignored: 0,
      stopped: false,
      reboots: 0,
    };
    while (await advance(walk, state)) {
      state.reboots += 1;
      logs.console(`Executor: rebooting the instance (reboot ${state.reboots}); state saved in ${stateDir}`);
      await saveRunState(stateDir, state);
      await restartInstance(options.fs, options.instance, options.signal);
      state = await loadRunState(stateDir);
      logs.console('Executor: resumed after reboot');
    }
    finishRun(state, now());
    await logs.writeDetailed(state.record);
    await logs.writeChaining(chainingDocuments(walk, state));
    await clearRunState(stateDir);
    const summary = runSummary(state, logs.dir);
    logs.console(
      summary.status === 'success'
        ? 'TOE has completed execution successfully'
        : `TOE has completed execution with failure: ${summary.failureMessage}`,
    );
    logs.debug(`Final executionLevelExitCode ${summary.status === 'success' ? 0 : 1}`);
    emit({ type: 'run-end', summary, depth: nesting.depth });
    const code = state.firstFailure?.exitCode;
    const exitCode =
      summary.status === 'success' ? 0 : code !== undefined && code > 0 && code < 256 ? code : 1;
    return { summary, record: state.record, logDir: logs.dir, exitCode };
  } finally {
    logs.close();
  }
}

/** The modules for one document's steps: ExecuteDocument knows how deep it is and what runs above it. */
function modulesFor(options: ToeRunOptions, nesting: Nesting, p: PreparedDocument, stateDir: string) {
  const chain = [...nesting.chain, documentDigest(p.text)];
  const runNested = (req: {
    path: string;
    text: string;
    phases?: readonly string[];
    parameters: Readonly<Record<string, string>>;
    signal: AbortSignal;
  }) =>
    execute(
      {
        ...options,
        documents: [{ path: req.path, text: req.text, parameters: req.parameters }],
        phases: req.phases,
        parameters: {},
        executionId: randomUUID(),
        stateDirectory: join(stateDir, `nested-${randomUUID()}`),
        signal: req.signal,
      },
      { depth: nesting.depth + 1, chain },
    );
  const ExecuteDocument = executeDocumentModule({
    runNested,
    depth: nesting.depth,
    chain,
    ...(options.loadComponent ? { loadComponent: options.loadComponent } : {}),
  });
  return { ...(options.modules ?? MODULES), ExecuteDocument };
}
