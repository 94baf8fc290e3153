import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkLaunchPermission,
  imageLaunchableBy,
  launchDecision,
  type Organization,
  principalsOf,
} from './permission.js';

const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij';
const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34';
const ORGS: Organization[] = [
  { arn: ORG, accounts: ['111122223333', '444455556666'], units: [{ arn: OU, accounts: ['444455556666'] }] },
  {
    arn: 'arn:aws:organizations::999999999999:organization/o-zzzzzzzzzz',
    accounts: ['999999999999'],
    units: [
      {
        arn: 'arn:aws:organizations::999999999999:ou/o-zzzzzzzzzz/ou-zz12-zzzzzzzz',
        accounts: ['777777777777'],
      },
    ],
  },
];

describe('launch permissions', () => {
  it('names the principals of an account', () => {
    const table: [string, string[]][] = [
      ['111122223333', ['111122223333', 'all', ORG]],
      ['444455556666', ['444455556666', 'all', ORG, OU]],
      [
        '777777777777',
        [
          '777777777777',
          'all',
          'arn:aws:organizations::999999999999:organization/o-zzzzzzzzzz',
          'arn:aws:organizations::999999999999:ou/o-zzzzzzzzzz/ou-zz12-zzzzzzzz',
        ],
      ],
      ['555555555555', ['555555555555', 'all']],
    ];
    for (const [account, expected] of table) assert.deepEqual(principalsOf(account, ORGS), expected, account);
  });

  it('decides who may launch a copy', () => {
    const owner = '111111111111';
    const table: [string, object | undefined, string, 'owner' | 'granted' | 'denied'][] = [
      ['owner, no permission', undefined, owner, 'owner'],
      ['stranger, no permission', undefined, '222222222222', 'denied'],
      ['listed account', { userIds: ['222222222222'] }, '222222222222', 'granted'],
      ['other account listed', { userIds: ['333333333333'] }, '222222222222', 'denied'],
      ['public', { userGroups: ['all'] }, '555555555555', 'granted'],
      ['organization member', { organizationArns: [ORG] }, '444455556666', 'granted'],
      ['organization non-member', { organizationArns: [ORG] }, '555555555555', 'denied'],
      ['unit member', { organizationalUnitArns: [OU] }, '444455556666', 'granted'],
      ['org member outside the unit', { organizationalUnitArns: [OU] }, '111122223333', 'denied'],
      ['empty lists', { userIds: [], userGroups: [] }, '222222222222', 'denied'],
    ];
    for (const [name, launchPermission, account, expected] of table) {
      const copy = { accountId: owner, ...(launchPermission ? { launchPermission } : {}) };
      assert.equal(launchDecision(copy, account, ORGS), expected, name);
    }
  });

  it('shares an image through any of its distributed AMIs', () => {
    const body = {
      kilnLaunchPermissions: [
        {
          region: 'us-east-1',
          amiId: 'ami-0123456789abcdef0',
          launchPermission: { userIds: ['222222222222'] },
        },
        {
          region: 'eu-west-1',
          amiId: 'ami-0123456789abcdef1',
          launchPermission: { organizationalUnitArns: [OU] },
        },
      ],
      outputResources: {
        amis: [{ region: 'us-east-1', image: 'ami-0123456789abcdef2', accountId: '888888888888' }],
      },
    };
    const table: [string, boolean][] = [
      ['222222222222', true],
      ['444455556666', true],
      ['888888888888', true],
      ['333333333333', false],
      ['111122223333', false],
    ];
    for (const [account, expected] of table)
      assert.equal(imageLaunchableBy(body, account, ORGS), expected, account);
    assert.equal(imageLaunchableBy({}, '222222222222', ORGS), false);
  });

  it('validates a launch permission as written', () => {
    assert.deepEqual(checkLaunchPermission({ userIds: ['222222222222', '222222222222'], userGroups: [] }), {
      userIds: ['222222222222'],
    });
    const bad: [unknown, RegExp][] = [
      [[], /launchPermission/],
      [{ userIds: ['12'] }, /launchPermission\.userIds.*'12'/],
      [{ userGroups: ['everyone'] }, /userGroups/],
      [{ organizationArns: [OU] }, /organizationArns/],
      [{ organizationalUnitArns: [ORG] }, /organizationalUnitArns/],
      [{ accounts: [] }, /launchPermission\.accounts/],
      [{ userIds: '222222222222' }, /must be a list/],
    ];
    for (const [value, message] of bad)
      assert.throws(() => checkLaunchPermission(value), { name: 'InvalidParameterValueException', message });
  });
});
