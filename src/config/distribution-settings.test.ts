import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import { renderConfigDocs } from './docs.js';
import { loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-dist-config-'));
let files = 0;
const load = (yaml: string) => {
  const file = join(dir, `kiln-${++files}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ env: { KILN_CONFIG: file }, cwd: '/' });
};

const FULL = `
dataDir: data
regions: [us-east-1, us-west-2, eu-west-1]
regionStores:
  us-west-2: { type: directory, path: usw2 }
  eu-west-1: { type: registry, url: 127.0.0.1:5001, tlsVerify: false }
kmsKeys:
  - keyId: 1234abcd-12ab-34cd-56ef-1234567890ab
    region: us-west-2
    aliases: [alias/golden]
  - keyId: other
    accountId: '111122223333'
    keyFile: keys/other.key
organizations:
  - arn: arn:aws:organizations::111122223333:organization/o-abcdefghij
    accounts: ['111122223333', '444455556666']
    units:
      - arn: arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34
        accounts: ['444455556666']
`;

describe('regionStores, kmsKeys and organizations', () => {
  it('reads them, with a store for every region and keys in DATA_DIR/kms by default', () => {
    const config = load(FULL);
    assert.deepEqual(config.regionStores, {
      'us-east-1': { type: 'directory', path: join(dir, 'data', 'regions', 'us-east-1') },
      'us-west-2': { type: 'directory', path: join(dir, 'usw2') },
      'eu-west-1': { type: 'registry', url: '127.0.0.1:5001', tlsVerify: false },
    });
    assert.deepEqual(config.kmsKeys, [
      {
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        arn: 'arn:aws:kms:us-west-2:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        region: 'us-west-2',
        accountId: '000000000000',
        aliases: ['alias/golden'],
        keyFile: join(dir, 'data', 'kms', '1234abcd-12ab-34cd-56ef-1234567890ab.key'),
      },
      {
        keyId: 'other',
        arn: 'arn:aws:kms:us-east-1:111122223333:key/other',
        region: 'us-east-1',
        accountId: '111122223333',
        aliases: [],
        keyFile: join(dir, 'keys', 'other.key'),
      },
    ]);
    assert.equal(config.organizations[0]?.units[0]?.accounts[0], '444455556666');
    assert.ok(Object.isFrozen(config.regionStores) && Object.isFrozen(config.kmsKeys[0]));
    assert.ok(Object.isFrozen(config.organizations[0]?.units));
  });

  it('loads the example of docs/config.md', () => {
    const example = [...renderConfigDocs().matchAll(/```yaml\n([\s\S]*?)```/g)][1]?.[1];
    assert.ok(example);
    const config = load(example);
    assert.equal(config.regionStores['eu-west-1']?.type, 'registry');
    assert.equal(config.kmsKeys[0]?.aliases[0], 'alias/golden');
  });

  const errors: [string, string, RegExp[]][] = [
    [
      'store of an unknown region',
      'regionStores:\n  eu-north-1: {type: directory}\n',
      [/regionStores\.eu-north-1/, /not one of the regions/, /line 2/],
    ],
    [
      'store type',
      'regionStores:\n  us-east-1: {type: s3}\n',
      [/regionStores\.us-east-1\.type/, /'s3' is not a store type/],
    ],
    [
      'registry url with a scheme',
      'regionStores:\n  us-east-1: {type: registry, url: "http://x:5000"}\n',
      [/regionStores\.us-east-1\.url/, /host\[:port\]/],
    ],
    [
      'tlsVerify',
      'regionStores:\n  us-east-1: {url: "x:1", tlsVerify: maybe}\n',
      [/tlsVerify/, /true or false/],
    ],
    ['stores not a map', 'regionStores: [a]\n', [/regionStores/, /expected a map/]],
    [
      'key region',
      'kmsKeys:\n  - {keyId: k, region: eu-west-1}\n',
      [/kmsKeys\[0\]\.region/, /not one of the regions/],
    ],
    ['key id', 'kmsKeys:\n  - {keyId: "a b"}\n', [/kmsKeys\[0\]\.keyId/, /letters, digits and dashes/]],
    ['key twice', 'kmsKeys:\n  - {keyId: k}\n  - {keyId: k}\n', [/kmsKeys\[1\]\.keyId/, /listed twice/]],
    ['alias', 'kmsKeys:\n  - {keyId: k, aliases: [golden]}\n', [/kmsKeys\[0\]\.aliases/, /alias\/NAME/]],
    [
      'alias twice',
      'kmsKeys:\n  - {keyId: k, aliases: [alias/a]}\n  - {keyId: l, aliases: [alias/a]}\n',
      [/kmsKeys\[1\]\.aliases/, /already names/],
    ],
    ['key field', 'kmsKeys:\n  - {keyId: k, material: x}\n', [/kmsKeys\[0\]\.material/, /unknown field/]],
    [
      'organization arn',
      'organizations:\n  - {arn: o-abcdefghij}\n',
      [/organizations\[0\]\.arn/, /not an organization ARN/],
    ],
    [
      'unit outside',
      "organizations:\n  - arn: arn:aws:organizations::111122223333:organization/o-abcdefghij\n    accounts: ['111122223333']\n    units: [{arn: 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34', accounts: ['444455556666']}]\n",
      [/organizations\[0\]\.units\[0\]\.accounts/, /not a member/],
    ],
    [
      'unit of another organization',
      "organizations:\n  - arn: arn:aws:organizations::111122223333:organization/o-abcdefghij\n    units: [{arn: 'arn:aws:organizations::111122223333:ou/o-zzzzzzzzzz/ou-ab12-cdefgh34'}]\n",
      [/units\[0\]\.arn/, /belongs to o-zzzzzzzzzz/],
    ],
    [
      'member accounts',
      'organizations:\n  - {arn: "arn:aws:organizations::111122223333:organization/o-abcdefghij", accounts: [12]}\n',
      [/organizations\[0\]\.accounts/, /12-digit/],
    ],
  ];
  for (const [name, yaml, patterns] of errors)
    it(`refuses: ${name}`, () => {
      assert.throws(
        () => load(yaml),
        (err: unknown) => {
          assert.ok(err instanceof KilnError, String(err));
          for (const p of patterns) assert.match(err.message, p);
          return true;
        },
      );
    });
});
