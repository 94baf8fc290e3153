/**
 * Which config key a `kmsKeyId` designates (pure): a key id, `alias/NAME`, a key ARN or an
 * alias ARN, as KMS accepts them — and it must be a key of the distribution's region.
 */
import type { KmsKey } from '../config/config.js';

export type KmsKeyLookup = { readonly key: KmsKey } | { readonly problem: string; readonly hint: string };

const KEY_ARN = /^arn:aws[^:]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export function findKmsKey(
  keys: readonly KmsKey[],
  reference: string,
  region: string,
  account: string,
): KmsKeyLookup {
  const inRegion = keys.filter((k) => k.region === region);
  const hint =
    inRegion.length > 0
      ? `Keys of ${region}: ${inRegion.map((k) => [k.keyId, ...k.aliases].join(' or ')).join('; ')}.`
      : `No key of the config file's kmsKeys is in ${region}; add one there.`;
  const arn = KEY_ARN.exec(reference);
  let matches: KmsKey[];
  if (arn) {
    const [, arnRegion, arnAccount, kind, name] = arn;
    if (arnRegion !== region)
      return {
        problem: `'${reference}' is a key of ${arnRegion}, not of the distribution's region ${region}.`,
        hint,
      };
    matches = inRegion.filter(
      (k) =>
        k.accountId === arnAccount &&
        (kind === 'key' ? k.keyId === name : k.aliases.includes(`alias/${name}`)),
    );
  } else if (reference.startsWith('alias/')) {
    const named = inRegion.filter((k) => k.aliases.includes(reference));
    // The caller's own alias wins, as KMS resolves a bare alias in the caller's account.
    const own = named.filter((k) => k.accountId === account);
    matches = own.length > 0 ? own : named;
  } else {
    matches = inRegion.filter((k) => k.keyId === reference);
  }
  if (matches.length === 1) return { key: matches[0]! };
  if (matches.length > 1)
    return {
      problem: `'${reference}' names keys of several accounts in ${region}.`,
      hint: 'Use the key ARN.',
    };
  const elsewhere = keys.find(
    (k) => k.keyId === reference || k.aliases.includes(reference) || k.arn === reference,
  );
  return {
    problem: elsewhere
      ? `'${reference}' is a key of ${elsewhere.region}, not of the distribution's region ${region}.`
      : `'${reference}' is not a KMS key of this Kiln server.`,
    hint,
  };
}
