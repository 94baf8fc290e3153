import { ALL_PLATFORMS, type ActionSpec, bothOrNeither, optional, required } from './spec.js';
import { requirePrefix } from './url-prefix.js';

/** Downloads an http(s) URL (only status 200 succeeds), optionally verifying a checksum. */
export const webDownloadSpec: ActionSpec = {
  name: 'WebDownload',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: {
    source: required('string'),
    destination: required('string'),
    overwrite: optional('bool'),
    checksum: optional('string'),
    algorithm: optional({ oneOf: ['MD5', 'SHA1', 'SHA256', 'SHA512'], ignoreCase: true }),
    ignoreCertificateErrors: optional('bool'),
  },
  outputs: ['destination'],
  checkItem: (check) => {
    requirePrefix(check, 'source', ['http://', 'https://']);
    bothOrNeither(check, 'checksum', 'algorithm');
  },
};
