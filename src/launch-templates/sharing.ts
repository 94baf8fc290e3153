/**
 * Sharing an AMI copy after the fact (POST /kiln/amis/launch-permission, `kiln ami share`),
 * Kiln's stand-in for EC2 ModifyImageAttribute: the copy's owner replaces its launch permission.
 * The permission is written on the AMI record (what launches check) and, when the copy belongs
 * to the image's own account, on the image's `kilnLaunchPermissions` (what `owner: Shared`
 * listings and GetImage read), exactly where the ModifyImageAttributes workflow step writes it.
 */
import { KilnError, notFound } from '../core/errors.js';
import {
  type AmiRecord,
  type LaunchPermission,
  listAmiRecords,
  readAmiRecord,
  updateAmiRecord,
} from '../distribution/ami-store.js';
import { checkLaunchPermission, launchDecision, type Organization } from '../distribution/permission.js';
import type { Store } from '../store/store.js';
import { checkImageId } from './model.js';

export interface SharingDeps {
  readonly store: Store;
  readonly now: () => number;
  readonly dataDir: string;
  readonly organizations: readonly Organization[];
}

export interface Scope {
  readonly account: string;
  readonly region: string;
}

const isEmpty = (p: LaunchPermission): boolean =>
  Object.values(p).every((list) => !list || list.length === 0);

/** Replaces the launch permission of the caller's AMI copy `imageId`; returns the updated record. */
export async function setLaunchPermission(
  deps: SharingDeps,
  scope: Scope,
  imageIdInput: unknown,
  permissionInput: unknown,
): Promise<AmiRecord> {
  const imageId = checkImageId(imageIdInput);
  const launchPermission = checkLaunchPermission(permissionInput);
  const ami = await readAmiRecord(deps.dataDir, scope.region, imageId);
  if (!ami) throw notFound(`image in ${scope.region}`, imageId);
  if (ami.accountId !== scope.account)
    throw new KilnError('ForbiddenException', `Only the owner (${ami.accountId}) may share ${imageId}.`);
  const updated = await updateAmiRecord(deps.dataDir, scope.region, imageId, { launchPermission });
  await deps.store.transaction(async (tx) => {
    const image = await tx.getResource(ami.imageArn);
    if (!image || image.account !== ami.accountId) return;
    const others = ((image.body.kilnLaunchPermissions as Record<string, unknown>[] | undefined) ?? []).filter(
      (e) => !(e.region === scope.region && e.amiId === imageId),
    );
    const entries = isEmpty(launchPermission)
      ? others
      : [...others, { region: scope.region, amiId: imageId, launchPermission }];
    await tx.update(image.arn, {
      body: { ...image.body, kilnLaunchPermissions: entries },
      dateUpdated: deps.now(),
    });
  });
  return updated;
}

/** The AMI copies of the region the caller owns or may launch (EC2 DescribeImages, roughly). */
export async function listLaunchableAmis(
  deps: SharingDeps,
  scope: Scope,
): Promise<(AmiRecord & { owned: boolean })[]> {
  const out: (AmiRecord & { owned: boolean })[] = [];
  for (const ami of await listAmiRecords(deps.dataDir, scope.region)) {
    const decision = launchDecision(ami, scope.account, deps.organizations);
    if (decision === 'owner') out.push({ ...ami, owned: true });
    // Who else may launch a copy is its owner's business.
    else if (decision === 'granted') out.push({ ...ami, launchPermission: {}, owned: false });
  }
  return out;
}
