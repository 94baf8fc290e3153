import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVersionPattern } from '../../core/semver.js';
import type { DocumentRecord, ResourceRecord } from '../../store/store.js';
import { PARAMETER_KIND, parameterId } from './parameter-record.js';
import {
  newestAvailable,
  type ParentScope,
  parentIdentity,
  resolveImageReference,
} from './resolve-parent.js';

const OWNER = '111111111111';
const OTHER = '222222222222';
const REGION = 'us-east-1';

function image(
  account: string,
  version: string,
  build: number,
  status = 'AVAILABLE',
  policy?: string,
): ResourceRecord {
  return {
    arn: `arn:aws:imagebuilder:${REGION}:${account}:image/base/${version}/${build}`,
    account,
    region: REGION,
    type: 'image',
    nameKey: 'base',
    versionKey: version
      .split('.')
      .map((n) => n.padStart(10, '0'))
      .join('.'),
    build,
    latestBuild: false,
    body: { state: { status } },
    tags: {},
    policy,
    dateCreated: 0,
    dateUpdated: 0,
  };
}

const records = [
  image(OWNER, '1.0.0', 1),
  image(OWNER, '1.2.0', 1),
  image(OWNER, '1.2.0', 2),
  image(OWNER, '1.3.0', 1, 'FAILED'),
  image(OWNER, '2.0.0', 1),
  image(OTHER, '1.0.0', 1, 'AVAILABLE', 'shared'),
];

test('newestAvailable: highest matching version, then build; only AVAILABLE', () => {
  const cases: [string, string | undefined][] = [
    ['x.x.x', '2.0.0/1'],
    ['1.x.x', '1.2.0/2'],
    ['1.3.x', undefined],
    ['1.0.x', '1.0.0/1'],
  ];
  for (const [pattern, want] of cases) {
    const got = newestAvailable(
      records.filter((r) => r.account === OWNER),
      parseVersionPattern(pattern),
    );
    assert.equal(got?.arn.split('/base/')[1], want, pattern);
  }
});

const docs = new Map<string, DocumentRecord>();
const scope = (account: string): ParentScope => ({
  lookup: {
    getResource: async (arn) => records.find((r) => r.arn === arn),
    findByName: async (s, name) => records.filter((r) => r.account === s.account && r.nameKey === name),
    getDocument: async (kind, id) => (kind === PARAMETER_KIND ? docs.get(id) : undefined),
  },
  account,
  region: REGION,
  dataDir: '/nonexistent',
  cacheDir: '/nonexistent',
  access: (r, caller) => r.account === caller || r.policy === 'shared',
});

const param = (name: string, value: string) =>
  docs.set(parameterId(OWNER, REGION, name), {
    kind: PARAMETER_KIND,
    id: parameterId(OWNER, REGION, name),
    account: OWNER,
    region: REGION,
    parent: '',
    status: 'ACTIVE',
    sortKey: name,
    body: { name, value, type: 'aws:ec2:image', version: 3, lastModified: 0 },
    createdAt: 0,
    updatedAt: 0,
  });

test('image ARNs resolve to what the caller may use; ssm: parameters are followed and recorded', async () => {
  const own = `arn:aws:imagebuilder:${REGION}:${OWNER}:image/base/1.x.x`;
  assert.match((await resolveImageReference(own, scope(OWNER))).record.arn, /1\.2\.0\/2$/);
  // another account sees only what the image policy shares
  await assert.rejects(resolveImageReference(own, scope(OTHER)), /matches no AVAILABLE image build/);
  const shared = `arn:aws:imagebuilder:${REGION}:${OTHER}:image/base/x.x.x`;
  assert.match(
    (await resolveImageReference(shared, scope(OWNER))).record.arn,
    /222222222222:image\/base\/1\.0\.0\/1$/,
  );
  await assert.rejects(
    resolveImageReference(`arn:aws:imagebuilder:${REGION}:${OWNER}:image/base/1.3.0/1`, scope(OWNER)),
    /FAILED, not AVAILABLE/,
  );
  param('/base', own);
  const viaSsm = await resolveImageReference('ssm:/base', scope(OWNER));
  assert.match(viaSsm.record.arn, /1\.2\.0\/2$/);
  assert.deepEqual(viaSsm.via, [`ssm:/base = ${own} (version 3)`]);
  await assert.rejects(resolveImageReference('ssm:/missing', scope(OWNER)), /does not exist/);
  await assert.rejects(
    resolveImageReference('ubuntu:22.04', scope(OWNER)),
    /not a parent Kiln can build from/,
  );
  param('/loop', 'ssm:/loop');
  await assert.rejects(resolveImageReference('ssm:/loop', scope(OWNER)), /not an image id or image ARN/);
});

test('parentIdentity: the build an image reference resolves to; ssm: needs the scope', async () => {
  const s = scope(OWNER);
  const identity = parentIdentity({ lookup: s.lookup, dataDir: s.dataDir, cacheDir: s.cacheDir });
  const arn = `arn:aws:imagebuilder:${REGION}:${OWNER}:image/base/x.x.x`;
  assert.match(String(await identity.identify(arn)), /2\.0\.0\/1$/);
  assert.equal(await identity.identify('ssm:/base'), undefined);
  assert.match(
    String(await identity.identify('ssm:/base', undefined, { account: OWNER, region: REGION })),
    /1\.2\.0\/2$/,
  );
});
