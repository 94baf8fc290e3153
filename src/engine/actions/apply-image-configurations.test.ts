import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getParameter } from '../../service/parameters.js';
import { openSqliteStore } from '../../store/sqlite/open.js';
import { checkConfigurations } from './apply-image-configurations.js';
import { checkSsmParameterTarget, parameterStoreOf, writeImageParameter } from './image-parameters.js';

test('configurations: SSM parameter targets and deferred targets, per region', () => {
  const [c] = checkConfigurations([
    {
      region: 'us-east-1',
      ssmParameterConfigurations: [{ parameterName: '/golden/latest', dataType: 'aws:ec2:image' }],
      launchTemplateConfigurations: [{ launchTemplateId: 'lt-0123456789abcdef0' }],
      s3ExportConfiguration: { roleName: 'r', diskImageFormat: 'RAW', s3Bucket: 'b' },
      licenseConfigurationArns: ['arn:aws:license-manager:us-east-1:1:license-configuration:lic-1'],
    },
  ]);
  assert.deepEqual(
    c?.targets.map((t) => (t.kind === 'ssmParameter' ? t.target.parameterName : t.label)),
    [
      '/golden/latest',
      'launch template lt-0123456789abcdef0',
      'S3 export to b',
      'license configuration arn:aws:license-manager:us-east-1:1:license-configuration:lic-1',
    ],
  );
});

test('bad configurations name the field', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /must be a non-empty list/],
    [[{ ssmParameterConfigurations: [] }], /\[0\]\.region is required/],
    [[{ region: 'r' }], /\[0\] configures nothing/],
    [
      [{ region: 'r', amiDistributionConfiguration: {} }],
      /amiDistributionConfiguration is not an image configuration/,
    ],
    [
      [{ region: 'r', ssmParameterConfigurations: [{}] }],
      /ssmParameterConfigurations\[0\]\.parameterName 'undefined'/,
    ],
  ];
  for (const [value, message] of cases) assert.throws(() => checkConfigurations(value), message);
  const target: [unknown, RegExp][] = [
    [{ parameterName: 'a/b' }, /starts with '\/'/],
    [{ parameterName: '/aws/x' }, /reserved/],
    [{ parameterName: '/x', dataType: 'string' }, /dataType 'string' is not text or aws:ec2:image/],
    [{ parameterName: '/x', amiAccountId: '12' }, /not a 12-digit account id/],
    [{ parameterName: '/x', overwrite: true }, /overwrite is not a member/],
  ];
  for (const [value, message] of target) assert.throws(() => checkSsmParameterTarget(value, 'w'), message);
  assert.deepEqual(checkSsmParameterTarget({ parameterName: 'plain' }, 'w'), {
    parameterName: 'plain',
    dataType: 'text',
  });
});

test('an image id written into the parameter store adds a version readable by GetParameter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-image-parameters-'));
  const store = await openSqliteStore(dir);
  try {
    const writer = parameterStoreOf(store);
    assert.ok(writer, 'a Store can write parameters');
    assert.equal(parameterStoreOf({ getDocument: store.getDocument.bind(store) }), undefined);
    const where = { account: '123456789012', region: 'us-east-1', now: 1000, description: 'image x' };
    const target = checkSsmParameterTarget(
      { parameterName: '/golden/latest', dataType: 'aws:ec2:image' },
      'w',
    );
    assert.equal(await writeImageParameter(writer, where, target, 'ami-0123456789abcdef0'), 1);
    assert.equal(await writeImageParameter(writer, where, target, 'ami-00000000000000001'), 2);
    const read = await getParameter(
      { store },
      { account: '123456789012', region: 'us-east-1' } as never,
      '/golden/latest',
    );
    assert.deepEqual([read.value, read.type, read.version], ['ami-00000000000000001', 'aws:ec2:image', 2]);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
