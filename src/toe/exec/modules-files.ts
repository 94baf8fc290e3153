import { copyFile, copyFolder, moveFile, moveFolder } from './fs-copy.js';
import { appendFile, createFile, createFolder, createSymlink } from './fs-create.js';
import { deleteFile, deleteFolder, listFiles } from './fs-delete.js';
import { setFileOwner, setFilePermissions, setFolderOwner, setFolderPermissions } from './fs-owner.js';
import { readFile, setFileEncoding } from './fs-read.js';
import type { ExecuteModule } from './module.js';

/**
 * AWSTOE's file-system modules (reference awstoe.md §2.3), by action name. Each takes a list of
 * input items run in order and works through `ctx.fs`, so paths are the instance's.
 */
export const FILE_MODULES: ReadonlyMap<string, ExecuteModule> = new Map([
  ['AppendFile', appendFile],
  ['CopyFile', copyFile],
  ['CopyFolder', copyFolder],
  ['CreateFile', createFile],
  ['CreateFolder', createFolder],
  ['CreateSymlink', createSymlink],
  ['DeleteFile', deleteFile],
  ['DeleteFolder', deleteFolder],
  ['ListFiles', listFiles],
  ['MoveFile', moveFile],
  ['MoveFolder', moveFolder],
  ['ReadFile', readFile],
  ['SetFileEncoding', setFileEncoding],
  ['SetFileOwner', setFileOwner],
  ['SetFolderOwner', setFolderOwner],
  ['SetFilePermissions', setFilePermissions],
  ['SetFolderPermissions', setFolderPermissions],
]);
