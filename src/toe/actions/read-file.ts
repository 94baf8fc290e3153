import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Reads a text file into output `content`. */
export const readFileSpec: ActionSpec = {
  name: 'ReadFile',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: { path: required('string'), encoding: optional('encoding'), printFileContent: optional('bool') },
  outputs: ['content'],
};
