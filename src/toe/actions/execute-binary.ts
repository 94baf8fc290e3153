import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/** Runs `path` directly with `arguments` (no shell); 194 (Linux) / 3010 (Windows) ask for a reboot. */
export const executeBinarySpec: ActionSpec = {
  name: 'ExecuteBinary',
  platforms: ALL_PLATFORMS,
  inputs: 'map',
  fields: { path: required('string'), arguments: optional('stringList') },
  outputs: ['stdout'],
};
