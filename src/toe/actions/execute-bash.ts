import { type ActionSpec, LINUX_MACOS, required } from './spec.js';

/** Joins `commands` with newlines into one script run by bash (no -e); exit 194 asks for a reboot. */
export const executeBashSpec: ActionSpec = {
  name: 'ExecuteBash',
  platforms: LINUX_MACOS,
  inputs: 'map',
  fields: { commands: required('stringList') },
  outputs: ['stdout'],
};
