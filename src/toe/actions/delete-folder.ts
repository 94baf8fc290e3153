import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Deletes a folder; a non-empty one needs `force`. */
export const deleteFolderSpec: ActionSpec = {
  name: 'DeleteFolder',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { path: required('string'), force: optional('bool') },
  outputs: [],
};
