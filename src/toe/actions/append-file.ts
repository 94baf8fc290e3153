import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Appends `content` (default empty) to an existing file. */
export const appendFileSpec: ActionSpec = {
  name: 'AppendFile',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { path: required('string'), content: optional('string'), encoding: optional('encoding') },
  outputs: [],
};
