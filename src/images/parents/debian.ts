import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { invalidValue, KilnError, wrapError } from '../../core/errors.js';
import { makeTempDir, publishDir, removeTree, writeFileAtomic } from '../../host/fs.js';
import { acquireLock } from '../../host/lock.js';
import { unmountTree } from '../../host/mount.js';
import { hasCapability } from '../../host/proc.js';
import { runChecked } from '../../host/process.js';
import { MissingToolError, requireTool } from '../../host/tools.js';
import {
  formatSourcesList,
  hostCodename,
  readHostAptSources,
  type SuiteSource,
  sourcesForSuite,
} from './apt-sources.js';
import { mirrorState } from './mirror-state.js';

export interface DebianParentOptions {
  /** A Debian suite or codename, as in `debian:bookworm`. */
  suite: string;
  /** Extra packages installed on top of minbase. */
  packages?: string[];
  /** Holds the trees (`debian/<key>/rootfs`) and the shared package cache (`debs/`). */
  cacheDir: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Mirrors to build from; default: the host's apt sources mapped onto `suite`. */
  sources?: SuiteSource[];
}

export interface DebianParent {
  rootDir: string;
  key: string;
  cached: boolean;
  mirrorState: string;
}

/** Bump when the way trees are built changes, so old cache entries stop matching. */
const FORMAT = 1;
const MERGED_USR_HOOKS = '/usr/share/mmdebstrap/hooks/merged-usr';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function validate(options: DebianParentOptions): string[] {
  if (!/^[a-z][a-z0-9.-]*$/.test(options.suite)) {
    throw invalidValue(
      'parentImage',
      `'debian:${options.suite}' does not name a Debian suite.`,
      'Use e.g. debian:bookworm.',
    );
  }
  const packages = [...new Set(options.packages ?? [])].sort();
  const bad = packages.find((p) => !/^[a-z0-9][a-z0-9+.-]*$/.test(p));
  if (bad !== undefined) throw invalidValue('packages', `'${bad}' is not a Debian package name.`);
  return packages;
}

function defaultSources(suite: string): SuiteSource[] {
  const hostSources = readHostAptSources();
  const codename = hostCodename() ?? hostSources.flatMap((s) => s.suites).find((s) => !s.includes('-'));
  const entries = codename ? sourcesForSuite(hostSources, suite, codename) : [];
  if (entries.length === 0) {
    throw new KilnError(
      'ServiceException',
      `no Debian mirror found in the host's apt sources for suite '${suite}'.`,
      {
        hint: 'List one in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources (deb822).',
      },
    );
  }
  return entries;
}

/** mmdebstrap arguments that keep downloaded debs in `debs` across builds (feasibility.md "warmbind"/"warm"). */
function cacheHooks(root: boolean, debs: string): string[] {
  const archives = '"$1"/var/cache/apt/archives';
  if (root) {
    return [
      '--skip=essential/unlink',
      `--setup-hook=mkdir -p ${archives} && mount --bind '${debs}' ${archives}`,
      `--customize-hook=umount ${archives}`,
    ];
  }
  // Without root, mmdebstrap's hooks cannot bind-mount host directories: copy in and out.
  return [
    '--skip=essential/unlink',
    `--setup-hook=mkdir -p ${archives}/`,
    `--setup-hook=sync-in '${debs}' /var/cache/apt/archives/`,
    `--customize-hook=sync-out /var/cache/apt/archives '${debs}'`,
  ];
}

function buildMode(): boolean {
  if (hasCapability('CAP_SYS_ADMIN')) return true;
  requireTool('newuidmap', 'uidmap');
  const user = userInfo().username;
  const ranges = existsSync('/etc/subuid') ? readFileSync('/etc/subuid', 'utf8') : '';
  if (!ranges.split('\n').some((l) => l.startsWith(`${user}:`))) {
    throw new KilnError(
      'ServiceException',
      `building Debian trees without root needs a subordinate uid range for ${user}.`,
      {
        hint: 'Add one to /etc/subuid and /etc/subgid (usermod --add-subuids), or run Kiln as root.',
      },
    );
  }
  return false;
}

interface BuildPlan {
  packages: string[];
  entries: SuiteSource[];
  dir: string;
  key: string;
  state: string;
}

async function build(options: DebianParentOptions, plan: BuildPlan): Promise<void> {
  const { packages, entries, dir, key } = plan;
  const mmdebstrap = requireTool('mmdebstrap', 'mmdebstrap');
  if (!existsSync(KEYRING)) throw new MissingToolError(KEYRING, 'debian-archive-keyring');
  const root = buildMode();
  const parent = join(options.cacheDir, 'debian');
  for (const name of await readdir(parent)) {
    // We hold this key's lock, so any build directory of this key is a crashed build's leftover.
    if (!name.startsWith(`.build-${key}-`)) continue;
    await unmountTree(join(parent, name));
    await removeTree(join(parent, name));
  }
  const tmp = await makeTempDir(`.build-${key}-`, { parent });
  const debs = join(options.cacheDir, 'debs');
  await mkdir(debs, { recursive: true });
  try {
    const debsLock = await acquireLock(join(options.cacheDir, 'debs.lock'), { signal: options.signal });
    try {
      await runChecked(
        [
          mmdebstrap,
          '--variant=minbase',
          `--mode=${root ? 'root' : 'unshare'}`,
          `--hook-dir=${MERGED_USR_HOOKS}`,
          ...(packages.length ? [`--include=${packages.join(',')}`] : []),
          ...cacheHooks(root, debs),
          options.suite,
          join(tmp, 'rootfs'),
          '-',
        ],
        {
          input: formatSourcesList(entries),
          signal: options.signal,
          killGraceMs: 5000,
          onStderrLine: options.log,
        },
      );
    } finally {
      await debsLock.release();
    }
    const meta = { suite: options.suite, packages, entries, mirrorState: plan.state };
    await writeFileAtomic(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    if (!(await publishDir(tmp, dir))) await removeTree(tmp);
  } finally {
    // A killed mmdebstrap leaves its /proc, /dev and cache bind mounts behind.
    if (existsSync(tmp)) await unmountTree(tmp).then(() => removeTree(tmp));
  }
}

/** The cache key of a tree: its recipe (what mmdebstrap is asked for) and the mirror state. */
export function debianParentKey(
  recipe: { suite: string; packages: string[]; entries: SuiteSource[] },
  state: string,
): string {
  return sha256(`${recipeHash(recipe)}\n${state}`).slice(0, 32);
}

function recipeHash(recipe: { suite: string; packages: string[]; entries: SuiteSource[] }): string {
  const { suite, packages, entries } = recipe;
  return sha256(JSON.stringify({ FORMAT, arch: process.arch, suite, packages, entries })).slice(0, 32);
}

/** The newest tree built from the same recipe, for when the mirror cannot be asked. */
async function lastBuilt(parent: string, latest: string): Promise<DebianParent | undefined> {
  const key = existsSync(latest) ? (await readFile(latest, 'utf8')).trim() : '';
  const meta = join(parent, key, 'meta.json');
  if (!key || !existsSync(meta)) return undefined;
  const { mirrorState } = JSON.parse(await readFile(meta, 'utf8')) as { mirrorState: string };
  return { rootDir: join(parent, key, 'rootfs'), key, cached: true, mirrorState };
}

/**
 * A `debian:<suite>` parent tree: mmdebstrap minbase with the merged-usr hook, plus packages,
 * cached under `cacheDir` by hash(suite, variant, packages, mirrors, mirror state). Built in a
 * temporary directory and renamed into place, so a killed build never leaves a half tree
 * visible; concurrent callers for the same key wait on a lock instead of building twice.
 * When the mirror cannot be reached, the newest tree used for the same recipe is returned.
 */
export async function ensureDebianParent(options: DebianParentOptions): Promise<DebianParent> {
  const packages = validate(options);
  const recipe = {
    suite: options.suite,
    packages,
    entries: options.sources ?? defaultSources(options.suite),
  };
  const parent = join(options.cacheDir, 'debian');
  await mkdir(parent, { recursive: true });
  const latest = join(parent, `${recipeHash(recipe)}.latest`);
  let state: string;
  try {
    state = await mirrorState(recipe.entries, { signal: options.signal });
  } catch (err) {
    options.signal?.throwIfAborted();
    const last = await lastBuilt(parent, latest);
    if (!last) throw wrapError(`asking the mirror for the state of debian:${options.suite}`, err);
    options.log?.(
      `mirror unreachable (${(err as Error).message}); using the last tree of debian:${options.suite}`,
    );
    return last;
  }
  const key = debianParentKey(recipe, state);
  const dir = join(parent, key);
  const found = async (cached: boolean): Promise<DebianParent> => {
    if (!existsSync(latest) || (await readFile(latest, 'utf8')).trim() !== key)
      await writeFileAtomic(latest, `${key}\n`);
    return { rootDir: join(dir, 'rootfs'), key, cached, mirrorState: state };
  };
  if (existsSync(join(dir, 'meta.json'))) return found(true);
  const lock = await acquireLock(join(parent, `${key}.lock`), { signal: options.signal });
  try {
    if (existsSync(join(dir, 'meta.json'))) return found(true);
    options.log?.(`building debian:${options.suite} (${key})`);
    await build(options, { packages, entries: recipe.entries, dir, key, state });
    return found(false);
  } finally {
    await lock.release();
  }
}
