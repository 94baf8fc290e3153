import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';
import { requirePrefix } from './url-prefix.js';

/** Copies an S3 object (or a `prefix/*`) to `destination`, whose folders must already exist. */
export const s3DownloadSpec: ActionSpec = {
  name: 'S3Download',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: {
    source: required('string'),
    destination: required('string'),
    expectedBucketOwner: optional('string'),
    overwrite: optional('bool'),
  },
  outputs: [],
  checkItem: (check) => requirePrefix(check, 'source', ['s3://']),
};
