import { MSI_FIELDS } from './install-msi.js';
import { type ActionSpec, WINDOWS_ONLY } from './spec.js';

/** Uninstalls an MSI; exit codes 0, 1605, 1614, 1641, 3010 succeed. */
export const uninstallMsiSpec: ActionSpec = {
  name: 'UninstallMSI',
  platforms: WINDOWS_ONLY,
  inputs: 'map',
  fields: MSI_FIELDS,
  outputs: ['logFile', 'msiExitCode', 'stdout'],
};
