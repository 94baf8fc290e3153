/**
 * AMI copies in a region whose artifact store is an OCI registry: the copy's image is pushed to
 * `<url>/kiln/amis/<ami-id>:latest` (the registry stores blobs by digest, so layers shared with
 * other copies are stored once), and read back by digest into an OCI layout or a local blob
 * store wherever a launch or an import needs the bytes. The AMI record itself stays in
 * `DATA_DIR/regions/<region>/images/` (ami-store.ts) like any other region's.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KilnError } from '../core/errors.js';
import { makeTempDir, publishDir, removeTree } from '../host/fs.js';
import { type Digest, type DirectoryBlobStore, parseDigest } from '../images/blob-store.js';
import type { RegistryRegionStore } from './containers.js';
import { inspectRemote, pushOciLayout, skopeo } from './registry.js';

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const LATEST = 'latest';

export interface AmiCopyOptions {
  readonly signal?: AbortSignal;
  /** Tries per registry call for transient failures (default: registry.ts's). */
  readonly attempts?: number;
}

/** The repository an AMI copy lives in (pure). */
export function amiRepository(amiId: string): string {
  if (!AMI_ID.test(amiId)) throw new Error(`'${amiId}' is not an AMI id (ami- and 8 to 17 hex digits)`);
  return `kiln/amis/${amiId}`;
}

/** `<url>/kiln/amis/<ami-id>:latest` (pure). */
export const amiCopyUri = (store: RegistryRegionStore, amiId: string): string =>
  `${store.url}/${amiRepository(amiId)}:${LATEST}`;

/** `<url>/kiln/amis/<ami-id>@<digest>`: a reference the registry can only answer with those bytes. */
const pinnedUri = (store: RegistryRegionStore, amiId: string, digest: Digest): string =>
  `${store.url}/${amiRepository(amiId)}@${digest}`;

const common = (store: RegistryRegionStore, options: AmiCopyOptions) => ({
  insecure: !store.tlsVerify,
  attempts: options.attempts ?? 3,
  ...(options.signal ? { signal: options.signal } : {}),
});

/** Pushes the image of an OCI layout as the AMI copy; returns its URI and manifest digest. */
export async function pushAmiCopy(
  request: {
    readonly store: RegistryRegionStore;
    readonly amiId: string;
    readonly layoutDir: string;
    readonly layoutTag: string;
  } & AmiCopyOptions,
): Promise<{ imageUri: string; digest: Digest }> {
  const { store, amiId } = request;
  const pushed = await pushOciLayout({
    layoutDir: request.layoutDir,
    tag: request.layoutTag,
    registry: store.url,
    repository: amiRepository(amiId),
    tags: [LATEST],
    ...common(store, request),
  });
  return { imageUri: pushed.imageUris[0]!, digest: pushed.digest };
}

const isMissing = (err: unknown): boolean =>
  err instanceof KilnError && /manifest unknown|name unknown|not found|\b404\b/i.test(err.message);

/** The manifest digest the registry holds for the copy, or undefined when it has none. */
export async function amiCopyDigest(
  store: RegistryRegionStore,
  amiId: string,
  options: AmiCopyOptions = {},
): Promise<Digest | undefined> {
  try {
    return await inspectRemote(amiCopyUri(store, amiId), common(store, options));
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * Pulls the copy by its manifest digest into an OCI layout `targetDir` (tag `latest`), written
 * beside it and renamed into place (an existing `targetDir` is left alone and reused when it
 * already holds that digest). Fails when the registry lacks the copy or serves other bytes.
 */
export async function pullAmiCopy(
  request: {
    readonly store: RegistryRegionStore;
    readonly amiId: string;
    readonly manifestDigest: Digest;
    readonly targetDir: string;
  } & AmiCopyOptions,
): Promise<{ layoutDir: string; tag: string; digest: Digest }> {
  const { store, amiId, targetDir } = request;
  const digest = parseDigest(request.manifestDigest);
  const result = { layoutDir: targetDir, tag: LATEST, digest };
  if (existsSync(targetDir) && (await layoutManifest(targetDir).catch(() => undefined)) === digest) {
    return result;
  }
  const tmp = await makeTempDir(`.${basename(targetDir)}-`, { parent: dirname(targetDir) });
  try {
    const opts = common(store, request);
    await skopeo(
      [
        'copy',
        '--preserve-digests',
        `--src-tls-verify=${!opts.insecure}`,
        `docker://${pinnedUri(store, amiId, digest)}`,
        `oci:${join(tmp, 'layout')}:${LATEST}`,
      ],
      `pulling ${amiId} from the registry ${store.url}`,
      store.url,
      opts,
    );
    const pulled = await layoutManifest(join(tmp, 'layout'));
    if (pulled !== digest) throw new Error(`${amiId} was pulled as ${pulled}, expected ${digest}`);
    if (!(await publishDir(join(tmp, 'layout'), targetDir))) {
      throw new Error(`${targetDir} already exists and does not hold ${digest}`);
    }
    return result;
  } finally {
    await removeTree(tmp);
  }
}

/** The manifest digest an OCI layout's `index.json` names `latest`. */
async function layoutManifest(layoutDir: string): Promise<string | undefined> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as {
    manifests?: { digest?: string; annotations?: Record<string, string> }[];
  };
  return index.manifests?.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === LATEST)
    ?.digest;
}

/**
 * Pulls the copy and adds the blobs the local store lacks (each hashed on the way in), so an
 * instance can be launched from it here. Returns every digest the copy needs.
 */
export async function pullAmiCopyIntoStore(
  request: {
    readonly store: RegistryRegionStore;
    readonly amiId: string;
    readonly manifestDigest: Digest;
    readonly blobs: DirectoryBlobStore;
  } & AmiCopyOptions,
): Promise<{ digest: Digest; blobs: Digest[]; added: number }> {
  const scratch = await makeTempDir('kiln-pull-', { memory: false });
  try {
    const { layoutDir, digest } = await pullAmiCopy({ ...request, targetDir: join(scratch, 'layout') });
    const blobPath = (d: string) =>
      join(layoutDir, 'blobs', 'sha256', parseDigest(d).slice('sha256:'.length));
    const manifest = JSON.parse(await readFile(blobPath(digest), 'utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const all = [digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)].map(parseDigest);
    let added = 0;
    for (const d of all) {
      request.signal?.throwIfAborted();
      if (await request.blobs.has(d)) continue;
      await request.blobs.put(createReadStream(blobPath(d)), {
        expectedDigest: d,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      added += 1;
    }
    return { digest, blobs: all, added };
  } finally {
    await removeTree(scratch);
  }
}

/**
 * Deletes the copy's manifest from the registry (its tag goes with it); returns false when the
 * registry had no such copy. The registry frees unreferenced blobs in its own garbage collection
 * (`docker-registry garbage-collect`), as any registry does.
 */
export async function deleteAmiCopy(
  request: { readonly store: RegistryRegionStore; readonly amiId: string } & AmiCopyOptions,
): Promise<boolean> {
  const { store, amiId } = request;
  const digest = await amiCopyDigest(store, amiId, request);
  if (!digest) return false;
  const opts = common(store, request);
  await skopeo(
    ['delete', `--tls-verify=${!opts.insecure}`, `docker://${pinnedUri(store, amiId, digest)}`],
    `deleting ${amiId} from the registry ${store.url}`,
    store.url,
    opts,
  );
  return true;
}
