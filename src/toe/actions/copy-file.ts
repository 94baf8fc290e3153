import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Copies files (wildcard after the last separator); a destination ending in a separator is a folder. */
export const copyFileSpec: ActionSpec = {
  name: 'CopyFile',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { source: required('string'), destination: required('string'), overwrite: optional('bool') },
  outputs: [],
};
