import { type ActionSpec, LINUX_MACOS, optional, required } from './spec.js';

/** chown of one file; `group` defaults to the owner's group. */
export const setFileOwnerSpec: ActionSpec = {
  name: 'SetFileOwner',
  platforms: LINUX_MACOS,
  inputs: 'list',
  fields: { path: required('string'), owner: required('string'), group: optional('string') },
  outputs: [],
};
