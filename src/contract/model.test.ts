import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  codePointLength,
  compilePattern,
  idempotencyTokenMember,
  OPERATION_NAMES,
  OPERATIONS,
  operation,
  shape,
  timestampInputToMs,
  translateJavaRegex,
} from './model.js';

const modelText = readFileSync(new URL('./imagebuilder-model.json', import.meta.url), 'utf8');

describe('contract model', () => {
  it('holds the 77 operations with method, path and shapes', () => {
    assert.equal(OPERATION_NAMES.length, 77);
    assert.deepEqual(operation('CreateComponent').http, { method: 'PUT', requestUri: '/CreateComponent' });
    assert.equal(operation('ListImages').pagination?.resultKey, 'imageVersionList');
    assert.equal(operation('ListImages').pagination?.limitKey, 'maxResults');
    for (const name of OPERATION_NAMES) {
      const op = OPERATIONS[name]!;
      assert.equal(shape(op.input).type, 'structure', name);
      assert.equal(shape(op.output).type, 'structure', name);
      for (const e of op.errors) assert.ok(shape(e).error?.httpStatusCode, `${name}: ${e}`);
    }
  });

  it('carries locations, constraints and idempotency tokens but no documentation', () => {
    assert.ok(!modelText.includes('"documentation"'));
    assert.deepEqual(shape('UntagResourceRequest').members?.tagKeys, {
      location: 'querystring',
      locationName: 'tagKeys',
      shape: 'TagKeyList',
    });
    assert.equal(shape('TagMap').key, 'TagKey');
    assert.equal(shape('RestrictedInteger').max, 25);
    assert.equal(idempotencyTokenMember('CreateComponent'), 'clientToken');
    assert.equal(idempotencyTokenMember('GetComponent'), undefined);
  });

  it('is written with sorted keys (regeneration is deterministic)', () => {
    const unsorted: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (Array.isArray(v)) {
        for (const [i, e] of v.entries()) walk(e, `${path}[${i}]`);
      } else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.join('\0') !== [...keys].sort().join('\0')) unsorted.push(path);
        for (const k of keys) walk((v as Record<string, unknown>)[k], `${path}.${k}`);
      }
    };
    walk(JSON.parse(modelText), '$');
    assert.deepEqual(unsorted, []);
  });

  it('compiles every model pattern', () => {
    const model = JSON.parse(modelText) as { shapes: Record<string, { pattern?: string }> };
    const patterns = Object.values(model.shapes).flatMap((s) => (s.pattern ? [s.pattern] : []));
    assert.ok(patterns.length > 50);
    for (const p of patterns) assert.ok(compilePattern(p) instanceof RegExp, p);
  });
});

describe('compilePattern', () => {
  const cases: [pattern: string, value: string, matches: boolean][] = [
    ['[^\\x00]+', 'abc', true],
    ['[^\\x00]+', 'a\u0000b', false],
    ['[^\\x00]+', '', false],
    ['^String|Integer|Boolean|StringList$', 'StringList', true],
    ['^String|Integer|Boolean|StringList$', 'Stringx', false],
    ['^String|Integer|Boolean|StringList$', 'xInteger', false],
    ['optional|required', 'required', true],
    ['optional|required', 'optionally', false],
    ['^(?!aws:)[a-zA-Z0-9\\s_.:/=+\\-@]*$', 'my key', true],
    ['^(?!aws:)[a-zA-Z0-9\\s_.:/=+\\-@]*$', 'aws:x', false],
    // Java's \s is ASCII whitespace only; a no-break space is not one.
    ['^(?!aws:)[a-zA-Z0-9\\s_.:/=+\\-@]*$', 'a\u00a0b', false],
    ['^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$', 'my-recipe 1', true],
    ['^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$', 'ab.', false],
    ['[a-zA-Z0-9]{2,}(?:\\/[a-zA-Z0-9-_+]+)*', 'Etc/UTC', true],
    ['[a-zA-Z0-9]{2,}(?:\\/[a-zA-Z0-9-_+]+)*', 'Etc/UTC ', false],
  ];
  for (const [pattern, value, matches] of cases) {
    it(`${pattern} ${matches ? 'matches' : 'rejects'} ${JSON.stringify(value)}`, () => {
      assert.equal(compilePattern(pattern).test(value), matches);
    });
  }

  it('translates \\s inside and outside classes and refuses \\p', () => {
    assert.equal(translateJavaRegex('[a\\s]'), '[a \\t\\n\\x0B\\f\\r]');
    assert.equal(translateJavaRegex('a\\sb'), 'a[ \\t\\n\\x0B\\f\\r]b');
    assert.equal(translateJavaRegex('\\.\\-'), '\\.\\-');
    assert.throws(() => translateJavaRegex('\\p{Alpha}'), /needs a translation/);
  });
});

describe('helpers', () => {
  it('counts code points', () => {
    assert.equal(codePointLength('abc'), 3);
    assert.equal(codePointLength('a😀b'), 3);
    assert.equal(codePointLength('é'), 1);
    assert.equal(codePointLength('\ud800'), 1);
  });

  it('reads request timestamps as epoch seconds', () => {
    assert.equal(timestampInputToMs(1735689600), 1735689600000);
    assert.equal(timestampInputToMs('1735689600.5'), 1735689600500);
    assert.equal(timestampInputToMs('soon'), undefined);
    assert.equal(timestampInputToMs(''), undefined);
  });

  it('rejects unknown names', () => {
    assert.throws(() => operation('MakeCoffee'), /unknown Image Builder operation/);
    assert.throws(() => shape('Nope'), /unknown Image Builder shape/);
  });
});
