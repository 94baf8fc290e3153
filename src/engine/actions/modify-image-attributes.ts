/**
 * ModifyImageAttributes (api.md §8.3): sets the launch permissions of distributed AMIs. Kiln
 * records them on each AMI record of the region's store (`launchPermission`) and on the image
 * (`kilnLaunchPermissions`: one entry per AMI), which is what sharing rules read; it does not
 * grant anything by itself.
 */
import type { LaunchPermission } from '../../distribution/ami-store.js';
import type { ActionHandler } from '../../workflows/runner.js';
import { type BuildContext, logLine } from '../context.js';
import { type DistributedImageRef, parseDistributedImages, updateAmiRecord } from './ami-records.js';

export type { LaunchPermission };

export interface ImageAttributes {
  readonly region: string;
  readonly launchPermission: LaunchPermission;
}

const PATTERNS: Record<keyof LaunchPermission, { re: RegExp; example: string }> = {
  userIds: { re: /^\d{12}$/, example: '111122223333' },
  userGroups: { re: /^all$/, example: 'all (public)' },
  organizationArns: {
    re: /^arn:aws[^:]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/,
    example: 'arn:aws:organizations::111122223333:organization/o-abcdefghij',
  },
  organizationalUnitArns: {
    re: /^arn:aws[^:]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/,
    example: 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34',
  },
};

/** Validates the `attributes` input (pure). */
export function checkImageAttributes(value: unknown): ImageAttributes[] {
  const field = "ModifyImageAttributes input 'attributes'";
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${field} must be a non-empty list of {region, launchPermission}.`);
  return value.map((item, i) => {
    const a = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof a.region !== 'string' || a.region === '')
      throw new Error(`${field}[${i}].region is required.`);
    const extra = Object.keys(a).find((k) => k !== 'region' && k !== 'launchPermission');
    if (extra)
      throw new Error(`${field}[${i}].${extra} is not an attribute Kiln sets (only launchPermission).`);
    const lp = a.launchPermission;
    if (typeof lp !== 'object' || lp === null || Array.isArray(lp))
      throw new Error(
        `${field}[${i}].launchPermission is required: {userIds, userGroups, organizationArns, organizationalUnitArns}.`,
      );
    const out: Record<string, readonly string[]> = {};
    for (const [key, list] of Object.entries(lp as Record<string, unknown>)) {
      const spec = PATTERNS[key as keyof LaunchPermission];
      const where = `${field}[${i}].launchPermission.${key}`;
      if (!spec)
        throw new Error(`${where} is not a launch permission member (${Object.keys(PATTERNS).join(', ')}).`);
      if (!Array.isArray(list)) throw new Error(`${where} must be a list.`);
      for (const v of list)
        if (typeof v !== 'string' || !spec.re.test(v))
          throw new Error(`${where}: '${String(v)}' is not valid (e.g. ${spec.example}).`);
      out[key] = Object.freeze([...new Set(list as string[])]);
    }
    return Object.freeze({ region: a.region, launchPermission: Object.freeze(out) });
  });
}

/** Every attribute entry of one region merged into one launch permission (pure). */
export function mergePermissions(entries: readonly ImageAttributes[], region: string): LaunchPermission {
  const out: Record<string, string[]> = {};
  for (const e of entries.filter((x) => x.region === region))
    for (const [k, list] of Object.entries(e.launchPermission))
      out[k] = [...new Set([...(out[k] ?? []), ...(list as string[])])];
  return out;
}

/** The image's `kilnLaunchPermissions`, by AMI, across the steps of one build. */
const recorded = new WeakMap<BuildContext, Map<string, Record<string, unknown>>>();

/**
 * Adds entries to the image's `kilnLaunchPermissions` (DistributeImage's `launchPermission`
 * and ModifyImageAttributes both go through here, so neither overwrites the other's).
 */
export async function recordLaunchPermissions(
  ctx: BuildContext,
  entries: readonly { region: string; amiId: string; launchPermission: LaunchPermission }[],
): Promise<void> {
  if (entries.length === 0) return;
  const perImage = recorded.get(ctx) ?? new Map<string, Record<string, unknown>>();
  recorded.set(ctx, perImage);
  for (const e of entries) perImage.set(`${e.region}/${e.amiId}`, { ...e });
  await ctx.emit({ kind: 'image', members: { kilnLaunchPermissions: [...perImage.values()] } });
}

export function modifyImageAttributesAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs, actx) {
      const images = parseDistributedImages(inputs.distributedImages, 'ModifyImageAttributes');
      const attributes = checkImageAttributes(inputs.attributes);
      const regions = new Set(images.map((d) => d.region));
      const missing = attributes.find((a) => !regions.has(a.region));
      if (missing)
        throw new Error(
          `ModifyImageAttributes: no image was distributed to region '${missing.region}' (distributed: ${[...regions].join(', ') || 'none'}).`,
        );
      const targets: DistributedImageRef[] = images.filter((d) =>
        attributes.some((a) => a.region === d.region),
      );
      const modifiedImages: { region: string; amiId: string; launchPermission: LaunchPermission }[] = [];
      for (const d of targets) {
        actx.signal.throwIfAborted();
        const launchPermission = mergePermissions(attributes, d.region);
        await updateAmiRecord(ctx, d.region, d.amiId, { launchPermission });
        modifiedImages.push({ region: d.region, amiId: d.amiId, launchPermission });
        await logLine(
          ctx,
          actx.stepName,
          `launch permission of ${d.amiId} in ${d.region}: ${JSON.stringify(launchPermission)}`,
        );
      }
      await recordLaunchPermissions(ctx, modifiedImages);
      return { modifiedImages };
    },
  };
}
