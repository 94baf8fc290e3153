import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/store.js';
import {
  addLaunchTemplateVersion,
  createLaunchTemplate,
  createLaunchTemplateVersion,
  deleteLaunchTemplate,
  deleteLaunchTemplateVersion,
  getLaunchTemplate,
  inUseByLaunchTemplates,
  listLaunchTemplates,
  setDefaultVersion,
} from './library.js';

const A = { account: '111111111111', region: 'us-east-1' };
const B = { account: '222222222222', region: 'us-east-1' };
const AMI1 = 'ami-00000000000000001';
const AMI2 = 'ami-00000000000000002';

describe('launch templates in the store', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-lt-'));
    store = await openSqliteStore(dir);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, versions, defaults and deletes', async () => {
    const t = await createLaunchTemplate(store, A, { launchTemplateName: 'web', imageId: AMI1 }, 1000);
    assert.match(t.launchTemplateId, /^lt-[0-9a-f]{17}$/);
    assert.equal(t.versions[0]?.instanceType, 'kiln.small');
    await assert.rejects(createLaunchTemplate(store, A, { launchTemplateName: 'web', imageId: AMI2 }, 1001), {
      name: 'ResourceAlreadyExistsException',
    });
    // Names are per account: another account may use the same one.
    await createLaunchTemplate(store, B, { launchTemplateName: 'web', imageId: AMI2 }, 1002);
    const v2 = await createLaunchTemplateVersion(store, A, 'web', { imageId: AMI2 }, 2000);
    assert.equal(v2.latestVersionNumber, 2);
    assert.equal(v2.defaultVersionNumber, 1);
    await setDefaultVersion(store, A, t.launchTemplateId, 2, 3000);
    const got = await getLaunchTemplate(store, A, 'web');
    assert.equal(got.defaultVersionNumber, 2);
    assert.equal(got.launchTemplateId, t.launchTemplateId);
    await assert.rejects(deleteLaunchTemplateVersion(store, A, 'web', 2, 4000), {
      name: 'InvalidRequestException',
    });
    assert.deepEqual(
      (await deleteLaunchTemplateVersion(store, A, 'web', 1, 4000)).versions.map((v) => v.versionNumber),
      [2],
    );
    await assert.rejects(getLaunchTemplate(store, B, t.launchTemplateId), {
      name: 'ResourceNotFoundException',
    });
    assert.deepEqual(
      (await listLaunchTemplates(store, A)).map((x) => x.launchTemplateName),
      ['web'],
    );
    await deleteLaunchTemplate(store, A, 'web');
    await assert.rejects(getLaunchTemplate(store, A, 'web'), { name: 'ResourceNotFoundException' });
    await deleteLaunchTemplate(store, B, 'web');
  });

  it('adds distribution versions to the given account’s templates and reports default images', async () => {
    const a = await createLaunchTemplate(store, A, { launchTemplateName: 'app', imageId: AMI1 }, 1);
    const b = await createLaunchTemplate(
      store,
      { account: B.account, region: 'eu-west-1' },
      { launchTemplateName: 'app', imageId: AMI1, instanceType: 'kiln.large' },
      1,
    );
    const added = await addLaunchTemplateVersion(store, 5, {
      ...A,
      launchTemplateId: a.launchTemplateId,
      amiId: AMI2,
      setDefault: false,
    });
    assert.deepEqual(added, { launchTemplateId: a.launchTemplateId, versionNumber: 2 });
    // Another account's template only when that account is the one given.
    await assert.rejects(
      addLaunchTemplateVersion(store, 5, {
        ...A,
        launchTemplateId: b.launchTemplateId,
        amiId: AMI2,
        setDefault: true,
      }),
      { name: 'ResourceNotFoundException' },
    );
    assert.deepEqual(
      await addLaunchTemplateVersion(store, 6, {
        account: B.account,
        region: 'eu-west-1',
        launchTemplateId: b.launchTemplateId,
        amiId: AMI2,
        setDefault: true,
      }),
      { launchTemplateId: b.launchTemplateId, versionNumber: 2 },
    );
    const bNow = await getLaunchTemplate(store, { account: B.account, region: 'eu-west-1' }, 'app');
    assert.equal(bNow.versions[1]?.instanceType, 'kiln.large', 'settings come from the default version');
    assert.deepEqual([...(await inUseByLaunchTemplates(store))].sort(), [
      `eu-west-1/${AMI2}`,
      `us-east-1/${AMI1}`,
    ]);
  });
});
