import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

const POSIX_ONLY = ['owner', 'group', 'permissions'] as const;

/** Creates a file with `content`, creating parents; owner/group/permissions are POSIX-only. */
export const createFileSpec: ActionSpec = {
  name: 'CreateFile',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: {
    path: required('string'),
    content: optional('string'),
    encoding: optional('encoding'),
    owner: optional('string'),
    group: optional('string'),
    permissions: optional('permissions'),
    overwrite: optional('bool'),
  },
  outputs: [],
  checkItem: (check) => {
    if (check.platform !== 'Windows') return;
    for (const key of POSIX_ONLY) {
      if (check.has(key)) check.error(key, `'${key}' is not supported for CreateFile on Windows`);
    }
  },
};
