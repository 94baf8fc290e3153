import { type ActionSpec, LINUX_MACOS, required } from './spec.js';

/** chmod of one file. */
export const setFilePermissionsSpec: ActionSpec = {
  name: 'SetFilePermissions',
  platforms: LINUX_MACOS,
  inputs: 'list',
  fields: { path: required('string'), permissions: required('permissions') },
  outputs: [],
};
