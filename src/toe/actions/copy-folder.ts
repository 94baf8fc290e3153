import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Copies folders (wildcard allowed), creating missing parents. */
export const copyFolderSpec: ActionSpec = {
  name: 'CopyFolder',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { source: required('string'), destination: required('string'), overwrite: optional('bool') },
  outputs: [],
};
