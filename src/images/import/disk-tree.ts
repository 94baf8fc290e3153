/**
 * A raw or qcow2 disk → its root tree, without mounting anything: qcow2 is converted to raw
 * (sparse), the ext2/3/4 file system is found (whole disk or partition), `debugfs rdump`
 * copies files, directories and symlinks out, and a second debugfs pass (`ls -p` of every
 * directory) restores what rdump loses: setuid/setgid/sticky bits and symlink owners, hard
 * links, FIFOs and device nodes. Extended attributes (file capabilities) are not carried.
 */
import { chmod, lchown, link, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidValue } from '../../core/errors.js';
import { runChecked } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';
import { extFilesystemOffset, fileReader } from './detect.js';

/** One entry of `debugfs ls -p` output. */
export interface DebugfsEntry {
  readonly dir: string;
  readonly inode: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

const quote = (path: string) => `"${path.replace(/(["\\])/g, '\\$1')}"`;

/** Parses the output of a `debugfs -f` session of `ls -p DIR` commands (pure). */
export function parseListing(output: string): DebugfsEntry[] {
  const out: DebugfsEntry[] = [];
  let dir = '';
  for (const line of output.split('\n')) {
    const header = /^debugfs: ls -p "(.*)"$/.exec(line);
    if (header) {
      dir = (header[1] as string).replace(/\\(["\\])/g, '$1');
      continue;
    }
    const f = line.split('/');
    if (f.length < 8 || f[0] !== '') continue;
    const name = f.slice(5, f.length - 2).join('/');
    if (name === '.' || name === '..') continue;
    out.push({
      dir,
      inode: Number(f[1]),
      mode: Number.parseInt(f[2] as string, 8),
      uid: Number(f[3]),
      gid: Number(f[4]),
      name,
    });
  }
  return out;
}

const S_IFMT = 0o170000;
const TYPE = {
  fifo: 0o010000,
  char: 0o020000,
  dir: 0o040000,
  block: 0o060000,
  file: 0o100000,
  link: 0o120000,
};

async function directories(root: string, rel = '/'): Promise<string[]> {
  const out = [rel];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    if (e.isDirectory())
      out.push(...(await directories(root, rel === '/' ? `/${e.name}` : `${rel}/${e.name}`)));
  }
  return out;
}

async function debugfs(device: string, commands: string[], scratch: string, signal?: AbortSignal) {
  const file = join(scratch, `debugfs-${Date.now()}.cmd`);
  await writeFile(file, `${commands.join('\n')}\n`);
  try {
    return (
      await runChecked([requireTool('debugfs', 'e2fsprogs'), '-f', file, device], signal ? { signal } : {})
    ).stdout;
  } finally {
    await rm(file, { force: true });
  }
}

/** Restores modes, owners, hard links and special files that rdump left out or changed. */
async function fixUp(target: string, device: string, scratch: string, signal?: AbortSignal) {
  const dirs = await directories(target);
  const entries = parseListing(
    await debugfs(
      device,
      dirs.map((d) => `ls -p ${quote(d)}`),
      scratch,
      signal,
    ),
  );
  const firstPath = new Map<number, string>();
  const devices: { path: string; e: DebugfsEntry }[] = [];
  for (const e of entries) {
    if (e.dir === '/' && e.name === 'lost+found') continue;
    const path = join(target, e.dir, e.name);
    const type = e.mode & S_IFMT;
    const perm = e.mode & 0o7777;
    if (type === TYPE.file) {
      const first = firstPath.get(e.inode);
      if (first === undefined) firstPath.set(e.inode, path);
      else {
        await rm(path, { force: true });
        await link(first, path);
        continue;
      }
    }
    if (type === TYPE.fifo || type === TYPE.char || type === TYPE.block) devices.push({ path, e });
    if (type === TYPE.file || type === TYPE.dir || type === TYPE.link) await lchown(path, e.uid, e.gid);
    if (type === TYPE.file || type === TYPE.dir) await chmod(path, perm);
  }
  const nodes = devices.filter((d) => (d.e.mode & S_IFMT) !== TYPE.fifo);
  const stats = nodes.length
    ? await debugfs(
        device,
        nodes.map((d) => `stat <${d.e.inode}>`),
        scratch,
        signal,
      )
    : '';
  const numbers = [...stats.matchAll(/Device major\/minor number: ([0-9a-f]+):([0-9a-f]+)/g)];
  let n = 0;
  for (const { path, e } of devices) {
    const type = e.mode & S_IFMT;
    const argv = ['mknod', '-m', (e.mode & 0o7777).toString(8), path];
    if (type === TYPE.fifo) argv.push('p');
    else {
      const m = numbers[n++];
      if (!m) continue;
      argv.push(
        type === TYPE.char ? 'c' : 'b',
        String(Number.parseInt(m[1] as string, 10)),
        String(Number.parseInt(m[2] as string, 10)),
      );
    }
    await runChecked(argv, signal ? { signal } : {});
    await lchown(path, e.uid, e.gid);
  }
}

/**
 * Copies the root file system of a disk into `target` (an empty directory). `scratch` holds
 * the raw conversion of a qcow2 disk; the caller removes it.
 */
export async function diskToTree(
  file: string,
  format: 'raw' | 'qcow2',
  target: string,
  scratch: string,
  signal?: AbortSignal,
): Promise<void> {
  let raw = file;
  if (format === 'qcow2') {
    raw = join(scratch, 'disk.raw');
    await runChecked(
      [requireTool('qemu-img', 'qemu-utils'), 'convert', '-f', 'qcow2', '-O', 'raw', file, raw],
      {
        ...(signal ? { signal } : {}),
      },
    );
  }
  const offset = await extFilesystemOffset(fileReader(raw));
  if (offset === undefined)
    throw invalidValue(
      'uri',
      `${file} holds no ext2/3/4 file system.`,
      'Kiln imports Linux disks with an ext4 root.',
    );
  const device = offset === 0 ? raw : `${raw}?offset=${offset}`;
  const dumped = await debugfs(device, [`rdump / ${quote(target)}`], scratch, signal);
  const names = (await readdir(target)).filter((n) => n !== 'lost+found');
  if (names.length === 0) throw new Error(`debugfs copied nothing out of ${file}: ${dumped.slice(-500)}`);
  await rm(join(target, 'lost+found'), { recursive: true, force: true });
  await fixUp(target, device, scratch, signal);
}
