import { type Item, listModule } from './fs-items.js';
import type { ModuleContext } from './module.js';

/** The item's `path`: anything existing for the File modules, a folder for the Folder ones. */
async function target(item: Item, ctx: ModuleContext, folder: boolean): Promise<string> {
  const path = item.string('path');
  const info = await item.at('path', () => ctx.fs.stat(path));
  if (!info) item.fail('path', `${path} does not exist`);
  if (folder && info.type !== 'directory') item.fail('path', `${path} is not a folder`);
  return path;
}

function ownerModule(name: string, folder: boolean) {
  return listModule(name, async (item: Item, ctx) => {
    const user = item.string('owner');
    const group = item.optionalString('group') || undefined;
    const recursive = folder && item.bool('recursive', true);
    const path = await target(item, ctx, folder);
    await item.at('path', () => ctx.fs.chown(path, { user, group }, { recursive }));
    ctx.log.info(
      `${name}: ${path} now belongs to ${user}${group ? `:${group}` : ''}${recursive ? ' (recursive)' : ''}`,
    );
  });
}

function permissionsModule(name: string, folder: boolean) {
  return listModule(name, async (item: Item, ctx) => {
    const mode = item.permissions('permissions') ?? item.fail('permissions', 'is required');
    const recursive = folder && item.bool('recursive', true);
    const path = await target(item, ctx, folder);
    await item.at('path', () => ctx.fs.chmod(path, mode, { recursive }));
    ctx.log.info(
      `${name}: ${path} is now ${mode.toString(8).padStart(4, '0')}${recursive ? ' (recursive)' : ''}`,
    );
  });
}

/** SetFileOwner: `owner` and `group` (default: the owner's primary group) of one path. */
export const setFileOwner = ownerModule('SetFileOwner', false);
/** SetFolderOwner: like SetFileOwner, recursive unless `recursive: false`. */
export const setFolderOwner = ownerModule('SetFolderOwner', true);
export const setFilePermissions = permissionsModule('SetFilePermissions', false);
/** SetFolderPermissions: recursive unless `recursive: false`; the same mode goes to files and folders. */
export const setFolderPermissions = permissionsModule('SetFolderPermissions', true);
