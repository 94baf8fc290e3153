import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkInstanceType,
  checkTemplateName,
  checkVersionData,
  checkVersionNumber,
  type LaunchTemplate,
  withDefault,
  withNewVersion,
  withoutVersion,
} from './model.js';

const T0: LaunchTemplate = {
  launchTemplateId: 'lt-0123456789abcdef0',
  launchTemplateName: 'web',
  accountId: '111111111111',
  region: 'us-east-1',
  createTime: '2024-01-01T00:00:00.000Z',
  defaultVersionNumber: 1,
  latestVersionNumber: 1,
  versions: [
    {
      versionNumber: 1,
      versionDescription: 'first',
      imageId: 'ami-00000000000000001',
      instanceType: 'kiln.small',
      createTime: '2024-01-01T00:00:00.000Z',
    },
  ],
};

describe('launch template model', () => {
  it('validates names, types, numbers and version data', () => {
    assert.equal(checkTemplateName('web/prod_(1).x'), 'web/prod_(1).x');
    for (const bad of ['ab', 'a b c', 'x'.repeat(129), 7])
      assert.throws(() => checkTemplateName(bad), /launchTemplateName/);
    assert.equal(checkInstanceType('kiln.large'), 'kiln.large');
    assert.throws(() => checkInstanceType('kiln.vm.small'), /VM type.*kiln\.micro/);
    assert.throws(() => checkInstanceType('t3.micro'), /not a Kiln instance type/);
    assert.equal(checkVersionNumber('3'), 3);
    for (const bad of [0, -1, 1.5, 'x', '']) assert.throws(() => checkVersionNumber(bad), /version number/);
    assert.throws(() => checkVersionData({}, true), /imageId/);
    assert.throws(() => checkVersionData({ imageId: 'img-1' }, false), /imageId.*ami-/);
    assert.deepEqual(checkVersionData({ instanceType: 'kiln.micro' }, false), { instanceType: 'kiln.micro' });
  });

  it('adds versions from the default or a source version', () => {
    const t1 = withNewVersion(T0, { imageId: 'ami-00000000000000002' }, 'now');
    assert.equal(t1.latestVersionNumber, 2);
    assert.equal(t1.defaultVersionNumber, 1);
    assert.deepEqual(t1.versions[1], {
      versionNumber: 2,
      versionDescription: 'first',
      imageId: 'ami-00000000000000002',
      instanceType: 'kiln.small',
      createTime: 'now',
    });
    const t2 = withNewVersion(withDefault(t1, 2), { instanceType: 'kiln.large' }, 'later', 1);
    assert.equal(t2.versions[2]?.imageId, 'ami-00000000000000001');
    assert.equal(t2.versions[2]?.instanceType, 'kiln.large');
    const t3 = withNewVersion(withDefault(t1, 2), { versionDescription: 'third' }, 'later');
    assert.equal(t3.versions[2]?.imageId, 'ami-00000000000000002', 'from the default version');
    assert.throws(() => withNewVersion(T0, {}, 'now', 9), /sourceVersion.*no version 9/);
    assert.throws(() => withDefault(T0, 2), /no version 2/);
  });

  it('deletes versions but never the default one, and never reuses numbers', () => {
    const t = withNewVersion(withNewVersion(T0, {}, 'a'), {}, 'b');
    assert.throws(() => withoutVersion(t, 1), {
      name: 'InvalidRequestException',
      message: /default version/,
    });
    const gone = withoutVersion(t, 3);
    assert.deepEqual(
      gone.versions.map((v) => v.versionNumber),
      [1, 2],
    );
    assert.equal(withNewVersion(gone, {}, 'c').latestVersionNumber, 4);
  });
});
