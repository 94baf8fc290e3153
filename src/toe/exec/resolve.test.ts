import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loopIterations } from './loop-iter.js';
import { type ChainValues, resolveText, resolveValue } from './resolve.js';
import { documentVariables, parseParameterList } from './variables.js';

const chaining: ChainValues = {
  'build.Fetch': {
    inputs: [
      { source: 's3://b/k', destination: '/tmp/a' },
      { source: 's3://b/k2', destination: '/tmp/b' },
    ],
    listInputs: true,
    outputs: {},
  },
  'build.Echo': {
    inputs: [{ commands: ['echo 1'] }, { commands: ['echo 2'] }],
    listInputs: false,
    outputs: { stdout: '{{ Name }}', count: 3 },
  },
};
const variables = new Map([
  ['Name', 'kiln'],
  ['Dir', '/opt'],
]);

test('resolveText: chaining, then parameters, then loop variables; unknown stays verbatim', () => {
  const cases: [string, string, { name?: string; index: number; value: string } | undefined][] = [
    ['{{ build.Fetch.inputs[1].destination }}/x', '/tmp/b/x', undefined],
    ['{{build.Echo.inputs.commands}}', '["echo 2"]', undefined],
    ['n={{ build.Echo.outputs.count }}', 'n=3', undefined],
    // Chaining first: a chained value holding a parameter reference is then resolved (awstoe's order).
    ['{{ build.Echo.outputs.stdout }}', 'kiln', undefined],
    ['s3://b/{{ Dir }}/{{Name}}', 's3://b//opt/kiln', undefined],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable that must stay as written.
    ['{{ loop.value }} ${HOME} {{ .State }}', '{{ loop.value }} ${HOME} {{ .State }}', undefined],
    [
      '{{ loop.index }}:{{ loop.value }}:{{ fruit.value }}:{{ other.value }}',
      '2:pear:pear:{{ other.value }}',
      { name: 'fruit', index: 2, value: 'pear' },
    ],
    [
      '{{ build.Missing.outputs.stdout }} {{ Undefined }}',
      '{{ build.Missing.outputs.stdout }} {{ Undefined }}',
      undefined,
    ],
  ];
  for (const [text, want, loop] of cases) {
    assert.equal(resolveText(text, { variables, chaining, ...(loop ? { loop } : {}) }), want, text);
  }
});

test('resolveValue resolves every string in maps and lists and keeps other scalars', () => {
  const value = { a: ['{{ Name }}', 1, true], b: { c: '{{ Dir }}' }, d: null };
  assert.deepEqual(resolveValue(value, { variables, chaining }), {
    a: ['kiln', 1, true],
    b: { c: '/opt' },
    d: null,
  });
});

test('loopIterations: inclusive for ranges both ways, forEach lists, delimited lists read once', () => {
  const id = (s: string) => s.replace('{{ X }}', 'a,b');
  const values = (l: Parameters<typeof loopIterations>[0]) => loopIterations(l, id).map((i) => i.value);
  assert.deepEqual(values({ kind: 'for', start: 1, end: 5, updateBy: 2 }), ['1', '3', '5']);
  assert.deepEqual(values({ kind: 'for', start: 1, end: 6, updateBy: 2 }), ['1', '3', '5']);
  assert.deepEqual(values({ kind: 'for', start: 2, end: -2, updateBy: -2 }), ['2', '0', '-2']);
  assert.deepEqual(values({ kind: 'for', start: 4, end: 4, updateBy: 1 }), ['4']);
  assert.deepEqual(values({ kind: 'forEach', items: ['x', '{{ X }}'] }), ['x', 'a,b']);
  assert.deepEqual(values({ kind: 'forEachDelimited', list: '{{ X }},c', delimiter: ',' }), ['a', 'b', 'c']);
  assert.deepEqual(values({ kind: 'forEachDelimited', list: '', delimiter: ',' }), []);
  assert.deepEqual(loopIterations({ kind: 'forEach', items: ['p'], name: 'n' }, id), [
    { name: 'n', index: 0, value: 'p' },
  ]);
});

test('documentVariables: supplied beats default, unknown names ignored, missing and disallowed values reported', () => {
  const doc = {
    parameters: [
      { name: 'Given', type: 'string' as const, default: 'd' },
      { name: 'Default', type: 'string' as const, default: 'dflt' },
      { name: 'Required', type: 'string' as const },
      { name: 'Level', type: 'string' as const, default: 'low', allowedValues: ['low', 'high'] },
    ],
    constants: [{ name: 'Const', type: 'string' as const, value: 'c' }],
  };
  const ok = documentVariables(doc, { Given: 'g', Required: 'r', Other: 'ignored' });
  assert.deepEqual(Object.fromEntries(ok.variables), {
    Given: 'g',
    Default: 'dflt',
    Required: 'r',
    Level: 'low',
    Const: 'c',
  });
  assert.deepEqual(ok.problems, []);
  const bad = documentVariables(doc, { Level: 'medium' });
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0] ?? '', /'Required' has no default and no value was given/);
  assert.match(bad.problems[1] ?? '', /'medium', not one of its allowedValues \(low, high\)/);
});

test('parseParameterList: k=v pairs, = inside values, empty values rejected', () => {
  assert.deepEqual(parseParameterList('a=1,b=x=y'), { a: '1', b: 'x=y' });
  assert.deepEqual(parseParameterList(''), {});
  assert.throws(() => parseParameterList('a='), /parameter 'a' has no value/);
  assert.throws(() => parseParameterList('=v'), /no parameter name/);
});
