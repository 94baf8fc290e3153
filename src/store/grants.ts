/**
 * Launch grants of an image: who its distributed AMIs may be launched by, read from the members
 * distribution writes on the image body (`kilnLaunchPermissions`, and `outputResources.amis`
 * copies owned by target accounts). The store keeps them in the `resource_grants` index so that
 * `owner: Shared` listings read only the rows granted to the caller instead of every image.
 *
 * A grantee is an account id, `all` (userGroups: all), an organization ARN or an OU ARN; the
 * forms cannot collide, so one column holds them all.
 */
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];

const objects = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x))
    : [];

/** Every grantee named by an image body (pure; empty for other resource types). */
export function launchGranteesOf(body: Readonly<Record<string, unknown>>): string[] {
  const out = new Set<string>();
  for (const entry of objects(body.kilnLaunchPermissions)) {
    const lp = (entry.launchPermission ?? {}) as Record<string, unknown>;
    for (const member of ['userIds', 'userGroups', 'organizationArns', 'organizationalUnitArns'])
      for (const grantee of strings(lp[member])) out.add(grantee);
  }
  const amis = (body.outputResources as { amis?: unknown } | undefined)?.amis;
  for (const ami of objects(amis)) if (typeof ami.accountId === 'string') out.add(ami.accountId);
  return [...out].sort();
}
