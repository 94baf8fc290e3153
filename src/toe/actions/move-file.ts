import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Moves files (wildcard allowed), creating missing destination parents. */
export const moveFileSpec: ActionSpec = {
  name: 'MoveFile',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { source: required('string'), destination: required('string'), overwrite: optional('bool') },
  outputs: [],
};
