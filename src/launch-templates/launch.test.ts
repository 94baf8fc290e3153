import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AmiRecord } from '../distribution/ami-store.js';
import { launchRefusal } from './launch.js';

const AMI: AmiRecord = {
  region: 'us-east-1',
  image: 'ami-00000000000000001',
  name: 'web',
  accountId: '111111111111',
  tags: {},
  manifestDigest: `sha256:${'0'.repeat(64)}`,
  imageArn: 'arn:aws:imagebuilder:us-east-1:111111111111:image/web/1.0.0/1',
  creationDate: '2024-01-01T00:00:00.000Z',
  launchPermission: { userIds: ['222222222222'] },
};

describe('launch refusals', () => {
  it('refuses strangers, disabled copies and disabled or deleted images', () => {
    const table: [string, Partial<AmiRecord>, string, string | undefined, string | undefined][] = [
      ['owner', {}, '111111111111', 'AVAILABLE', undefined],
      ['granted', {}, '222222222222', 'AVAILABLE', undefined],
      ['stranger', {}, '333333333333', 'AVAILABLE', 'ForbiddenException'],
      ['deprecated copy', { state: 'deprecated' }, '222222222222', 'DEPRECATED', undefined],
      ['disabled copy', { state: 'disabled' }, '111111111111', 'AVAILABLE', 'InvalidRequestException'],
      ['disabled image', {}, '222222222222', 'DISABLED', 'InvalidRequestException'],
      ['deleted image', {}, '111111111111', 'DELETED', 'InvalidRequestException'],
      ['image record gone', {}, '111111111111', undefined, undefined],
      ['stranger, disabled', { state: 'disabled' }, '333333333333', 'AVAILABLE', 'ForbiddenException'],
    ];
    for (const [name, change, account, status, expected] of table)
      assert.equal(launchRefusal({ ...AMI, ...change }, account, [], status)?.name, expected, name);
  });
});
