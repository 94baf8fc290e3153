import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeOutput, serializeShape } from './serialize.js';

const MS = Date.UTC(2020, 1, 14, 19, 46, 16, 904);
const ISO = '2020-02-14T19:46:16.904Z';

describe('serializeOutput', () => {
  it('writes DateTime members as ISO strings (Component.dateCreated)', () => {
    for (const given of [MS, new Date(MS), ISO]) {
      const out = serializeOutput('GetComponent', { component: { name: 'c', dateCreated: given } });
      assert.deepEqual(out, { component: { name: 'c', dateCreated: ISO } });
    }
  });

  it('writes DateTimeTimestamp members as epoch seconds (LifecyclePolicy.dateCreated)', () => {
    for (const given of [MS, new Date(MS), ISO]) {
      const out = serializeOutput('GetLifecyclePolicy', {
        lifecyclePolicy: { dateCreated: given, dateUpdated: 1000 },
      });
      assert.deepEqual(out, { lifecyclePolicy: { dateCreated: MS / 1000, dateUpdated: 1 } });
    }
  });

  it('converts times inside lists and nested structures', () => {
    const out = serializeOutput('ListImages', {
      imageVersionList: [{ arn: 'a', dateCreated: MS }, { arn: 'b' }],
      nextToken: undefined,
    });
    assert.deepEqual(out, { imageVersionList: [{ arn: 'a', dateCreated: ISO }, { arn: 'b' }] });
    const summary = serializeOutput('ListImageBuildVersions', {
      imageSummaryList: [
        { deprecationTime: MS, dateCreated: MS, state: { status: 'AVAILABLE', reason: null } },
      ],
    });
    assert.deepEqual(summary, {
      imageSummaryList: [{ deprecationTime: MS / 1000, dateCreated: ISO, state: { status: 'AVAILABLE' } }],
    });
  });

  it('drops undefined and null members, keeps falsy values and empty maps', () => {
    const out = serializeOutput('GetComponent', {
      requestId: 'r',
      component: {
        description: undefined,
        kmsKeyId: null,
        encrypted: false,
        tags: {},
        supportedOsVersions: [],
      },
    });
    assert.deepEqual(out, {
      requestId: 'r',
      component: { encrypted: false, tags: {}, supportedOsVersions: [] },
    });
    assert.deepEqual(serializeOutput('ListTagsForResource', { tags: { a: 'b', gone: null } }), {
      tags: { a: 'b' },
    });
    assert.deepEqual(serializeOutput('TagResource', {}), {});
  });

  it('passes members the model does not know through untouched', () => {
    const extra = { when: MS, nested: { dateCreated: MS } };
    const out = serializeOutput('GetComponent', { component: { name: 'c' }, kilnExtra: extra }) as Record<
      string,
      unknown
    >;
    assert.equal(out.kilnExtra, extra);
  });

  it('leaves values it cannot read as times alone', () => {
    const out = serializeOutput('GetLifecyclePolicy', { lifecyclePolicy: { dateCreated: 'later' } });
    assert.deepEqual(out, { lifecyclePolicy: { dateCreated: 'later' } });
  });

  it('serializes a single shape', () => {
    assert.deepEqual(serializeShape('LifecycleExecution', { startTime: 2000, endTime: null }), {
      startTime: 2,
    });
  });
});
