/**
 * Per-step overhead of an ExecuteBash step in Kiln's AWSTOE engine against the same script run
 * by hand with bwrap over the same instance tree, in one run.
 * Run: npx tsx bench/toe.ts [steps]   (needs root, bubblewrap and the cached bookworm tree)
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedBookworm } from '../test/support/debian.js';
import { runProcess } from '../src/host/process.js';
import { hasCapability } from '../src/host/proc.js';
import { requireTool } from '../src/host/tools.js';
import { bwrapArgs, execEnv } from '../src/instances/bwrap/args.js';
import { launchTestSandbox } from '../src/toe/exec/test-sandbox.js';

const steps = Number(process.argv[2] ?? 50);
const script = 'echo "step $RANDOM" > /dev/null\necho done';

async function main(): Promise<void> {
  await sharedBookworm();
  const sb = await launchTestSandbox();
  try {
    const scratch = join(sb.instance.upperDir, '..');
    const bwrap = requireTool('bwrap', 'bubblewrap');
    const layout = {
      mergedDir: sb.instance.rootDir,
      tmpDir: join(scratch, 'tmp'),
      runDir: join(scratch, 'run'),
      network: 'none' as const,
      hostname: sb.instance.id,
      binds: [],
      privileged: hasCapability('CAP_SYS_ADMIN'),
    };
    await writeFile(join(scratch, 'tmp', 'bench.sh'), script);
    const time = async (fn: () => Promise<unknown>) => {
      await fn(); // warm-up
      const t0 = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t0) / 1e6 / steps;
    };
    const byHand = await time(async () => {
      for (let i = 0; i < steps; i++) {
        const r = await runProcess([bwrap, ...bwrapArgs(layout, '/', ['bash', '/tmp/bench.sh'])], {
          env: execEnv(),
        });
        if (r.exitCode !== 0) throw new Error(r.stderr);
      }
    });
    const exec = await time(async () => {
      for (let i = 0; i < steps; i++) await sb.instance.exec(['bash', '/tmp/bench.sh']);
    });
    const body = Array.from(
      { length: steps },
      (_, i) =>
        `      - name: S${i}\n        action: ExecuteBash\n        inputs:\n          commands:\n${script
          .split('\n')
          .map((l) => `            - '${l.replace(/'/g, "''")}'`)
          .join('\n')}`,
    ).join('\n');
    const doc = `schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n${body}\n`;
    const kiln = await time(async () => {
      const r = await sb.run([{ path: 'bench.yaml', text: doc }]);
      if (r.summary.status !== 'success') throw new Error(r.summary.failureMessage);
    });
    const rows: [string, number][] = [
      ['`bwrap … bash script.sh` by hand', byHand],
      ['`instance.exec([bash, script])` (bwrap backend)', exec],
      ['Kiln ExecuteBash step (runToe)', kiln],
    ];
    console.log(`AWSTOE step overhead, ${steps} steps per run, ${new Date().toISOString().slice(0, 10)}\n`);
    console.log('| what | ms per step | overhead vs by hand |');
    console.log('|---|---:|---:|');
    for (const [what, ms] of rows)
      console.log(`| ${what} | ${ms.toFixed(1)} | ${(ms - byHand).toFixed(1)} ms |`);
  } finally {
    await sb.stop();
  }
}

await main();
