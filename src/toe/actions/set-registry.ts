import { type ActionSpec, required, WINDOWS_ONLY } from './spec.js';

/** Sets registry values, creating missing keys. */
export const setRegistrySpec: ActionSpec = {
  name: 'SetRegistry',
  platforms: WINDOWS_ONLY,
  inputs: 'list',
  fields: {
    path: required('string'),
    name: required('string'),
    value: required('scalarOrList'),
    type: required({ oneOf: ['BINARY', 'DWORD', 'QWORD', 'SZ', 'EXPAND_SZ', 'MULTI_SZ'] }),
  },
  outputs: [],
};
