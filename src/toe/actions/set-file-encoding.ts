import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Converts a UTF-8 file to `encoding`. */
export const setFileEncodingSpec: ActionSpec = {
  name: 'SetFileEncoding',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { path: required('string'), encoding: optional('encoding') },
  outputs: [],
};
