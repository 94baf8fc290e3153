import { type ActionSpec, LINUX_MACOS, optional, required } from './spec.js';

/** chown of a folder, recursive by default. */
export const setFolderOwnerSpec: ActionSpec = {
  name: 'SetFolderOwner',
  platforms: LINUX_MACOS,
  inputs: 'list',
  fields: {
    path: required('string'),
    owner: required('string'),
    group: optional('string'),
    recursive: optional('bool'),
  },
  outputs: [],
};
