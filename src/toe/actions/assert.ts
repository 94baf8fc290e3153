import { ALL_PLATFORMS, type ActionSpec } from './spec.js';

/** Evaluates its inputs as one comparison or logical expression; false fails the step. */
export const assertSpec: ActionSpec = {
  name: 'Assert',
  platforms: ALL_PLATFORMS,
  inputs: 'condition',
  fields: {},
  outputs: [],
};
