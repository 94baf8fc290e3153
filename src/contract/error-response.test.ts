import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError, notFound } from '../core/errors.js';
import { renderError } from './error-response.js';
import { validateInput } from './validate.js';

describe('renderError', () => {
  it('renders a KilnError with its name, status, header and body', () => {
    const arn = 'arn:aws:imagebuilder:us-east-1:123456789012:component/c/1.0.0/1';
    assert.deepEqual(renderError(notFound('component', arn)), {
      status: 404,
      headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException', 'content-type': 'application/json' },
      body: { __type: 'ResourceNotFoundException', message: `The component '${arn}' does not exist.` },
    });
    const quota = renderError(
      new KilnError('ServiceQuotaExceededException', 'Too many.', { hint: 'Delete some.' }),
    );
    assert.equal(quota.status, 402);
    assert.equal(quota.body.message, 'Too many. Delete some.');
  });

  it('renders validation errors as their exception', () => {
    let caught: unknown;
    try {
      validateInput('ListImages', { maxResults: 0 });
    } catch (err) {
      caught = err;
    }
    const r = renderError(caught);
    assert.equal(r.status, 400);
    assert.equal(r.body.__type, 'InvalidParameterValueException');
    assert.match(r.body.message, /^The value supplied for parameter 'maxResults' is not valid\./);
  });

  it('turns anything else into a ServiceException without a stack', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'arn')");
    const r = renderError(err);
    assert.equal(r.status, 500);
    assert.equal(r.headers['x-amzn-ErrorType'], 'ServiceException');
    assert.equal(r.body.__type, 'ServiceException');
    assert.match(r.body.message, /reading 'arn'/);
    assert.ok(!r.body.message.includes('    at '));
    assert.match(renderError(new Error('first\n    at x (file.ts:1:1)')).body.message, /first$/);
    assert.match(renderError({ weird: true }).body.message, /unknown error/);
  });
});
