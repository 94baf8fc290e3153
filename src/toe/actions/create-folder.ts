import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

const POSIX_ONLY = ['owner', 'group', 'permissions'] as const;

/** Creates a folder recursively. */
export const createFolderSpec: ActionSpec = {
  name: 'CreateFolder',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: {
    path: required('string'),
    owner: optional('string'),
    group: optional('string'),
    permissions: optional('permissions'),
    overwrite: optional('bool'),
  },
  outputs: [],
  checkItem: (check) => {
    // The reference names this rule for CreateFile only; for folders it is a warning until verified.
    if (check.platform !== 'Windows') return;
    for (const key of POSIX_ONLY) {
      if (check.has(key)) check.warn(key, `'${key}' has no effect on Windows`);
    }
  },
};
