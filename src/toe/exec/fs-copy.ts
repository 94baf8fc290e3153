import { posix } from 'node:path';
import { type Item, listModule } from './fs-items.js';
import { hasWildcard } from './fs-wildcard.js';
import type { ModuleContext } from './module.js';

type Kind = 'file' | 'folder';

const OTHER_MODULE: Record<string, string> = {
  CopyFile: 'CopyFolder',
  CopyFolder: 'CopyFile',
  MoveFile: 'MoveFolder',
  MoveFolder: 'MoveFile',
};

/**
 * The sources an item names: one path, or the files (folders) of one folder matching a
 * wildcard in the last component. A literal source of the wrong kind is an error; wildcard
 * matches of the other kind are left out. No match is an error.
 */
async function sources(item: Item, ctx: ModuleContext, module: string, kind: Kind): Promise<string[]> {
  const source = item.string('source');
  const isKind = (type: string | undefined) => (kind === 'file' ? type === 'file' : type === 'directory');
  if (hasWildcard(source)) {
    const matches: string[] = [];
    for (const path of await item.at('source', () => ctx.fs.glob(source))) {
      if (isKind((await ctx.fs.stat(path))?.type)) matches.push(path);
    }
    if (matches.length === 0) item.fail('source', `no ${kind} matches ${source}`);
    return matches;
  }
  const info = await item.at('source', () => ctx.fs.stat(source));
  if (!info) item.fail('source', `${source} does not exist`);
  if (!isKind(info.type)) {
    const what = info.type === 'directory' ? 'a folder' : 'not a folder';
    item.fail('source', `${source} is ${what}; use ${OTHER_MODULE[module]}`);
  }
  return [source];
}

/**
 * Where one source goes. A destination ending in `/` (or `\`, as the reference allows) is a
 * folder that keeps the source's name; with a wildcard source the destination is always a
 * folder, since several sources cannot share one name.
 */
export function targetPath(source: string, destination: string, wildcard: boolean): string {
  const folder = /[/\\]$/.test(destination);
  if (!folder && !wildcard) return destination;
  const base = folder ? destination.replace(/[/\\]+$/, '') || '/' : destination;
  return posix.join(base, posix.basename(source));
}

function transferModule(module: string, kind: Kind, move: boolean) {
  const verb = move ? 'moved' : 'copied';
  return listModule(module, async (item: Item, ctx) => {
    const destination = item.string('destination');
    const overwrite = item.bool('overwrite', true);
    const wildcard = hasWildcard(item.string('source'));
    for (const source of await sources(item, ctx, module, kind)) {
      const target = targetPath(source, destination, wildcard);
      const existing = await item.at('destination', () => ctx.fs.stat(target));
      if (existing && kind === 'file' && existing.type === 'directory') {
        item.fail('destination', `${target} is a folder; end the destination with '/' to ${module} into it`);
      }
      if (existing && kind === 'folder' && existing.type !== 'directory') {
        item.fail('destination', `${target} exists and is not a folder`);
      }
      if (existing && !overwrite) item.fail('destination', `${target} already exists and overwrite is false`);
      await item.at('destination', () => ctx.fs.mkdir(posix.dirname(target)));
      if (move && !(existing && kind === 'folder')) {
        await item.at('source', () => ctx.fs.rename(source, target));
      } else {
        // Folders merge into an existing destination (files in it are overwritten).
        await item.at('source', () => ctx.fs.copy(source, target));
        if (move) await item.at('source', () => ctx.fs.rm(source, { recursive: true }));
      }
      ctx.log.info(`${module}: ${verb} ${source} to ${target}`);
    }
  });
}

/** CopyFile: source (wildcard ok) → destination file, or into a folder when it ends in `/`. */
export const copyFile = transferModule('CopyFile', 'file', false);
export const copyFolder = transferModule('CopyFolder', 'folder', false);
export const moveFile = transferModule('MoveFile', 'file', true);
export const moveFolder = transferModule('MoveFolder', 'folder', true);
