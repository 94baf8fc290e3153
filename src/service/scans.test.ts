import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, findingKey, pageAt, severityCounts } from './scans.js';

const row = (image: string, id: string, severity: string) => ({
  awsAccountId: '111',
  imageBuildVersionArn: image,
  imagePipelineArn: 'arn:p',
  severity,
  packageVulnerabilityDetails: { vulnerabilityId: id },
});
const rows = [
  row('arn:i1', 'CVE-1', 'HIGH'),
  row('arn:i1', 'CVE-2', 'CRITICAL'),
  row('arn:i2', 'CVE-1', 'LOW'),
];

test('pageAt: pages and the next offset while more remain', () => {
  assert.deepEqual(pageAt([1, 2, 3, 4, 5], 0, 2), { page: [1, 2], next: 2 });
  assert.deepEqual(pageAt([1, 2, 3, 4], 2, 2), { page: [3, 4] });
  assert.deepEqual(pageAt([], 0, 25), { page: [] });
});

test('findingKey reads the vulnerability id from its details', () => {
  assert.equal(findingKey(rows[0]!, 'vulnerabilityId'), 'CVE-1');
  assert.equal(findingKey(rows[0]!, 'severity'), 'HIGH');
  assert.equal(findingKey(rows[0]!, 'nothing'), undefined);
});

test('severityCounts counts all, critical, high, medium', () => {
  assert.deepEqual(severityCounts(rows), { all: 3, critical: 1, high: 1, medium: 0 });
});

test('aggregate: the account without a filter, else one aggregation per value', () => {
  assert.deepEqual(aggregate(rows, '111'), {
    aggregationType: 'accountId',
    responses: [
      {
        accountAggregation: { accountId: '111', severityCounts: { all: 3, critical: 1, high: 1, medium: 0 } },
      },
    ],
  });
  assert.deepEqual(
    aggregate(rows, '111', { name: 'vulnerabilityId', values: ['CVE-1', 'CVE-9'] }).responses,
    [
      {
        vulnerabilityIdAggregation: {
          vulnerabilityId: 'CVE-1',
          severityCounts: { all: 2, critical: 0, high: 1, medium: 0 },
        },
      },
      {
        vulnerabilityIdAggregation: {
          vulnerabilityId: 'CVE-9',
          severityCounts: { all: 0, critical: 0, high: 0, medium: 0 },
        },
      },
    ],
  );
  assert.deepEqual(aggregate(rows, '111', { name: 'imagePipelineArn', values: ['arn:p'] }).responses, [
    {
      imagePipelineAggregation: {
        imagePipelineArn: 'arn:p',
        severityCounts: { all: 3, critical: 1, high: 1, medium: 0 },
      },
    },
  ]);
  assert.throws(() => aggregate(rows, '111', { name: 'severity', values: ['HIGH'] }), /filter\.name/);
});
