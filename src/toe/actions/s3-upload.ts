import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';
import { requirePrefix } from './url-prefix.js';

/** Uploads a file (or files matching a trailing `*`, optionally recursing) to an s3:// key or prefix. */
export const s3UploadSpec: ActionSpec = {
  name: 'S3Upload',
  platforms: ALL_PLATFORMS,
  inputs: 'list',
  fields: {
    source: required('string'),
    destination: required('string'),
    recurse: optional('bool'),
    expectedBucketOwner: optional('string'),
  },
  outputs: [],
  checkItem: (check) => requirePrefix(check, 'destination', ['s3://']),
};
