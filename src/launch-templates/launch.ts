/**
 * Launching an instance from an AMI (`kiln instance run`, POST /kiln/instances): by launch
 * template (its default version, or `version`) or by image id. The caller must own the AMI copy
 * or be granted launch permission on it (src/distribution/permission.ts); a disabled copy, or
 * one of an image whose Image Builder state is DISABLED or DELETED, refuses. The instance is a
 * bwrap sandbox over the image's layers, read from the main blob store by the copy's manifest
 * digest: an encrypted copy (kmsKeyArn) holds the same digests, so it launches from the
 * plaintext blobs without its key. The instance is kept like a failed build's instance, for
 * `kiln instance list|shell|stop`, unless `keep` is false.
 */
import { join } from 'node:path';
import { isoTime } from '../core/clock.js';
import { KilnError, notFound, wrapError } from '../core/errors.js';
import { instanceType as instanceTypeNamed } from '../core/instance-types.js';
import { type AmiRecord, readAmiRecord, updateAmiRecord } from '../distribution/ami-store.js';
import { launchDecision, type Organization } from '../distribution/permission.js';
import { enginePaths } from '../engine/context.js';
import { ensureImageTree, readImageContent, recordedLowers } from '../engine/parents/image-tree.js';
import { DirectoryBlobStore } from '../images/blob-store.js';
import type { Instance, InstanceBackend } from '../instances/backend.js';
import { BwrapBackend } from '../instances/bwrap/backend.js';
import { keepInstance } from '../instances/bwrap/shell.js';
import type { Store } from '../store/store.js';
import { getLaunchTemplate } from './library.js';
import { checkImageId, checkInstanceType, DEFAULT_INSTANCE_TYPE, versionOf } from './model.js';

export interface LaunchDeps {
  readonly store: Store;
  readonly now: () => number;
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly organizations: readonly Organization[];
  /** Default: bubblewrap, with instance records where the build engine keeps its own. */
  readonly backend?: InstanceBackend;
}

export interface LaunchRequest {
  readonly account: string;
  readonly region: string;
  /** A launch template name or `lt-…` id; or else `imageId`. */
  readonly launchTemplate?: string;
  readonly version?: number;
  readonly imageId?: string;
  /** Only with `imageId` (a template names its own). */
  readonly instanceType?: string;
  /** Runs in the instance once it is up (argv, no shell). */
  readonly command?: readonly string[];
  /** Keep the instance for `kiln instance shell` (default); false stops it after the command. */
  readonly keep?: boolean;
  readonly signal?: AbortSignal;
}

export interface LaunchResult {
  readonly instanceId: string;
  readonly imageId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly launchTemplate?: { readonly launchTemplateId: string; readonly versionNumber: number };
  readonly kept: boolean;
  readonly command?: { readonly exitCode: number | null; readonly stdout: string; readonly stderr: string };
}

interface Target {
  readonly imageId: string;
  readonly instanceType: string;
  readonly launchTemplate?: { launchTemplateId: string; versionNumber: number };
}

async function targetOf(deps: LaunchDeps, req: LaunchRequest): Promise<Target> {
  if ((req.launchTemplate === undefined) === (req.imageId === undefined))
    throw new KilnError(
      'InvalidParameterCombinationException',
      'Name either a launch template or an image id to launch.',
      { hint: 'kiln instance run --launch-template NAME, or --image ami-….' },
    );
  if (req.launchTemplate !== undefined) {
    if (req.instanceType !== undefined)
      throw new KilnError(
        'InvalidParameterCombinationException',
        'A launch template names its instance type; instanceType goes with imageId only.',
      );
    const t = await getLaunchTemplate(deps.store, req, req.launchTemplate);
    const v = versionOf(t, req.version ?? t.defaultVersionNumber, 'version');
    return {
      imageId: v.imageId,
      instanceType: v.instanceType,
      launchTemplate: { launchTemplateId: t.launchTemplateId, versionNumber: v.versionNumber },
    };
  }
  if (req.version !== undefined)
    throw new KilnError('InvalidParameterCombinationException', 'version goes with a launch template only.');
  return {
    imageId: checkImageId(req.imageId, 'imageId'),
    instanceType: checkInstanceType(req.instanceType ?? DEFAULT_INSTANCE_TYPE),
  };
}

/**
 * Why `account` may not launch the copy, or undefined when it may (pure): not owned nor granted,
 * disabled, or made from an image Image Builder has DISABLED or DELETED. A deprecated copy
 * still launches, as in EC2.
 */
export function launchRefusal(
  ami: AmiRecord,
  account: string,
  organizations: readonly Organization[],
  imageStatus: string | undefined,
): KilnError | undefined {
  if (launchDecision(ami, account, organizations) === 'denied')
    return new KilnError('ForbiddenException', `Not authorized to launch ${ami.image} in ${ami.region}.`, {
      hint: `Its owner (${ami.accountId}) can grant launch permission to your account, an organization or unit of yours, or all.`,
    });
  if (ami.state === 'disabled')
    return new KilnError(
      'InvalidRequestException',
      `The image ${ami.image} is disabled and cannot be launched.`,
      {
        hint: 'Its owner can enable it again, or launch a newer image.',
      },
    );
  if (imageStatus === 'DISABLED' || imageStatus === 'DELETED')
    return new KilnError(
      'InvalidRequestException',
      `The image ${ami.image} comes from ${ami.imageArn}, which is ${imageStatus}; it cannot be launched.`,
      { hint: 'Launch a newer image.' },
    );
  return undefined;
}

/** The AMI copy the caller may launch, or the error that says why not. */
async function launchableCopy(deps: LaunchDeps, req: LaunchRequest, imageId: string): Promise<AmiRecord> {
  const ami = await readAmiRecord(deps.dataDir, req.region, imageId);
  if (!ami) throw notFound(`image in ${req.region}`, imageId, 'Images are regional: check --region.');
  const image = await deps.store.getResource(ami.imageArn);
  const status = (image?.body.state as { status?: string } | undefined)?.status;
  const refusal = launchRefusal(ami, req.account, deps.organizations, status);
  if (refusal) throw refusal;
  return ami;
}

/** The image's layers as overlay lowers: the build's own trees when still here, else extracted once. */
async function lowersOf(deps: LaunchDeps, ami: AmiRecord, signal?: AbortSignal): Promise<string[]> {
  const recorded = await recordedLowers(deps.dataDir, ami.image);
  if (recorded) return recorded;
  const blobs = new DirectoryBlobStore(join(deps.dataDir, 'blobs'));
  try {
    const content = await readImageContent(blobs, ami.manifestDigest);
    return [
      await ensureImageTree(blobs, content, { dataDir: deps.dataDir, cacheDir: deps.cacheDir, signal }),
    ];
  } catch (err) {
    throw wrapError(`reading the layers of ${ami.image}`, err);
  }
}

export async function launchInstance(deps: LaunchDeps, req: LaunchRequest): Promise<LaunchResult> {
  const target = await targetOf(deps, req);
  const ami = await launchableCopy(deps, req, target.imageId);
  const lowerDirs = await lowersOf(deps, ami, req.signal);
  const paths = enginePaths(deps.dataDir, deps.cacheDir);
  const backend = deps.backend ?? new BwrapBackend({ stateDir: paths.instanceStateDir });
  const type = instanceTypeNamed(target.instanceType);
  const instance: Instance = await backend.launch({
    lowerDirs,
    network: 'host',
    ...(type ? { instanceType: type } : {}),
  });
  let kept = false;
  let command: LaunchResult['command'];
  try {
    await updateAmiRecord(deps.dataDir, req.region, ami.image, { lastLaunched: isoTime(deps.now()) });
    if (req.command && req.command.length > 0) {
      const r = await instance.exec([...req.command], req.signal ? { signal: req.signal } : {});
      command = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    }
    if (req.keep !== false) {
      const source = target.launchTemplate
        ? `${target.launchTemplate.launchTemplateId} version ${target.launchTemplate.versionNumber}`
        : ami.image;
      await keepInstance(instance, paths.instanceStateDir, paths.keptDir, {
        network: 'host',
        note: `launched from ${source} (${ami.image}, ${req.region}) by ${req.account}`,
      });
      kept = true;
    }
  } finally {
    if (!kept) await instance.stop();
  }
  return {
    instanceId: instance.id,
    imageId: ami.image,
    region: req.region,
    instanceType: target.instanceType,
    ...(target.launchTemplate ? { launchTemplate: target.launchTemplate } : {}),
    kept,
    ...(command ? { command } : {}),
  };
}
