/**
 * The nginx golden image four ways — Kiln's engine, by hand (byhand.sh, the lower bound),
 * buildah (buildah.sh) and mkosi (mkosi.sh) — each cold (empty caches), warm (parent tree and
 * packages cached, no layer cache) and no-op (rebuild with nothing changed; median of 3).
 * Prints a markdown table. Run as root: npx tsx bench/build/run.ts
 * Scratch goes to /dev/shm (tmpfs, as feasibility.md's lower bound). buildah and mkosi are
 * benchmark-only tools (not in `make deps`): a missing one gets a row saying which Debian
 * package to install. KILN_BENCH_ONLY=kiln,byhand,buildah,mkosi runs a subset.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from '../../src/host/process.js';
import { MissingToolError, requireTool } from '../../src/host/tools.js';
import { componentRecord, engineFor, imageRequest, nginxDocument } from '../../test/e2e/build-support.js';

const ROOT = process.env.KILN_BENCH_DIR ?? '/dev/shm/kiln-bench-build';
const ONLY = process.env.KILN_BENCH_ONLY?.split(',');
const here = import.meta.dirname;
const NOOP_RUNS = 3;

type Mode = 'cold' | 'warm' | 'noop';
interface Row {
  cold: number;
  warm: number;
  noop: number;
  note?: string;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function noops(run: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < NOOP_RUNS; i++) times.push(await run());
  process.stderr.write(`no-op runs: ${times.map((t) => t.toFixed(2)).join(' ')} s\n`);
  return median(times);
}

/** A bench script: `script WORK CACHE MODE`; returns its wall time and what it printed. */
async function script(name: string, mode: Mode) {
  let stdout = '';
  const s = await timed(async () => {
    stdout = (
      await runChecked([
        join(here, `${name}.sh`),
        join(ROOT, `${name}-work`),
        join(ROOT, `${name}-cache`),
        mode,
      ])
    ).stdout;
  });
  return { s, stdout };
}

async function byHand(): Promise<Row> {
  const cold = (await script('byhand', 'cold')).s;
  const warm = (await script('byhand', 'warm')).s;
  return { cold, warm, noop: Number.NaN, note: 'nothing to skip by hand' };
}

async function buildah(): Promise<Row> {
  const bud = (out: string) => Number(/^bud (\S+)/m.exec(out)?.[1]);
  const cold = (await script('buildah', 'cold')).s;
  const warm = (await script('buildah', 'warm')).s;
  const budTimes: number[] = [];
  const noop = await noops(async () => {
    const r = await script('buildah', 'noop');
    budTimes.push(bud(r.stdout));
    return r.s;
  });
  return {
    cold,
    warm,
    noop,
    note: `\`buildah bud\` alone ${median(budTimes).toFixed(2)} s; OCI archive only`,
  };
}

async function mkosi(): Promise<Row> {
  const cold = (await script('mkosi', 'cold')).s;
  const warm = (await script('mkosi', 'warm')).s;
  const noop = await noops(async () => (await script('mkosi', 'noop')).s);
  return { cold, warm, noop, note: 'directory tree only (no OCI, no disks); only the `bookworm` suite' };
}

async function kiln(): Promise<Row> {
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
  // Warm: parent tree and packages cached; no layer cache, and the exports are made again.
  for (const d of ['disks', 'oci-exports']) await rm(join(cacheDir, d), { recursive: true, force: true });
  const warm = await timed(() => run(false));
  // Not counted: the cached layers are the cold run's (the first write of a key stays), whose
  // exports the purge above removed; this build makes them again, as the cold build had.
  await run(true);
  const noop = await noops(() => timed(() => run(true)));
  return { cold, warm, noop };
}

/** Runs a builder whose tools may be missing (benchmark-only packages): then a row says what to install. */
async function optional(tool: string, pkg: string, work: () => Promise<Row>): Promise<Row | string> {
  try {
    requireTool(tool, pkg);
  } catch (err) {
    if (err instanceof MissingToolError) return `not run: install the Debian package ${pkg}`;
    throw err;
  }
  return work();
}

async function main(): Promise<void> {
  const want = (name: string) => !ONLY || ONLY.includes(name);
  const rows: [string, Row | string][] = [];
  const hand = want('byhand') ? await byHand() : undefined;
  if (want('kiln')) rows.push(['Kiln (engine: build + test + distribute; OCI + raw + qcow2)', await kiln()]);
  if (hand) rows.push(['by hand (byhand.sh: build + test; OCI + raw + qcow2)', hand]);
  if (want('buildah'))
    rows.push(['buildah 1.28 (bud + push + test)', await optional('buildah', 'buildah', buildah)]);
  if (want('mkosi')) rows.push(['mkosi 14 (build + test)', await optional('mkosi', 'mkosi', mkosi)]);
  const f = (s: number) => (Number.isNaN(s) ? 'n/a' : `${s.toFixed(2)} s`);
  console.log(
    `nginx golden image, ${new Date().toISOString()}, scratch ${ROOT}; no-op: median of ${NOOP_RUNS}\n`,
  );
  console.log('| builder | cold | warm | no-op | note |\n|---|---|---|---|---|');
  for (const [name, r] of rows) {
    if (typeof r === 'string') console.log(`| ${name} | | | | ${r} |`);
    else console.log(`| ${name} | ${f(r.cold)} | ${f(r.warm)} | ${f(r.noop)} | ${r.note ?? ''} |`);
  }
  const k = rows.find(([n]) => n.startsWith('Kiln'))?.[1];
  if (hand && k && typeof k !== 'string')
    console.log(
      `| Kiln ÷ by hand | ${(k.cold / hand.cold).toFixed(2)} | ${(k.warm / hand.warm).toFixed(2)} | | |`,
    );
}

await main();
