import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDistributedImages } from './ami-records.js';
import { checkImageAttributes, mergePermissions } from './modify-image-attributes.js';

const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34';

test('distributedImages: Kiln and AWS shapes; failed distributions are left out', () => {
  assert.deepEqual(
    parseDistributedImages(
      [
        { region: 'us-east-1', image: 'ami-0123456789abcdef0', accountId: '123456789012', name: 'n' },
        { region: 'eu-west-1', amiId: 'ami-00000000000000001', status: 'Completed' },
        { region: 'eu-west-2', amiId: 'ami-00000000000000002', status: 'Failed' },
      ],
      'X',
    ),
    [
      { region: 'us-east-1', amiId: 'ami-0123456789abcdef0', accountId: '123456789012', name: 'n' },
      { region: 'eu-west-1', amiId: 'ami-00000000000000001' },
    ],
  );
  assert.throws(() => parseDistributedImages('ami-1', 'X'), /X input 'distributedImages' must be a list/);
  assert.throws(() => parseDistributedImages([{ region: 'r' }], 'X'), /\[0\] needs a region and an ami- id/);
});

test('launch permissions are validated and merged per region', () => {
  const attributes = checkImageAttributes([
    { region: 'us-east-1', launchPermission: { userIds: ['111122223333'], organizationArns: [ORG] } },
    {
      region: 'us-east-1',
      launchPermission: { userIds: ['111122223333', '444455556666'], userGroups: ['all'] },
    },
    { region: 'eu-west-1', launchPermission: { organizationalUnitArns: [OU] } },
  ]);
  assert.deepEqual(mergePermissions(attributes, 'us-east-1'), {
    userIds: ['111122223333', '444455556666'],
    organizationArns: [ORG],
    userGroups: ['all'],
  });
  assert.deepEqual(mergePermissions(attributes, 'eu-west-1'), { organizationalUnitArns: [OU] });
});

test('bad attributes name the field', () => {
  const cases: [unknown, RegExp][] = [
    [[], /must be a non-empty list/],
    [[{ launchPermission: {} }], /\[0\]\.region is required/],
    [[{ region: 'r' }], /\[0\]\.launchPermission is required/],
    [[{ region: 'r', launchPermission: {}, description: 'x' }], /\[0\]\.description is not an attribute/],
    [
      [{ region: 'r', launchPermission: { userIds: ['12'] } }],
      /userIds: '12' is not valid \(e\.g\. 111122223333\)/,
    ],
    [[{ region: 'r', launchPermission: { userGroups: ['admins'] } }], /userGroups: 'admins' is not valid/],
    [[{ region: 'r', launchPermission: { organizationArns: ['o-1'] } }], /organizationArns: 'o-1'/],
    [[{ region: 'r', launchPermission: { organizationalUnitArns: [ORG] } }], /organizationalUnitArns/],
    [
      [{ region: 'r', launchPermission: { groups: ['all'] } }],
      /launchPermission\.groups is not a launch permission member/,
    ],
    [[{ region: 'r', launchPermission: { userIds: '111122223333' } }], /must be a list/],
  ];
  for (const [value, message] of cases) assert.throws(() => checkImageAttributes(value), message);
});
