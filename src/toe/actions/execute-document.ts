import { ALL_PLATFORMS, type ActionSpec, optional, required } from './spec.js';

/**
 * Runs another component document (local path, s3:// or component ARN), nested at most 3
 * levels. AWSTOE forces timeoutSeconds -1 and maxAttempts 1 on these steps.
 */
export const executeDocumentSpec: ActionSpec = {
  name: 'ExecuteDocument',
  platforms: ALL_PLATFORMS,
  inputs: 'map',
  fields: {
    document: required('string'),
    'document-s3-bucket-owner': optional('string'),
    phases: optional('string'),
    parameters: optional('nameValueList'),
  },
  outputs: [
    'executedStepCount',
    'executionId',
    'failedStepCount',
    'failureMessage',
    'ignoredFailedStepCount',
    'logUrl',
    'status',
  ],
  forced: { timeoutSeconds: -1, maxAttempts: 1 },
};
