import { posix } from 'node:path';
import { type Item, listModule } from './fs-items.js';
import { hasWildcard, matchesWildcard } from './fs-wildcard.js';
import type { InstanceFs } from './instance-fs.js';

/**
 * DeleteFile: a file or link, or every non-folder matching a wildcard in the file name. A
 * literal path that does not exist is an error; a wildcard matching nothing deletes nothing.
 */
export const deleteFile = listModule('DeleteFile', async (item: Item, ctx) => {
  const path = item.string('path');
  if (hasWildcard(path)) {
    const matches = await item.at('path', () => ctx.fs.glob(path));
    let count = 0;
    for (const match of matches) {
      if ((await ctx.fs.lstat(match))?.type === 'directory') continue;
      await item.at('path', () => ctx.fs.rm(match));
      count += 1;
    }
    ctx.log.info(`DeleteFile: deleted ${count} file(s) matching ${path}`);
    return;
  }
  const info = await item.at('path', () => ctx.fs.lstat(path));
  if (!info) item.fail('path', `${path} does not exist`);
  if (info.type === 'directory') item.fail('path', `${path} is a folder; use DeleteFolder`);
  await item.at('path', () => ctx.fs.rm(path));
  ctx.log.info(`DeleteFile: deleted ${path}`);
});

/** DeleteFolder: an empty folder, or a non-empty one with `force`. */
export const deleteFolder = listModule('DeleteFolder', async (item: Item, ctx) => {
  const path = item.string('path');
  const force = item.bool('force', false);
  const info = await item.at('path', () => ctx.fs.lstat(path));
  if (!info) item.fail('path', `${path} does not exist`);
  if (info.type === 'symlink') item.fail('path', `${path} is a symbolic link, not a folder; use DeleteFile`);
  if (info.type !== 'directory') item.fail('path', `${path} is not a folder; use DeleteFile`);
  const empty = (await item.at('path', () => ctx.fs.readdir(path))).length === 0;
  if (!empty && !force)
    item.fail('path', `${path} is not empty; set force: true to delete it with its contents`);
  await item.at('path', () => ctx.fs.rm(path, { recursive: true }));
  ctx.log.info(`DeleteFolder: deleted ${path}`);
});

/** Files (and links to files) below `folder` whose names match, recursing without following folder links. */
async function listFolder(
  fs: InstanceFs,
  folder: string,
  pattern: string,
  recursive: boolean,
): Promise<string[]> {
  const out: string[] = [];
  for (const name of await fs.readdir(folder)) {
    const path = posix.join(folder, name);
    const own = await fs.lstat(path);
    if (own?.type === 'directory') {
      if (recursive) out.push(...(await listFolder(fs, path, pattern, recursive)));
    } else if ((await fs.stat(path))?.type === 'file' && matchesWildcard(pattern, name)) {
      out.push(path);
    }
  }
  return out;
}

/**
 * ListFiles: output `files` is the matching files' paths joined with commas (items' lists are
 * joined the same way). Folders are not listed; a missing folder is an error.
 */
export const listFiles = listModule(
  'ListFiles',
  async (item: Item, ctx) => {
    const path = item.string('path');
    const pattern = item.optionalString('fileNamePattern') || '*';
    const recursive = item.bool('recursive', false);
    const info = await item.at('path', () => ctx.fs.stat(path));
    if (!info) item.fail('path', `${path} does not exist`);
    if (info.type !== 'directory') item.fail('path', `${path} is not a folder`);
    // Listed under the path as written (not its realpath), so outputs read like the input.
    const folder = path.replace(/(.)\/+$/, '$1');
    const files = await item.at('path', () => listFolder(ctx.fs, folder, pattern, recursive));
    ctx.log.info(`ListFiles: ${files.length} file(s) in ${path}`);
    return files;
  },
  (results) => ({ files: results.flat().join(',') }),
);
