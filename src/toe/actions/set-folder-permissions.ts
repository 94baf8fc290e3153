import { type ActionSpec, LINUX_MACOS, optional, required } from './spec.js';

/** chmod of a folder, recursive by default. */
export const setFolderPermissionsSpec: ActionSpec = {
  name: 'SetFolderPermissions',
  platforms: LINUX_MACOS,
  inputs: 'list',
  fields: { path: required('string'), permissions: required('permissions'), recursive: optional('bool') },
  outputs: [],
};
