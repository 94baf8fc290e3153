import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchGranteesOf } from './grants.js';
import { openSqliteStore } from './sqlite/open.js';
import type { ResourceRecord, Store } from './store.js';

const image = (account: string, name: string, body: Record<string, unknown>, policy?: string) =>
  ({
    arn: `arn:aws:imagebuilder:us-east-1:${account}:image/${name}/1.0.0/1`,
    account,
    region: 'us-east-1',
    type: 'image',
    nameKey: name,
    versionKey: '000001.000000.000000',
    build: 1,
    body,
    tags: {},
    policy,
    dateCreated: 1,
    dateUpdated: 1,
  }) satisfies Omit<ResourceRecord, 'latestBuild'>;

const share = (userIds: string[]) => ({
  kilnLaunchPermissions: [
    { region: 'us-east-1', amiId: 'ami-00000000000000001', launchPermission: { userIds } },
  ],
});

describe('launch grants', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-grants-'));
    store = await openSqliteStore(dir);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads grantees from launch permissions and target-account copies', () => {
    assert.deepEqual(
      launchGranteesOf({
        kilnLaunchPermissions: [
          { launchPermission: { userIds: ['2'], userGroups: ['all'], organizationArns: ['o'] } },
          { launchPermission: { organizationalUnitArns: ['u'], other: ['x'] } },
          'junk',
        ],
        outputResources: { amis: [{ accountId: '3' }, { image: 'ami-1' }] },
      }),
      ['2', '3', 'all', 'o', 'u'],
    );
    assert.deepEqual(launchGranteesOf({ name: 'component' }), []);
  });

  it('lists rows shared by policy or by a launch grant, and follows updates and deletes', async () => {
    const granted = image('111111111111', 'granted', share(['222222222222']));
    const other = image('111111111111', 'other', share(['333333333333']));
    const policy = image('111111111111', 'policy', {}, '{"Statement":[]}');
    const own = image('222222222222', 'own', share(['222222222222']));
    for (const r of [granted, other, policy, own]) await store.insert(r, []);
    const names = async (grantees?: string[]) =>
      (await store.listWithPolicies({ region: 'us-east-1', type: 'image' }, '222222222222', grantees)).map(
        (r) => r.nameKey,
      );
    assert.deepEqual(await names(), ['policy']);
    assert.deepEqual(await names(['222222222222', 'all']), ['granted', 'policy']);
    await store.update(other.arn, { body: share(['222222222222']) });
    await store.update(granted.arn, { body: {} });
    assert.deepEqual(await names(['222222222222', 'all']), ['other', 'policy']);
    await store.delete(other.arn);
    assert.deepEqual(await names(['222222222222', 'all']), ['policy']);
  });
});
