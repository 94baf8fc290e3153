import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedBookworm, testCacheDir } from '../../../test/support/debian.js';
import type { Instance, LaunchSpec } from '../../instances/backend.js';
import { BwrapBackend, reapStaleInstances } from '../../instances/bwrap/backend.js';
import { dedent } from '../testing.js';
import { runToe, type ToeRunOptions, type ToeRunResult } from './engine.js';
import { bwrapInstanceFs, type InstanceFs } from './instance-fs.js';
import type { ToeEvent } from './types.js';

/** One real bwrap instance from the shared bookworm tree, for many small runs in one test file. */
export interface TestSandbox {
  readonly instance: Instance;
  readonly fs: InstanceFs;
  readonly logDirectory: string;
  /** Runs the given document texts (dedented) and returns the result and every event. */
  run(
    documents: readonly (string | { path: string; text: string })[],
    options?: Partial<ToeRunOptions>,
  ): Promise<ToeRunResult & { events: ToeEvent[] }>;
  /** A command's stdout inside the instance (asserts exit 0). */
  sh(script: string): Promise<string>;
  stop(): Promise<void>;
}

export async function launchTestSandbox(spec: Partial<LaunchSpec> = {}): Promise<TestSandbox> {
  const lower = await sharedBookworm();
  const stateDir = join(testCacheDir(), 'instance-state', 'toe-test');
  await reapStaleInstances(stateDir);
  const instance = await new BwrapBackend({ stateDir }).launch({
    lowerDirs: [lower],
    network: 'none',
    ...spec,
  });
  const fs = bwrapInstanceFs(instance);
  const logDirectory = await mkdtemp(join(tmpdir(), 'kiln-toe-test-'));
  let n = 0;
  return {
    instance,
    fs,
    logDirectory,
    async run(documents, options = {}) {
      const events: ToeEvent[] = [];
      const result = await runToe({
        documents: documents.map((d) =>
          typeof d === 'string' ? { path: `doc${n++}.yaml`, text: dedent(d) } : d,
        ),
        instance,
        fs,
        logDirectory,
        ...options,
        onEvent: (e) => {
          events.push(e);
          options.onEvent?.(e);
        },
      });
      return { ...result, events };
    },
    async sh(script) {
      const result = await instance.exec(['bash', '-c', script]);
      if (result.exitCode !== 0) throw new Error(`${script}: exit ${result.exitCode}: ${result.stderr}`);
      return result.stdout;
    },
    async stop() {
      await instance.stop();
      await rm(logDirectory, { recursive: true, force: true });
    },
  };
}
