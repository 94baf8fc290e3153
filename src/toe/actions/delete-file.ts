import { ALL_PLATFORMS, type ActionSpec, required } from './spec.js';

/** Deletes the files matching `path` (wildcard in the file name). */
export const deleteFileSpec: ActionSpec = {
  name: 'DeleteFile',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { path: required('string') },
  outputs: [],
};
