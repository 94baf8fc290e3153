import { type ActionSpec, type FieldSpec, optional, required, WINDOWS_ONLY } from './spec.js';

/** Inputs shared by InstallMSI and UninstallMSI. */
export const MSI_FIELDS: Readonly<Record<string, FieldSpec>> = {
  path: required('string'),
  reboot: optional({ oneOf: ['Allow', 'Force', 'Skip'] }),
  logOptions: optional('string'),
  logFile: optional('string'),
  properties: optional('stringMap'),
  ignoreAuthenticodeSignatureErrors: optional('bool'),
  allowUnsignedInstaller: optional('bool'),
};

/** Installs an MSI from a local path, s3:// or https://; exit codes 0, 1614, 1641, 3010 succeed. */
export const installMsiSpec: ActionSpec = {
  name: 'InstallMSI',
  platforms: WINDOWS_ONLY,
  inputs: 'map',
  fields: MSI_FIELDS,
  outputs: ['logFile', 'msiExitCode', 'stdout'],
};
