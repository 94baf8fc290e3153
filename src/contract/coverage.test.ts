import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { IMPLEMENTED_OPERATIONS, OPERATION_NOTES, operationStatus, renderApiCoverage } from './coverage.js';

const model = JSON.parse(readFileSync(new URL('./imagebuilder-model.json', import.meta.url), 'utf8')) as {
  operations: Record<string, { http: { method: string; requestUri: string } }>;
};
const modelOps = Object.keys(model.operations).sort();

describe('API coverage', () => {
  it('gives every model operation exactly one status, and names no other operation', () => {
    assert.equal(modelOps.length, 77);
    const implemented = new Set(IMPLEMENTED_OPERATIONS);
    assert.equal(implemented.size, IMPLEMENTED_OPERATIONS.length, 'duplicate in IMPLEMENTED_OPERATIONS');
    for (const name of [...implemented, ...Object.keys(OPERATION_NOTES)])
      assert.ok(model.operations[name], name);
    for (const name of modelOps) {
      const noted = Object.hasOwn(OPERATION_NOTES, name);
      assert.notEqual(implemented.has(name), noted, `${name} needs exactly one of: implemented, a note`);
    }
  });

  it('lists every operation with its method and path', () => {
    const page = renderApiCoverage();
    for (const name of modelOps) {
      const { method, requestUri } = model.operations[name]!.http;
      assert.ok(page.includes(`| ${name} | \`${method} ${requestUri}\` | ${operationStatus(name)} |`), name);
    }
  });

  it('docs/api-coverage.md equals renderApiCoverage() (regenerate it with the command in coverage.ts)', () => {
    const doc = readFileSync(new URL('../../docs/api-coverage.md', import.meta.url), 'utf8');
    assert.equal(doc, renderApiCoverage());
  });
});
