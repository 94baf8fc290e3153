import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedBookworm, testCacheDir } from '../../../test/support/debian.js';
import type { Instance } from '../../instances/backend.js';
import { BwrapBackend, reapStaleInstances } from '../../instances/bwrap/backend.js';
import type { InputMap } from '../model.js';
import { bwrapInstanceFs, type InstanceFs } from './instance-fs.js';
import type { ExecuteModule, ModuleContext, ModuleOutcome, S3Settings } from './module.js';

/** Lines a module logged, by channel. */
export interface CapturedLog {
  stdout: string[];
  stderr: string[];
  info: string[];
  debug: string[];
}

/** A bwrap instance over the shared bookworm tree, for tests of modules (one per test file). */
export interface TestInstance {
  readonly instance: Instance;
  readonly fs: InstanceFs;
  /** Runs `sh -c script` inside the instance; asserts exit 0 and returns stdout. */
  sh(script: string): Promise<string>;
  /** `stat` inside the instance: "<octal mode> <owner> <group> <type>", e.g. "644 root root regular file". */
  stat(path: string): Promise<string>;
  /** Runs a module as the engine would; `log` receives its lines. */
  run(
    module: ExecuteModule,
    inputs: InputMap | readonly InputMap[],
    options?: { s3?: S3Settings; log?: CapturedLog },
  ): Promise<ModuleOutcome>;
  stop(): Promise<void>;
}

export function emptyLog(): CapturedLog {
  return { stdout: [], stderr: [], info: [], debug: [] };
}

export async function launchTestInstance(name: string): Promise<TestInstance> {
  const lower = await sharedBookworm();
  // Kept across runs: a run killed midway leaves its instances here for the next one to reap.
  const stateDir = join(testCacheDir(), 'instance-state', name);
  await reapStaleInstances(stateDir);
  const instance = await new BwrapBackend({ stateDir }).launch({ lowerDirs: [lower], network: 'none' });
  const fs = bwrapInstanceFs(instance);
  const sh = async (script: string) => {
    const result = await instance.exec(['sh', '-c', script]);
    assert.equal(result.exitCode, 0, `${script}\n${result.stderr}`);
    return result.stdout;
  };
  return {
    instance,
    fs,
    sh,
    stat: async (path) => (await sh(`stat -c '%a %U %G %F' '${path}'`)).trim(),
    run: (module, inputs, options = {}) => module(inputs, moduleContext(instance, fs, options)),
    stop: () => instance.stop(),
  };
}

function moduleContext(
  instance: Instance,
  fs: InstanceFs,
  options: { s3?: S3Settings; log?: CapturedLog },
): ModuleContext {
  const log = options.log ?? emptyLog();
  return {
    instance,
    fs,
    env: {},
    signal: new AbortController().signal,
    log: {
      stdout: (l) => log.stdout.push(l),
      stderr: (l) => log.stderr.push(l),
      info: (l) => log.info.push(l),
      debug: (l) => log.debug.push(l),
    },
    step: {
      name: 'TestStep',
      action: 'Test',
      inputs: [],
      timeoutSeconds: 7200,
      onFailure: 'Abort',
      maxAttempts: 1,
      path: 'phases[0].steps[0]',
    },
    s3: options.s3,
  };
}

/** Asserts a successful outcome and returns its outputs. */
export function assertSuccess(outcome: ModuleOutcome): Readonly<Record<string, unknown>> {
  assert.equal(outcome.status, 'success', outcome.status === 'failed' ? outcome.message : outcome.status);
  return outcome.status === 'success' ? outcome.outputs : {};
}

/** Asserts a failed outcome whose message matches `pattern`. */
export function assertFailed(outcome: ModuleOutcome, pattern: RegExp): void {
  assert.equal(outcome.status, 'failed', `expected a failure matching ${pattern}`);
  if (outcome.status === 'failed') assert.match(outcome.message, pattern);
}
