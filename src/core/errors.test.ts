import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CATALOG, KilnError, wrapError } from './errors.js';
import { renderErrorsDoc } from './errors-doc.js';

describe('error catalog', () => {
  it('docs/errors.md is generated from the catalog', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    assert.equal(
      doc,
      renderErrorsDoc(),
      'regenerate with: npx tsx -e "import(\'./src/core/errors-doc.ts\').then(m=>process.stdout.write(m.renderErrorsDoc()))" > docs/errors.md',
    );
  });

  it('client mistakes are never 5xx or 429', () => {
    for (const [name, e] of Object.entries(ERROR_CATALOG)) {
      if (/Service|RateLimit|TooMany/.test(name)) continue;
      assert.ok(e.status >= 400 && e.status < 429, `${name} has status ${e.status}`);
    }
  });

  it('keeps the hint in the message and the cause chained', () => {
    const cause = new Error('EACCES');
    const err = new KilnError('InvalidRequestException', 'Bad thing.', { hint: 'Do this.', cause });
    assert.equal(err.message, 'Bad thing. Do this.');
    assert.equal(err.status, 400);
    assert.equal(err.cause, cause);
    const wrapped = wrapError('saving build state to /x', cause);
    assert.equal(wrapped.code, 'ServiceException');
    assert.equal(wrapped.message, 'saving build state to /x: EACCES');
    assert.equal(wrapError('again', err), err, 'a KilnError passes through unchanged');
  });
});
