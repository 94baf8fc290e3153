/**
 * Who may launch an AMI copy (pure). The owner always may; others when the copy's launch
 * permission names their account (`userIds`), everyone (`userGroups: [all]`), or an
 * organization or organizational unit they belong to per the config's `organizations`.
 * The same principals decide which images `owner: Shared` lists (src/service/owners.ts).
 */
import { invalidValue } from '../core/errors.js';
import { launchGranteesOf } from '../store/grants.js';
import type { LaunchPermission } from './ami-store.js';

/** An organization of the config (`organizations:`), as far as launch permissions need it. */
export interface Organization {
  readonly arn: string;
  readonly accounts: readonly string[];
  readonly units: readonly { readonly arn: string; readonly accounts: readonly string[] }[];
}

/**
 * Every grantee that stands for `account`: itself, `all`, its organizations and units. An
 * account listed only in a unit belongs to that unit's organization too.
 */
export function principalsOf(account: string, organizations: readonly Organization[]): string[] {
  const out = [account, 'all'];
  for (const org of organizations) {
    const units = org.units.filter((u) => u.accounts.includes(account)).map((u) => u.arn);
    if (org.accounts.includes(account) || units.length > 0) out.push(org.arn);
    out.push(...units);
  }
  return [...new Set(out)];
}

/** Whether a launch permission names one of `principals`. */
export function permissionGrants(
  permission: LaunchPermission | undefined,
  principals: readonly string[],
): boolean {
  if (!permission) return false;
  const named = [
    ...(permission.userIds ?? []),
    ...(permission.userGroups ?? []),
    ...(permission.organizationArns ?? []),
    ...(permission.organizationalUnitArns ?? []),
  ];
  return named.some((g) => principals.includes(g));
}

export type LaunchDecision = 'owner' | 'granted' | 'denied';

/** May `account` launch a copy owned by `copy.accountId` with `copy.launchPermission`? */
export function launchDecision(
  copy: { readonly accountId: string; readonly launchPermission?: LaunchPermission },
  account: string,
  organizations: readonly Organization[],
): LaunchDecision {
  if (copy.accountId === account) return 'owner';
  return permissionGrants(copy.launchPermission, principalsOf(account, organizations)) ? 'granted' : 'denied';
}

/** Whether an image of another account is shared with `account` through its distributed AMIs. */
export function imageLaunchableBy(
  body: Readonly<Record<string, unknown>>,
  account: string,
  organizations: readonly Organization[],
): boolean {
  const principals = principalsOf(account, organizations);
  return launchGranteesOf(body).some((g) => principals.includes(g));
}

/** The config's organizations (an empty list on configs without the key). */
export const organizationsOf = (config: object): readonly Organization[] =>
  (config as { organizations?: readonly Organization[] }).organizations ?? [];

const PATTERNS: Readonly<Record<keyof LaunchPermission, { re: RegExp; example: string }>> = {
  userIds: { re: /^\d{12}$/, example: '111122223333' },
  userGroups: { re: /^all$/, example: 'all' },
  organizationArns: {
    re: /^arn:aws[^:]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/,
    example: 'arn:aws:organizations::111122223333:organization/o-abcdefghij',
  },
  organizationalUnitArns: {
    re: /^arn:aws[^:]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/,
    example: 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34',
  },
};

/** Validates a launch permission as a user wrote it into a frozen value (pure). */
export function checkLaunchPermission(value: unknown, member = 'launchPermission'): LaunchPermission {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidValue(
      member,
      'a launch permission is {userIds, userGroups, organizationArns, organizationalUnitArns}.',
    );
  const out: Record<string, readonly string[]> = {};
  for (const [key, list] of Object.entries(value)) {
    const spec = PATTERNS[key as keyof LaunchPermission];
    if (!spec)
      throw invalidValue(
        `${member}.${key}`,
        `not a launch permission member (${Object.keys(PATTERNS).join(', ')}).`,
      );
    if (!Array.isArray(list)) throw invalidValue(`${member}.${key}`, 'it must be a list.');
    for (const v of list)
      if (typeof v !== 'string' || !spec.re.test(v))
        throw invalidValue(`${member}.${key}`, `'${String(v)}' is not valid.`, `e.g. ${spec.example}`);
    if (list.length > 0) out[key] = Object.freeze([...new Set(list as string[])]);
  }
  return Object.freeze(out);
}
