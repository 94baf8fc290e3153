import { type ActionSpec, LINUX_WINDOWS, optional } from './spec.js';

/** Installs OS updates (`include` minus `exclude`; default all) with apt-get/yum or Windows Update. */
export const updateOsSpec: ActionSpec = {
  name: 'UpdateOS',
  platforms: LINUX_WINDOWS,
  inputs: 'optionalMap',
  fields: { include: optional('stringList'), exclude: optional('stringList') },
  outputs: [],
};
