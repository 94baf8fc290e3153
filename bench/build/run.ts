/**
 * The nginx golden image, built by Kiln's engine and by hand (bench/build/byhand.sh), cold
 * (empty caches), warm (parent tree and packages cached, no layer cache) and no-op (rebuild
 * with nothing changed). Prints a markdown table. Run as root: npx tsx bench/build/run.ts
 * Scratch goes to /dev/shm (tmpfs, as feasibility.md's lower bound). buildah and mkosi rows
 * are printed when those tools are installed (they are not part of `make deps`).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from '../../src/host/process.js';
import { componentRecord, engineFor, imageRequest, nginxDocument } from '../../test/e2e/build-support.js';

const ROOT = process.env.KILN_BENCH_DIR ?? '/dev/shm/kiln-bench-build';
const here = import.meta.dirname;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function byHand(mode: 'cold' | 'warm'): Promise<number> {
  return timed(() =>
    runChecked([join(here, 'byhand.sh'), join(ROOT, 'byhand-work'), join(ROOT, 'byhand-cache'), mode]),
  );
}

async function kiln() {
  const cacheDir = join(ROOT, 'kiln-cache');
  const dataDir = join(ROOT, 'kiln-data');
  await rm(cacheDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
  const build = engineFor({ dataDir, cacheDir }, [componentRecord('nginx-web', await nginxDocument())]);
  const components = [{ name: 'nginx-web', parameters: [{ name: 'port', value: ['18475'] }] }];
  const run = async (layerCache: boolean) => {
    const result = await build(imageRequest({ components }, layerCache));
    if (result.outcome.status !== 'AVAILABLE')
      throw new Error(`kiln build ${result.outcome.status}: ${result.outcome.reason}`);
  };
  const cold = await timed(() => run(false));
  // Warm: parent tree and packages cached; no layer cache, and the disks are made again.
  await rm(join(cacheDir, 'disks'), { recursive: true, force: true });
  const warm = await timed(() => run(false));
  const noop = await timed(() => run(true));
  return { cold, warm, noop };
}

async function main(): Promise<void> {
  const handCold = await byHand('cold');
  const handWarm = await byHand('warm');
  const k = await kiln();
  const f = (s: number) => `${s.toFixed(2)} s`;
  const rows = [
    ['Kiln (engine: build + test + distribute)', f(k.cold), f(k.warm), f(k.noop)],
    ['by hand (byhand.sh: build + test)', f(handCold), f(handWarm), 'n/a (nothing to skip by hand)'],
    ['Kiln ÷ by hand', (k.cold / handCold).toFixed(2), (k.warm / handWarm).toFixed(2), ''],
  ];
  console.log(`nginx golden image, ${new Date().toISOString()}, scratch ${ROOT}\n`);
  console.log('| builder | cold | warm | no-op |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

await main();
