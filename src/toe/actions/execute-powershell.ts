import { type ActionSpec, exactlyOne, optional, WINDOWS_ONLY } from './spec.js';

/** Runs `commands` (or the script `file`) with Windows PowerShell; exit 3010 asks for a reboot. */
export const executePowerShellSpec: ActionSpec = {
  name: 'ExecutePowerShell',
  platforms: WINDOWS_ONLY,
  inputs: 'map',
  fields: { commands: optional('stringList'), file: optional('string') },
  outputs: ['stdout'],
  checkItem: (check) => exactlyOne(check, 'commands', 'file'),
};
