import { KilnError } from '../core/errors.js';

/**
 * Resource policies (Put*Policy): IAM-style JSON documents that share a resource with other
 * accounts. Kiln stores the text verbatim and evaluates Allow statements whose principal
 * names the caller's account (account id, `arn:aws:iam::ACCOUNT:root`, or `*`).
 */
export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly principals: readonly string[];
  readonly actions: readonly string[];
}

/** The actions a policy may grant on each shareable resource type, as the service allows. */
export const SHAREABLE_ACTIONS: Record<string, readonly string[]> = {
  component: ['imagebuilder:GetComponent', 'imagebuilder:ListComponents'],
  'image-recipe': ['imagebuilder:GetImageRecipe', 'imagebuilder:ListImageRecipes'],
  'container-recipe': ['imagebuilder:GetContainerRecipe', 'imagebuilder:ListContainerRecipes'],
  image: ['imagebuilder:GetImage', 'imagebuilder:ListImages'],
};

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function principalsOf(p: unknown): string[] {
  if (p === '*') return ['*'];
  if (p && typeof p === 'object' && 'AWS' in p) return asList((p as { AWS: unknown }).AWS).map(String);
  return [];
}

/** Parses and checks a policy for one resource type; the error names the problem. */
export function parsePolicy(text: string, resourceType: string): PolicyStatement[] {
  const bad = (why: string) =>
    new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter 'policy' is not valid. ${why}`,
      {
        hint: 'Give a JSON policy: {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":["imagebuilder:GetComponent"],"Resource":["<arn>"]}]}',
      },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(`It is not JSON: ${(err as Error).message}.`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('It must be a JSON object.');
  const statements = asList((doc as { Statement?: unknown }).Statement);
  if (statements.length === 0) throw bad('It needs at least one Statement.');
  const allowed = SHAREABLE_ACTIONS[resourceType] ?? [];
  return statements.map((s, i) => {
    if (!s || typeof s !== 'object') throw bad(`Statement[${i}] must be an object.`);
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw bad(`Statement[${i}].Effect must be Allow or Deny.`);
    const principals = principalsOf(st.Principal);
    if (principals.length === 0) throw bad(`Statement[${i}].Principal must be "*" or {"AWS": [...]}.`);
    for (const p of principals) {
      if (p !== '*' && !/^[0-9]{12}$/.test(p) && !/^arn:aws[^:]*:(iam|organizations)::[0-9]{12}:/.test(p)) {
        throw bad(`Statement[${i}].Principal '${p}' is not an account id or an IAM/Organizations ARN.`);
      }
    }
    const actions = asList(st.Action).map(String);
    if (actions.length === 0) throw bad(`Statement[${i}].Action is required.`);
    for (const a of actions) {
      if (!allowed.includes(a))
        throw bad(`Statement[${i}].Action '${a}' cannot be shared; allowed: ${allowed.join(', ')}.`);
    }
    return { effect: st.Effect, principals, actions };
  });
}

const namesAccount = (principal: string, account: string): boolean =>
  principal === '*' || principal === account || principal.startsWith(`arn:aws:iam::${account}:`);

/** True when the stored policy lets `account` perform `action`. Deny wins over Allow. */
export function policyAllows(
  policyText: string | undefined,
  resourceType: string,
  account: string,
  action: string,
) {
  if (!policyText) return false;
  let statements: PolicyStatement[];
  try {
    statements = parsePolicy(policyText, resourceType);
  } catch {
    return false;
  }
  const matching = statements.filter(
    (s) => s.actions.includes(action) && s.principals.some((p) => namesAccount(p, account)),
  );
  return matching.some((s) => s.effect === 'Allow') && !matching.some((s) => s.effect === 'Deny');
}
