import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import { readInput } from './request.js';

const none = new URLSearchParams();

describe('readInput', () => {
  it('reads query-string members of GET and DELETE operations without a body', () => {
    const arn = 'arn:aws:imagebuilder:us-east-1:123456789012:image/my-img/1.0.0/1';
    const query = new URLSearchParams(`imageBuildVersionArn=${encodeURIComponent(arn)}&other=1`);
    assert.deepEqual(readInput('GetImage', { query, pathParams: {}, body: undefined }), {
      imageBuildVersionArn: arn,
    });
    assert.deepEqual(readInput('DeleteImage', { query: none, pathParams: {}, body: '' }), {});
  });

  it('ignores a body on operations that have no body members, even a broken one', () => {
    assert.deepEqual(readInput('GetImage', { query: none, pathParams: {}, body: '{nope' }), {});
  });

  it('collects repeated keys into list members and takes URI labels', () => {
    const query = new URLSearchParams('tagKeys=a%20b&tagKeys=c');
    const input = readInput('UntagResource', {
      query,
      pathParams: { resourceArn: 'arn:x' },
      body: undefined,
    });
    assert.deepEqual(input, { resourceArn: 'arn:x', tagKeys: ['a b', 'c'] });
  });

  it('takes the body for the rest, keeping only modeled members', () => {
    const body = JSON.stringify({
      name: 'x',
      semanticVersion: '1.0.0',
      futureMember: true,
      tags: { a: 'b' },
    });
    assert.deepEqual(readInput('CreateComponent', { query: none, pathParams: {}, body }), {
      name: 'x',
      semanticVersion: '1.0.0',
      tags: { a: 'b' },
    });
  });

  it('takes path members from the path only, not from the body', () => {
    const body = Buffer.from(JSON.stringify({ resourceArn: 'arn:from-body', tags: { k: 'v' } }));
    const input = readInput('TagResource', {
      query: none,
      pathParams: { resourceArn: 'arn:from-path' },
      body,
    });
    assert.deepEqual(input, { resourceArn: 'arn:from-path', tags: { k: 'v' } });
  });

  it('accepts an already parsed body and treats an empty one as {}', () => {
    assert.deepEqual(readInput('ListImages', { query: none, pathParams: {}, body: { owner: 'Self' } }), {
      owner: 'Self',
    });
    assert.deepEqual(readInput('ListImages', { query: none, pathParams: {}, body: '  ' }), {});
    assert.deepEqual(readInput('ListImages', { query: none, pathParams: {}, body: 'null' }), {});
  });

  const bad: [body: unknown, message: RegExp][] = [
    ['{"name": ', /not valid JSON/],
    ['[1, 2]', /must be a JSON object.*an array/],
    ['"text"', /must be a JSON object.*a string/],
    [42, /must be a JSON object.*a number/],
  ];
  for (const [body, message] of bad) {
    it(`rejects the body ${JSON.stringify(body)} with InvalidRequestException`, () => {
      assert.throws(
        () => readInput('ListImages', { query: none, pathParams: {}, body }),
        (err: unknown) =>
          err instanceof KilnError && err.code === 'InvalidRequestException' && message.test(err.message),
      );
    });
  }
});
