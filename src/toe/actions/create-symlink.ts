import { type ActionSpec, LINUX_MACOS, optional, required } from './spec.js';

/** Creates a symbolic link at `path` to an existing `target`. */
export const createSymlinkSpec: ActionSpec = {
  name: 'CreateSymlink',
  platforms: LINUX_MACOS,
  inputs: 'list',
  fields: { path: required('string'), target: required('string'), force: optional('bool') },
  outputs: [],
};
