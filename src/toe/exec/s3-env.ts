import { KilnError } from '../../core/errors.js';
import type { S3Settings } from './module.js';

/**
 * The S3-compatible endpoint S3Download/S3Upload talk to, from the environment of the process
 * that runs components (`kiln server`, `kiln toe run`): KILN_S3_ENDPOINT (e.g.
 * http://127.0.0.1:9000), KILN_S3_REGION (default us-east-1) and KILN_S3_ACCESS_KEY_ID /
 * KILN_S3_SECRET_ACCESS_KEY (default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Undefined
 * without an endpoint: the S3 modules then fail saying how to configure one.
 */
export function s3SettingsFromEnv(env: Readonly<Record<string, string | undefined>>): S3Settings | undefined {
  const endpoint = env.KILN_S3_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new KilnError('InvalidParameterValueException', `KILN_S3_ENDPOINT '${endpoint}' is not a URL.`, {
      hint: 'Set it to the S3-compatible server, e.g. http://127.0.0.1:9000.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KilnError('InvalidParameterValueException', `KILN_S3_ENDPOINT '${endpoint}' must be http(s).`);
  }
  const accessKeyId = env.KILN_S3_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.KILN_S3_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new KilnError(
      'InvalidParameterValueException',
      'KILN_S3_ENDPOINT is set but no S3 credentials are: set KILN_S3_ACCESS_KEY_ID and KILN_S3_SECRET_ACCESS_KEY.',
    );
  }
  return Object.freeze({
    endpoint: url.toString().replace(/\/$/, ''),
    region: env.KILN_S3_REGION?.trim() || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    // Local S3 servers answer path-style requests (endpoint/bucket/key).
    forcePathStyle: true,
  });
}
