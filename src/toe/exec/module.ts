import type { Instance } from '../../instances/backend.js';
import type { InputMap, Step } from '../model.js';

/** Where S3Download/S3Upload go: any S3-compatible endpoint (settings come from Kiln's config). */
export interface S3Settings {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Path-style addressing (`endpoint/bucket/key`), which local S3 servers need. */
  readonly forcePathStyle: boolean;
}

/** Log lines of a step, in awstoe's two logs: console.log (user-facing) and application.log. */
export interface StepLog {
  /** A line of the step's stdout, as `Stdout: <line>` in console.log and streamed to the caller. */
  stdout(line: string): void;
  /** A line of the step's stderr, as `CmdExecution: Stderr: <line>`. */
  stderr(line: string): void;
  /** A user-facing progress line of the module (`CreateFile: created /x`). */
  info(line: string): void;
  /** A debug line for application.log only. */
  debug(line: string): void;
}

/**
 * What an action module may touch while it runs one attempt of one step (one loop iteration).
 * Modules never reach the host directly: commands run through `instance.exec`, files go
 * through `fs` (paths are paths inside the instance).
 */
export interface ModuleContext {
  readonly instance: Instance;
  readonly fs: import('./instance-fs.js').InstanceFs;
  /** Environment for commands: WORKING_DIRECTORY and friends. */
  readonly env: Readonly<Record<string, string>>;
  /** Aborted when the attempt times out or the run is cancelled. */
  readonly signal: AbortSignal;
  readonly log: StepLog;
  readonly step: Step;
  /** Undefined when no S3 endpoint is configured; S3 modules then fail with a clear message. */
  readonly s3: S3Settings | undefined;
}

/** The outcome of one attempt of one step (or one loop iteration). */
export type ModuleOutcome =
  | { readonly status: 'success'; readonly outputs: Readonly<Record<string, unknown>> }
  | { readonly status: 'failed'; readonly message: string; readonly exitCode?: number }
  /** Exit 194 (ExecuteBash/ExecuteBinary) or the Reboot module: restart the instance, then resume. */
  | { readonly status: 'reboot'; readonly rerunStep: boolean };

/**
 * One AWSTOE action module's execution. Inputs arrive with every `{{ }}` reference already
 * substituted, in the shape the module's spec validated (a map, or a list of maps). A module
 * reports expected failures as `{ status: 'failed' }` with a message naming the input; it throws
 * only for Kiln's own faults.
 */
export type ExecuteModule = (
  inputs: InputMap | readonly InputMap[],
  ctx: ModuleContext,
) => Promise<ModuleOutcome>;
