/**
 * Kiln launch templates (a documented extension, docs/api-notes.md "Launch templates"), after
 * EC2's: a named, versioned pair of image id and instance type that `kiln instance run
 * --launch-template` starts from, and that distribution's `launchTemplateConfigurations` give
 * a new version. This module is the pure edge: validation into frozen values and the version
 * arithmetic; library.ts keeps them in the store.
 */
import { invalidRequest, invalidValue } from '../core/errors.js';
import { INSTANCE_TYPES, instanceType } from '../core/instance-types.js';

export interface LaunchTemplateVersion {
  readonly versionNumber: number;
  readonly versionDescription?: string;
  /** The AMI an instance starts from, `ami-…` of the template's region. */
  readonly imageId: string;
  /** A Kiln sandbox instance type (`kiln.small`, …). */
  readonly instanceType: string;
  /** ISO time. */
  readonly createTime: string;
}

export interface LaunchTemplate {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly accountId: string;
  readonly region: string;
  readonly createTime: string;
  readonly defaultVersionNumber: number;
  readonly latestVersionNumber: number;
  /** Oldest first. */
  readonly versions: readonly LaunchTemplateVersion[];
}

/** What a new version says; unset members come from the source version. */
export interface VersionData {
  readonly imageId?: string;
  readonly instanceType?: string;
  readonly versionDescription?: string;
}

export const DEFAULT_INSTANCE_TYPE = 'kiln.small';
const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;
const TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;
export const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

export function checkTemplateName(value: unknown, member = 'launchTemplateName'): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw invalidValue(
      member,
      `'${String(value)}' is not a launch template name.`,
      'Use 3 to 128 letters, digits and ( ) . - / _.',
    );
  return value;
}

export const isTemplateId = (value: string): boolean => TEMPLATE_ID.test(value);

export function checkImageId(value: unknown, member = 'imageId'): string {
  if (typeof value !== 'string' || !AMI_ID.test(value))
    throw invalidValue(
      member,
      `'${String(value)}' is not an image id.`,
      'Use an ami-… id (kiln image get shows it).',
    );
  return value;
}

/** A bwrap instance type: launches start sandboxes, not VMs. */
export function checkInstanceType(value: unknown, member = 'instanceType'): string {
  const bwrap = INSTANCE_TYPES.filter((t) => t.backend === 'bwrap').map((t) => t.name);
  const found = typeof value === 'string' ? instanceType(value) : undefined;
  if (!found || found.backend !== 'bwrap')
    throw invalidValue(
      member,
      found
        ? `'${found.name}' is a VM type; launched instances are sandboxes.`
        : `'${String(value)}' is not a Kiln instance type.`,
      `Use one of ${bwrap.join(', ')}.`,
    );
  return found.name;
}

export function checkVersionNumber(value: unknown, member = 'versionNumber'): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw invalidValue(member, `'${String(value)}' is not a version number (1, 2, …).`);
  return n;
}

/** Validates a version's data (pure); `requireImage` for a template's first version. */
export function checkVersionData(
  input: Readonly<Record<string, unknown>>,
  requireImage: boolean,
): VersionData {
  const out: { imageId?: string; instanceType?: string; versionDescription?: string } = {};
  if (input.imageId !== undefined || requireImage) out.imageId = checkImageId(input.imageId);
  if (input.instanceType !== undefined) out.instanceType = checkInstanceType(input.instanceType);
  const d = input.versionDescription;
  if (d !== undefined) {
    if (typeof d !== 'string' || d.length > 255)
      throw invalidValue(
        'versionDescription',
        'a version description is a string of at most 255 characters.',
      );
    out.versionDescription = d;
  }
  return Object.freeze(out);
}

export function versionOf(t: LaunchTemplate, n: number, member = 'versionNumber'): LaunchTemplateVersion {
  const v = t.versions.find((x) => x.versionNumber === n);
  if (!v)
    throw invalidValue(
      member,
      `${t.launchTemplateName} has no version ${n}.`,
      `Its versions are ${t.versions.map((x) => x.versionNumber).join(', ')}.`,
    );
  return v;
}

export const defaultVersion = (t: LaunchTemplate): LaunchTemplateVersion =>
  versionOf(t, t.defaultVersionNumber);

/** The template with one more version made from `source` (default: the default version) and `data`. */
export function withNewVersion(
  t: LaunchTemplate,
  data: VersionData,
  now: string,
  source?: number,
): LaunchTemplate {
  const from = source !== undefined ? versionOf(t, source, 'sourceVersion') : defaultVersion(t);
  const versionDescription = data.versionDescription ?? from.versionDescription;
  const version: LaunchTemplateVersion = Object.freeze({
    versionNumber: t.latestVersionNumber + 1,
    ...(versionDescription !== undefined ? { versionDescription } : {}),
    imageId: data.imageId ?? from.imageId,
    instanceType: data.instanceType ?? from.instanceType,
    createTime: now,
  });
  return Object.freeze({
    ...t,
    latestVersionNumber: version.versionNumber,
    versions: Object.freeze([...t.versions, version]),
  });
}

export function withDefault(t: LaunchTemplate, n: number): LaunchTemplate {
  versionOf(t, n);
  return Object.freeze({ ...t, defaultVersionNumber: n });
}

/** The template without version `n`; the default version cannot go (as in EC2). */
export function withoutVersion(t: LaunchTemplate, n: number): LaunchTemplate {
  versionOf(t, n);
  if (n === t.defaultVersionNumber)
    throw invalidRequest(
      `Version ${n} is the default version of ${t.launchTemplateName} and cannot be deleted.`,
      'Make another version the default first (kiln launch-template set-default).',
    );
  return Object.freeze({ ...t, versions: Object.freeze(t.versions.filter((v) => v.versionNumber !== n)) });
}
