import { posix } from 'node:path';
import { encodeText } from './fs-encoding.js';
import { type Item, listModule } from './fs-items.js';
import type { ModuleContext } from './module.js';

/** Default modes: 0666 and 0777 minus the usual umask 022 (the reference's "minus umask"). */
const FILE_MODE = 0o644;
const FOLDER_MODE = 0o755;

async function applyOwner(item: Item, ctx: ModuleContext, path: string): Promise<void> {
  const owner = item.owner();
  if (owner) await item.at('owner', () => ctx.fs.chown(path, owner));
}

/** CreateFile: writes `content` (encoded), creating parent folders; overwrite=false refuses an existing file. */
export const createFile = listModule('CreateFile', async (item: Item, ctx) => {
  const path = item.string('path');
  const content = item.optionalString('content') ?? '';
  const encoding = item.encoding('encoding');
  const mode = item.permissions('permissions');
  const overwrite = item.bool('overwrite', true);
  const existing = await item.at('path', () => ctx.fs.stat(path));
  if (existing?.type === 'directory') item.fail('path', `${path} is a folder`);
  if (existing && !overwrite) item.fail('path', `${path} already exists and overwrite is false`);
  await item.at('path', () => ctx.fs.mkdir(posix.dirname(path)));
  await item.at('path', () =>
    ctx.fs.writeFile(path, encodeText(content, encoding), {
      mode: mode ?? (existing ? undefined : FILE_MODE),
    }),
  );
  await applyOwner(item, ctx, path);
  ctx.log.info(`CreateFile: ${existing ? 'overwrote' : 'created'} ${path}`);
});

/** CreateFolder: `mkdir -p`; permissions/owner apply to the folder itself. */
export const createFolder = listModule('CreateFolder', async (item: Item, ctx) => {
  const path = item.string('path');
  const mode = item.permissions('permissions');
  const overwrite = item.bool('overwrite', true);
  const existing = await item.at('path', () => ctx.fs.stat(path));
  if (existing && existing.type !== 'directory') item.fail('path', `${path} exists and is not a folder`);
  if (existing && !overwrite) item.fail('path', `${path} already exists and overwrite is false`);
  if (!existing) await item.at('path', () => ctx.fs.mkdir(path));
  if (mode !== undefined || !existing) await item.at('path', () => ctx.fs.chmod(path, mode ?? FOLDER_MODE));
  await applyOwner(item, ctx, path);
  ctx.log.info(`CreateFolder: ${existing ? 'updated' : 'created'} ${path}`);
});

/** AppendFile: appends `content` (default empty) to an existing file. */
export const appendFile = listModule('AppendFile', async (item: Item, ctx) => {
  const path = item.string('path');
  const content = item.optionalString('content') ?? '';
  const encoding = item.encoding('encoding');
  const existing = await item.at('path', () => ctx.fs.stat(path));
  if (!existing) item.fail('path', `${path} does not exist`);
  await item.at('path', () => ctx.fs.appendFile(path, encodeText(content, encoding)));
  ctx.log.info(`AppendFile: appended ${content.length} characters to ${path}`);
});

/**
 * CreateSymlink: `path` → `target`. The target must exist (a relative one is taken from the
 * link's folder, as the kernel does). A link already at `path` needs `force`; anything else in
 * the way is an error even with force.
 */
export const createSymlink = listModule('CreateSymlink', async (item: Item, ctx) => {
  const path = item.string('path');
  const target = item.string('target');
  const force = item.bool('force', false);
  const folder = await item.at('path', () => ctx.fs.realpath(posix.dirname(path)));
  if (!(await item.at('target', () => ctx.fs.exists(posix.resolve(folder, target))))) {
    item.fail('target', `${target} does not exist`);
  }
  const existing = await item.at('path', () => ctx.fs.lstat(path));
  if (existing?.type === 'symlink') {
    if (!force) item.fail('path', `${path} is already a symbolic link; set force: true to replace it`);
    await item.at('path', () => ctx.fs.rm(path));
  } else if (existing) {
    item.fail('path', `${path} already exists and is not a symbolic link`);
  }
  await item.at('path', () => ctx.fs.symlink(target, path));
  ctx.log.info(`CreateSymlink: ${path} -> ${target}`);
});
