import type { Instance } from '../instances/backend.js';

/**
 * The housekeeping Image Builder runs on a Linux build instance before the snapshot (its
 * documented cleanup script), plus Kiln's own apt section. Each section can be skipped by a
 * component creating the file `<workingDirectory>/skip_cleanup_<section>` (e.g. with
 * AWSTOE's CreateFile); workingDirectory defaults to /tmp as on Image Builder.
 */
export const CLEANUP_SECTIONS = [
  'cloudinit_files',
  'instance_files',
  'ssh_files',
  'instance_log_files',
  'toe_files',
  'ssm_log_files',
  /** Kiln's: apt lists and caches (feasibility.md: 77 MB of pkgcache.bin otherwise ship). */
  'apt_files',
] as const;
export type CleanupSection = (typeof CLEANUP_SECTIONS)[number];

/** One path seen in the instance; `type` is find's %y letter (f, d, l, c, …). */
export interface ListedPath {
  path: string;
  type: string;
}

export interface CleanupPlan {
  /** Removed with everything below them. */
  remove: string[];
  /** Truncated to zero bytes (created when missing): logs keep their owner and mode. */
  truncate: string[];
  skipped: CleanupSection[];
}

const CLOUD_INIT_FILES = [
  '/etc/sudoers.d/90-cloud-init-users',
  '/etc/locale.conf',
  '/var/log/cloud-init.log',
  '/var/log/cloud-init-output.log',
];
const INSTANCE_FILES = [
  '/etc/.updated',
  '/etc/aliases.db',
  '/etc/hostname',
  '/var/lib/misc/postfix.aliasesdb-stamp',
  '/var/lib/postfix/master.lock',
  '/var/spool/postfix/pid/master.pid',
  '/var/.updated',
  '/var/cache/yum/x86_64/2/.gpgkeyschecked.yum',
];
const INSTANCE_LOG_FILES = [
  '/var/log/audit/audit.log',
  '/var/log/boot.log',
  '/var/log/dmesg',
  '/var/log/cron',
];
const SSH_KEY = /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key(\.pub)?$/;
const AUTHORIZED_KEYS = /^(\/root|\/home\/[^/]+)\/\.ssh\/authorized_keys$/;

/** Directories whose whole contents go (listed one level deep). */
const WIPED_DIRS = ['/var/lib/cloud', '/var/tmp', '/var/log/journal', '/tmp'];
/** Directories listed fully. */
const LISTED_DIRS = ['/var/log', '/etc/ssh', '/root/.ssh', '/home', '/var/lib/dhclient', '/var/lib/rsyslog'];
const APT_LISTS = '/var/lib/apt/lists';
const APT_CACHE = '/var/cache/apt';

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/';
const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const under = (path: string, dir: string): boolean => path.startsWith(`${dir}/`);

/** Decides what to remove and truncate from a listing of the instance (pure). */
export function planCleanup(
  listing: readonly ListedPath[],
  workingDirectory = '/tmp',
  alwaysSkip: readonly CleanupSection[] = [],
): CleanupPlan {
  const files = new Map(listing.map((p) => [p.path, p.type]));
  const marker = (s: CleanupSection) => files.has(`${workingDirectory}/skip_cleanup_${s}`);
  const skipped = CLEANUP_SECTIONS.filter((s) => marker(s) || alwaysSkip.includes(s));
  const on = (s: CleanupSection) => !skipped.includes(s);
  const remove = new Set<string>();
  const truncate = new Set<string>(['/etc/machine-id']);
  const isFile = (p: string) => files.get(p) === 'f' || files.get(p) === 'l';
  const removeFiles = (paths: readonly string[]) => {
    for (const p of paths) if (isFile(p)) remove.add(p);
  };
  const children = (dir: string) => listing.filter((p) => parentOf(p.path) === dir).map((p) => p.path);

  if (on('cloudinit_files')) {
    removeFiles(CLOUD_INIT_FILES);
    for (const p of children('/var/lib/cloud')) remove.add(p);
  }
  if (on('instance_files')) removeFiles(INSTANCE_FILES);
  if (on('ssh_files'))
    removeFiles(listing.map((p) => p.path).filter((p) => SSH_KEY.test(p) || AUTHORIZED_KEYS.test(p)));
  if (on('instance_log_files')) {
    removeFiles(INSTANCE_LOG_FILES);
    // Kiln also empties every other log, so the image does not ship the build's apt/dpkg history.
    for (const p of listing) {
      if (
        p.type === 'f' &&
        under(p.path, '/var/log') &&
        !under(p.path, '/var/log/amazon/ssm') &&
        !remove.has(p.path)
      )
        truncate.add(p.path);
    }
  }
  if (on('toe_files')) {
    for (const p of children(workingDirectory)) if (nameOf(p).startsWith('TOE_')) remove.add(p);
  }
  if (on('ssm_log_files') && files.get('/var/log/amazon/ssm') === 'd') remove.add('/var/log/amazon/ssm');
  if (on('apt_files')) {
    for (const p of children(APT_LISTS)) if (files.get(p) === 'f' && nameOf(p) !== 'lock') remove.add(p);
    for (const p of children(APT_CACHE)) if (files.get(p) === 'f' && p.endsWith('.bin')) remove.add(p);
    for (const p of children(`${APT_CACHE}/archives`)) if (p.endsWith('.deb')) remove.add(p);
  }
  // Sections Image Builder always runs.
  for (const p of listing) {
    if (p.type !== 'f') continue;
    if (
      /^\/var\/log\/sa\/sa[^/]*$/.test(p.path) ||
      /^\/var\/lib\/dhclient\/dhclient[^/]*\.lease$/.test(p.path)
    )
      remove.add(p.path);
  }
  if (isFile('/var/lib/rsyslog/imjournal.state')) remove.add('/var/lib/rsyslog/imjournal.state');
  for (const dir of ['/var/tmp', '/var/log/journal', '/tmp']) {
    for (const p of children(dir)) {
      // markers stay: they are how later captures of the same instance know what to skip
      if (dir === workingDirectory && nameOf(p).startsWith('skip_cleanup_')) continue;
      if (dir === workingDirectory && nameOf(p).startsWith('TOE_') && !on('toe_files')) continue;
      remove.add(p);
    }
  }
  for (const p of remove) truncate.delete(p);
  const covered = (p: string) => [...remove].some((r) => r !== p && under(p, r));
  return {
    remove: [...remove].filter((p) => !covered(p)).sort(),
    truncate: [...truncate].filter((p) => !covered(p)).sort(),
    skipped,
  };
}

/** The shell command that lists what planCleanup needs, NUL-separated `<type> <path>` records. */
export function listingScript(workingDirectory: string): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const wiped = [
    ...new Set([...WIPED_DIRS, workingDirectory, APT_LISTS, APT_CACHE, `${APT_CACHE}/archives`]),
  ];
  const exact = [...CLOUD_INIT_FILES, ...INSTANCE_FILES];
  return [
    `for d in ${wiped.map(q).join(' ')}; do [ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 1 -printf '%y %p\\0'; done`,
    `for d in ${LISTED_DIRS.map(q).join(' ')}; do [ -e "$d" ] && find "$d" -printf '%y %p\\0'; done`,
    `for f in ${exact.map(q).join(' ')}; do [ -e "$f" ] || [ -L "$f" ] && find "$f" -maxdepth 0 -printf '%y %p\\0'; done`,
    'true',
  ].join('\n');
}

export function parseListing(output: string): ListedPath[] {
  return output
    .split('\0')
    .filter((r) => r.length > 2)
    .map((r) => ({ type: r[0]!, path: r.slice(2) }));
}

export interface CleanupResult {
  plan: CleanupPlan;
  wallMs: number;
}

/** Lists, plans and applies the cleanup inside a running instance (before its changes are captured). */
export async function cleanInstance(
  instance: Instance,
  options: {
    workingDirectory?: string;
    signal?: AbortSignal;
    /** Sections to skip whatever the markers say (e.g. apt_files when the apt caches are bind mounts). */
    skip?: readonly CleanupSection[];
  } = {},
): Promise<CleanupResult> {
  const started = performance.now();
  const workingDirectory = (options.workingDirectory ?? '/tmp').replace(/\/+$/, '') || '/';
  const run = async (argv: string[]) => {
    const result = await instance.exec(argv, { signal: options.signal });
    if (result.exitCode !== 0) {
      throw new Error(
        `capture cleanup failed: ${argv.slice(0, 3).join(' ')} … exited ${result.exitCode}: ${result.stderr.trim()}`,
      );
    }
    return result.stdout;
  };
  const plan = planCleanup(
    parseListing(await run(['sh', '-c', listingScript(workingDirectory)])),
    workingDirectory,
    options.skip,
  );
  if (plan.remove.length > 0) await run(['rm', '-rf', '--', ...plan.remove]);
  if (plan.truncate.length > 0) await run(['truncate', '-s', '0', '--', ...plan.truncate]);
  return { plan, wallMs: Math.round(performance.now() - started) };
}
