import { InstanceFsError } from './fs-errors.js';

export interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** name → {uid, primary gid} from passwd(5) text; malformed lines are skipped, as getpwnam does. */
export function parsePasswd(text: string): Map<string, Account> {
  const out = new Map<string, Account>();
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (!name || line.startsWith('#') || !isId(uid) || !isId(gid)) continue;
    if (!out.has(name)) out.set(name, { uid: Number(uid), gid: Number(gid) });
  }
  return out;
}

/** name → gid from group(5) text. */
export function parseGroup(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (!name || line.startsWith('#') || !isId(gid)) continue;
    if (!out.has(name)) out.set(name, Number(gid));
  }
  return out;
}

function isId(text: string | undefined): text is string {
  return text !== undefined && /^\d+$/.test(text);
}

/**
 * The numeric owner for chown(2): -1 leaves a side unchanged. A user given without a group
 * takes the user's primary group. Names win over numbers; an all-digit value the files do not
 * know is taken as a numeric id (as chown(1) does).
 */
export function resolveOwner(
  owner: { readonly user?: string; readonly group?: string },
  users: ReadonlyMap<string, Account>,
  groups: ReadonlyMap<string, number>,
): { uid: number; gid: number } {
  let uid = -1;
  let gid = -1;
  if (owner.user !== undefined) {
    const account = users.get(owner.user);
    if (account) {
      uid = account.uid;
      gid = account.gid;
    } else if (isId(owner.user)) {
      uid = Number(owner.user);
    } else {
      throw new InstanceFsError(
        'ENOACCOUNT',
        '/etc/passwd',
        `user '${owner.user}' does not exist in the instance (/etc/passwd)`,
      );
    }
  }
  if (owner.group !== undefined) {
    const found = groups.get(owner.group);
    if (found !== undefined) gid = found;
    else if (isId(owner.group)) gid = Number(owner.group);
    else {
      throw new InstanceFsError(
        'ENOACCOUNT',
        '/etc/group',
        `group '${owner.group}' does not exist in the instance (/etc/group)`,
      );
    }
  }
  return { uid, gid };
}
