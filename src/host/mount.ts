import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { KilnError } from '../core/errors.js';
import { hasCapability } from './proc.js';
import { runChecked, runProcess } from './process.js';
import { requireTool } from './tools.js';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  options: string;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
const unescapeOctal = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parses /proc/<pid>/mountinfo (proc(5)): fields before " - " then fstype, source, super options. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, source, superOptions] = right.split(' ');
    if (fields.length < 6 || !fsType) continue;
    entries.push({
      mountPoint: unescapeOctal(fields[4]!),
      fsType,
      source: unescapeOctal(source ?? ''),
      options: `${fields[5]},${superOptions ?? ''}`,
    });
  }
  return entries;
}

/** The mounts this process sees. */
export function currentMounts(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Mount points at or below `path`, deepest first (the order to unmount them in). */
export function mountsUnder(path: string): string[] {
  const root = resolve(path);
  return currentMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p === root || p.startsWith(root + sep))
    .sort((a, b) => b.length - a.length);
}

export interface OverlayMount {
  /** Read-only layers, top first. */
  lowerDirs: readonly string[];
  upperDir: string;
  workDir: string;
  target: string;
  signal?: AbortSignal;
}

/** Mount options are limited to one page; beyond that, relative paths from a common parent are used. */
const MAX_OPTIONS = 4000;

function commonParent(paths: readonly string[]): string {
  let common = dirname(resolve(paths[0]!));
  while (!paths.every((p) => resolve(p).startsWith(common === sep ? sep : common + sep)))
    common = dirname(common);
  return common;
}

/**
 * Mounts an overlayfs. Needs CAP_SYS_ADMIN in the host's user namespace (root): the mount must
 * be visible to the host so the instance's files can be read after a run.
 */
export async function mountOverlay(spec: OverlayMount): Promise<void> {
  if (spec.lowerDirs.length === 0) throw new Error('mountOverlay: at least one lower directory is needed');
  const all = [...spec.lowerDirs, spec.upperDir, spec.workDir];
  const bad = all.find((p) => /[,:\\\n]/.test(p));
  if (bad)
    throw new Error(
      `overlay layer path contains ',', ':', '\\' or a newline, which overlayfs cannot take: ${bad}`,
    );
  if (!hasCapability('CAP_SYS_ADMIN')) {
    throw new KilnError(
      'ServiceException',
      'mounting an overlayfs for an instance needs the CAP_SYS_ADMIN privilege (run Kiln as root).',
    );
  }
  const mount = requireTool('mount', 'mount');
  const build = (f: (p: string) => string): string =>
    `lowerdir=${spec.lowerDirs.map((p) => f(p)).join(':')},upperdir=${f(spec.upperDir)},workdir=${f(spec.workDir)}`;
  let options = build(resolve);
  let cwd: string | undefined;
  if (options.length > MAX_OPTIONS) {
    cwd = commonParent(all);
    const base = cwd;
    options = build((p) => relative(base, resolve(p)));
  }
  await runChecked([mount, '-t', 'overlay', 'overlay', '-o', options, resolve(spec.target)], {
    cwd,
    signal: spec.signal,
  });
}

/**
 * Unmounts `target` (and anything mounted below it); when a mount is busy, detaches it lazily
 * so it leaves the namespace at once and goes away when its last user does. Returns the mount
 * points that had to be detached lazily.
 */
export async function unmountTree(target: string): Promise<string[]> {
  const umount = requireTool('umount', 'mount');
  const lazy: string[] = [];
  for (const point of mountsUnder(target)) {
    const result = await runProcess([umount, point]);
    if (result.exitCode === 0) continue;
    // Another cleaner (a concurrent reaper, the kernel after the last user left) may have
    // unmounted it since we listed it: gone is what we wanted.
    if (!mountsUnder(point).includes(point)) continue;
    const detach = await runProcess([umount, '--lazy', point]);
    if (detach.exitCode !== 0 && mountsUnder(point).includes(point)) {
      await runChecked([umount, '--lazy', point]);
    }
    lazy.push(point);
  }
  return lazy;
}
