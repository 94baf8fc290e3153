import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Moves folders (wildcard allowed), creating missing destination parents. */
export const moveFolderSpec: ActionSpec = {
  name: 'MoveFolder',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { source: required('string'), destination: required('string'), overwrite: optional('bool') },
  outputs: [],
};
