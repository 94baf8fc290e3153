import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import type { DistributionEnvironment } from './environment.js';
import { findKmsKey } from './kms-keys.js';
import { preflightDistributions } from './preflight.js';

const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34';
const KEY = {
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  arn: 'arn:aws:kms:us-west-2:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  region: 'us-west-2',
  accountId: '000000000000',
  aliases: ['alias/golden'],
  keyFile: '/dev/null',
};
/** A key of a region whose store is a registry, where encryption at rest does not apply. */
const EU_KEY = {
  keyId: 'eu-key',
  arn: 'arn:aws:kms:eu-west-1:000000000000:key/eu-key',
  region: 'eu-west-1',
  accountId: '000000000000',
  aliases: [],
  keyFile: '/dev/null',
};
const ENV: DistributionEnvironment = {
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  regionStores: {
    'us-east-1': { type: 'directory', path: '/d/use1' },
    'us-west-2': { type: 'directory', path: '/d/usw2' },
    'eu-west-1': { type: 'registry', url: '127.0.0.1:5001', tlsVerify: false },
  },
  kmsKeys: [KEY, EU_KEY],
  organizations: [
    {
      arn: ORG,
      accounts: ['111122223333', '444455556666'],
      units: [{ arn: OU, accounts: ['444455556666'] }],
    },
  ],
  accounts: new Set(['000000000000', '111122223333', '444455556666']),
};
const OPTIONS = {
  account: '000000000000',
  buildRegion: 'us-east-1',
  sample: { buildDate: Date.UTC(2024, 0, 2), buildVersion: 1 },
};
const ami = (a: Record<string, unknown>, region = 'us-west-2') => [
  { region, amiDistributionConfiguration: a },
];

describe('preflightDistributions', () => {
  it('plans a full configuration', () => {
    const [d] = preflightDistributions(
      [
        {
          region: 'us-west-2',
          amiDistributionConfiguration: {
            name: 'web-{{imagebuilder:buildDate}}',
            amiTags: { team: 'a' },
            kmsKeyId: 'alias/golden',
            targetAccountIds: ['111122223333', '000000000000'],
            launchPermission: { userIds: ['444455556666'], organizationArns: [ORG] },
          },
          launchTemplateConfigurations: [
            { launchTemplateId: 'lt-0123456789abcdef0', setDefaultVersion: true },
          ],
          ssmParameterConfigurations: [{ parameterName: '/golden/ami', amiAccountId: '111122223333' }],
        },
      ],
      ENV,
      OPTIONS,
    );
    assert.deepEqual(d?.store, { type: 'directory', path: '/d/usw2' });
    assert.equal(d?.ami?.kmsKey?.keyId, KEY.keyId);
    assert.deepEqual(d?.ami?.targetAccountIds, ['111122223333'], 'the own account gets its copy anyway');
    assert.deepEqual(d?.ami?.launchPermission, { userIds: ['444455556666'], organizationArns: [ORG] });
    assert.deepEqual(d?.launchTemplates, [
      { launchTemplateId: 'lt-0123456789abcdef0', accountId: '000000000000', setDefaultVersion: true },
    ]);
    assert.ok(Object.isFrozen(d) && Object.isFrozen(d?.ami));
    const [registry] = preflightDistributions(
      ami({ name: 'web-{{imagebuilder:buildDate}}' }, 'eu-west-1'),
      ENV,
      OPTIONS,
    );
    assert.equal(registry?.store.type, 'registry');
  });

  it('defaults to the build region without a configuration', () => {
    assert.deepEqual(
      preflightDistributions(undefined, ENV, OPTIONS).map((d) => d.region),
      ['us-east-1'],
    );
  });

  const bad: [string, unknown, string, RegExp][] = [
    [
      'unknown region',
      [{ region: 'eu-west-9' }],
      'distributions[0].region',
      /not a region of this Kiln server/,
    ],
    [
      'repeated region',
      [{ region: 'us-east-1' }, { region: 'us-east-1' }],
      'distributions[1].region',
      /repeats/,
    ],
    [
      'unknown key',
      ami({ kmsKeyId: 'alias/nope' }),
      'distributions[0].amiDistributionConfiguration.kmsKeyId',
      /not a KMS key/,
    ],
    [
      'key of another region',
      ami({ kmsKeyId: KEY.keyId }, 'us-east-1'),
      'distributions[0].amiDistributionConfiguration.kmsKeyId',
      /key of us-west-2/,
    ],
    [
      'key on a registry region',
      ami({ kmsKeyId: 'eu-key' }, 'eu-west-1'),
      'distributions[0].amiDistributionConfiguration.kmsKeyId',
      /applies to directory stores; eu-west-1 stores its artifacts in the registry 127\.0\.0\.1:5001/,
    ],
    [
      'unknown target account',
      ami({ targetAccountIds: ['999999999999'] }),
      'distributions[0].amiDistributionConfiguration.targetAccountIds[0]',
      /not known/,
    ],
    [
      'bad account id',
      ami({ targetAccountIds: ['12'] }),
      'distributions[0].amiDistributionConfiguration.targetAccountIds[0]',
      /12-digit/,
    ],
    [
      'unknown organization',
      ami({
        launchPermission: {
          organizationArns: ['arn:aws:organizations::111122223333:organization/o-zzzzzzzzzz'],
        },
      }),
      'distributions[0].amiDistributionConfiguration.launchPermission.organizationArns[0]',
      /not an organization/,
    ],
    [
      'bad user group',
      ami({ launchPermission: { userGroups: ['everyone'] } }),
      'distributions[0].amiDistributionConfiguration.launchPermission.userGroups[0]',
      /not valid/,
    ],
    [
      'unknown variable',
      ami({ name: 'x-{{imagebuilder:nope}}' }),
      'distributions[0].amiDistributionConfiguration.name',
      /unknown variable/,
    ],
    ['name too short', ami({ name: 'ab' }), 'distributions[0].amiDistributionConfiguration.name', /3 to 127/],
    [
      'colon in name',
      ami({ name: 'web:{{imagebuilder:buildVersion}}' }),
      'distributions[0].amiDistributionConfiguration.name',
      /has ':'/,
    ],
    [
      'launch template account',
      [
        {
          region: 'us-east-1',
          launchTemplateConfigurations: [
            { launchTemplateId: 'lt-0123456789abcdef0', accountId: '999999999999' },
          ],
        },
      ],
      'distributions[0].launchTemplateConfigurations[0].accountId',
      /not known/,
    ],
    [
      'launch template id',
      [{ region: 'us-east-1', launchTemplateConfigurations: [{ launchTemplateId: 'lt-1' }] }],
      'distributions[0].launchTemplateConfigurations[0].launchTemplateId',
      /launch template id/,
    ],
    [
      'parameter of an account without a copy',
      [
        {
          region: 'us-east-1',
          ssmParameterConfigurations: [{ parameterName: '/p', amiAccountId: '111122223333' }],
        },
      ],
      'distributions[0].ssmParameterConfigurations[0].amiAccountId',
      /gets no copy/,
    ],
    [
      'bad repository',
      [
        {
          region: 'us-east-1',
          containerDistributionConfiguration: { targetRepository: { service: 'ECR', repositoryName: 'A B' } },
        },
      ],
      'distributions[0].containerDistributionConfiguration.targetRepository.repositoryName',
      /repository name/,
    ],
    [
      'export format',
      [
        {
          region: 'us-east-1',
          s3ExportConfiguration: { roleName: 'r', s3Bucket: 'b', diskImageFormat: 'QCOW2' },
        },
      ],
      'distributions[0].s3ExportConfiguration.diskImageFormat',
      /RAW, VMDK or VHD/,
    ],
    [
      'unknown member',
      [{ region: 'us-east-1', amiDistributionConfiguration: { nmae: 'x' } }],
      'distributions[0].amiDistributionConfiguration.nmae',
      /not a member/,
    ],
  ];
  for (const [name, distributions, member, message] of bad) {
    it(`refuses: ${name}`, () => {
      assert.throws(
        () => preflightDistributions(distributions, ENV, OPTIONS),
        (err: unknown) => {
          assert.ok(err instanceof KilnError);
          assert.ok(err.message.includes(`'${member}'`), err.message);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('refuses Windows-only fast launch as not supported', () => {
    assert.throws(
      () =>
        preflightDistributions(
          [{ region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true }] }],
          ENV,
          OPTIONS,
        ),
      /distributions\[0\]\.fastLaunchConfigurations' is a Windows-only setting .* does not support it/,
    );
  });
});

describe('findKmsKey', () => {
  const cases: [string, string, string | undefined][] = [
    ['key id', KEY.keyId, KEY.keyId],
    ['alias', 'alias/golden', KEY.keyId],
    ['key ARN', KEY.arn, KEY.keyId],
    ['alias ARN', 'arn:aws:kms:us-west-2:000000000000:alias/golden', KEY.keyId],
    ['ARN of another region', 'arn:aws:kms:us-east-1:000000000000:key/x', undefined],
    ['unknown alias', 'alias/other', undefined],
  ];
  for (const [name, reference, keyId] of cases)
    it(name, () => {
      const found = findKmsKey([KEY], reference, 'us-west-2', '000000000000');
      assert.equal('key' in found ? found.key.keyId : undefined, keyId);
    });
});
