import { ALL_PLATFORMS, type ActionSpec, optional } from './spec.js';

/** Reboots after `delaySeconds`; execution resumes at the next step. timeoutSeconds is not allowed. */
export const rebootSpec: ActionSpec = {
  name: 'Reboot',
  platforms: ALL_PLATFORMS,
  inputs: 'optionalMap',
  fields: { delaySeconds: optional('int') },
  outputs: [],
  timeoutSupported: false,
};
