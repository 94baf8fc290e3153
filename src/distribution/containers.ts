/**
 * `containerDistributionConfiguration` for one region: the image is published to the region's
 * artifact store under `targetRepository.repositoryName` and each of `containerTags`. A registry
 * store gets a real push (skopeo: only blobs the registry lacks move, the manifest digest is
 * preserved and read back afterwards); a directory store gets one OCI layout per tag. Either way
 * the result is what `outputResources.containers` lists for the region.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isoTime } from '../core/clock.js';
import type { RegionStore } from '../config/config.js';
import type { Digest, DirectoryBlobStore } from '../images/blob-store.js';
import { exportOciLayout, type OciImage } from '../images/oci.js';
import { inspectRemote, pushOciLayout, validateTarget } from './registry.js';

export type { RegionStore } from '../config/config.js';
export type RegistryRegionStore = Extract<RegionStore, { type: 'registry' }>;

/** The API's ContainerDistributionConfiguration (validated where configurations are created). */
export interface ContainerDistributionConfiguration {
  readonly targetRepository: { readonly service?: string; readonly repositoryName: string };
  readonly containerTags?: readonly string[];
  readonly description?: string;
}

/** What the tag templates may refer to. */
export interface TagVariables {
  /** The recipe's semantic version, `1.0.0`. */
  readonly version: string;
  /** The build number (the image ARN's last node). */
  readonly buildVersion: number;
  /** The build time, ms since the epoch. */
  readonly buildDate: number;
}

/** One region's published container image: `outputResources.containers[]`, plus its digest. */
export interface ContainerPublication {
  readonly region: string;
  readonly imageUris: string[];
  readonly digest: Digest;
}

/** The image to publish: an OCI layout (`oci:<dir>:<tag>`) and, for directory stores, its blobs. */
export interface ContainerSource {
  readonly layoutDir: string;
  readonly layoutTag: string;
  readonly blobs: DirectoryBlobStore;
  readonly image: OciImage;
}

export interface DistributeContainerRequest {
  readonly region: string;
  readonly store: RegionStore;
  readonly source: ContainerSource;
  readonly configuration: ContainerDistributionConfiguration;
  readonly variables: TagVariables;
  readonly signal?: AbortSignal;
  /** Tries per registry call for transient failures (default: registry.ts's). */
  readonly attempts?: number;
}

/** Without `containerTags` the image is tagged with its version and build, as the service does. */
export const defaultContainerTag = (v: TagVariables): string => `${v.version}-${v.buildVersion}`;

/**
 * The tags to publish (pure): `containerTags` with `{{imagebuilder:buildVersion}}` and
 * `{{imagebuilder:buildDate}}` resolved (the date colon-free, as in AMI names, since a tag may
 * not hold `:`), duplicates dropped; the default tag when there are none.
 */
export function renderContainerTags(tags: readonly string[] | undefined, v: TagVariables): string[] {
  if (!tags?.length) return [defaultContainerTag(v)];
  const date = isoTime(v.buildDate).replace(/:/g, '-');
  const rendered = tags.map((t) =>
    t
      .replace(/\{\{\s*imagebuilder:buildDate\s*\}\}/g, date)
      .replace(/\{\{\s*imagebuilder:buildVersion\s*\}\}/g, String(v.buildVersion)),
  );
  return [...new Set(rendered)];
}

/** `sha256-<hex>.sig` / `.att`: the cosign signature and attestation tags signing adds to a layout. */
async function signatureTags(layoutDir: string, digest: Digest): Promise<string[]> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as {
    manifests?: { annotations?: Record<string, string> }[];
  };
  const prefix = `sha256-${digest.slice('sha256:'.length)}.`;
  return (index.manifests ?? [])
    .map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '')
    .filter((name) => name === `${prefix}sig` || name === `${prefix}att`);
}

/**
 * Pushes the image to `<url>/<repositoryName>:<tag>` for each tag and checks that the registry
 * serves every tag as the layout's manifest digest. The image's cosign signature and
 * attestation, when the layout has them, go along under their conventional tags so `cosign
 * verify` works against the registry; they are not image URIs.
 */
export async function distributeContainerToRegistry(
  request: Omit<DistributeContainerRequest, 'store'> & { readonly store: RegistryRegionStore },
): Promise<ContainerPublication> {
  const { store, source, signal } = request;
  const tags = renderContainerTags(request.configuration.containerTags, request.variables);
  const target = {
    layoutDir: source.layoutDir,
    tag: source.layoutTag,
    registry: store.url,
    repository: request.configuration.targetRepository.repositoryName,
    insecure: !store.tlsVerify,
    ...(signal ? { signal } : {}),
    ...(request.attempts ? { attempts: request.attempts } : {}),
  };
  const pushed = await pushOciLayout({ ...target, tags });
  for (const uri of pushed.imageUris) {
    const served = await inspectRemote(uri, target);
    if (served !== pushed.digest) {
      throw new Error(`the registry ${store.url} serves ${uri} as ${served}, expected ${pushed.digest}`);
    }
  }
  for (const tag of await signatureTags(source.layoutDir, pushed.digest)) {
    await pushOciLayout({ ...target, tag, tags: [tag] });
  }
  return { region: request.region, imageUris: pushed.imageUris, digest: pushed.digest };
}

/**
 * Writes one OCI layout per tag under `<store>/repositories/<repositoryName>/<tag>`, with blobs
 * hard-linked from the build's store; the URIs are `oci:<dir>:<tag>` (skopeo, podman, buildah).
 */
export async function distributeContainerToDirectory(
  request: Omit<DistributeContainerRequest, 'store'> & { readonly storeDir: string },
): Promise<ContainerPublication> {
  const repository = request.configuration.targetRepository.repositoryName;
  const tags = renderContainerTags(request.configuration.containerTags, request.variables);
  validateTarget({ registry: 'localhost', repository, tags });
  const imageUris: string[] = [];
  for (const tag of tags) {
    request.signal?.throwIfAborted();
    const dir = join(request.storeDir, 'repositories', repository, tag);
    await exportOciLayout(request.source.blobs, request.source.image, dir, tag);
    imageUris.push(`oci:${dir}:${tag}`);
  }
  return { region: request.region, imageUris, digest: request.source.image.manifestDigest };
}

/** One region's container distribution, into whichever kind of store the region has. */
export function distributeContainer(request: DistributeContainerRequest): Promise<ContainerPublication> {
  const { store, ...rest } = request;
  return store.type === 'registry'
    ? distributeContainerToRegistry({ ...rest, store })
    : distributeContainerToDirectory({ ...rest, storeDir: store.path });
}
