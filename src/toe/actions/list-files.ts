import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Lists files in a folder; output `files` is comma-joined. */
export const listFilesSpec: ActionSpec = {
  name: 'ListFiles',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { path: required('string'), fileNamePattern: optional('string'), recursive: optional('bool') },
  outputs: ['files'],
};
