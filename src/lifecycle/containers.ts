/**
 * Removing a distributed container image from its registry (a lifecycle DELETE with
 * `includeResources.containers`), with skopeo through the registry module's retrying runner.
 */
import { parseImageUri, skopeo } from '../distribution/registry.js';

/** Registries on the loopback interface are the test and single-machine setups: plain HTTP. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/**
 * Deletes the manifest an image URI names. A manifest already gone counts as deleted; the
 * registry must allow deletes (docker-registry: `storage: delete: enabled: true`).
 */
export async function deleteContainerImage(uri: string, signal: AbortSignal): Promise<void> {
  const { registry } = parseImageUri(uri);
  const bare = uri.startsWith('docker://') ? uri.slice('docker://'.length) : uri;
  try {
    await skopeo(
      ['delete', `--tls-verify=${!LOOPBACK.test(registry)}`, `docker://${bare}`],
      `deleting ${bare}`,
      registry,
      { attempts: 3, signal },
    );
  } catch (err) {
    if (/manifest unknown|not found|404/i.test((err as Error).message)) return;
    throw err;
  }
}
