import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectPositionals, type FlagSpec, parseArgs, UsageError, usageText } from './args.js';

const SPEC: readonly FlagSpec[] = [
  { name: 'name', type: 'string', value: 'NAME', help: 'the name' },
  { name: 'json', type: 'boolean', help: 'json output' },
  { name: 'component', type: 'list', value: 'ARN', help: 'repeatable' },
];

test('parseArgs reads every form of flag and keeps positionals in order', () => {
  const cases: {
    args: string[];
    name?: string;
    json: boolean;
    component: string[];
    positionals: string[];
  }[] = [
    { args: [], json: false, component: [], positionals: [] },
    { args: ['--name', 'a'], name: 'a', json: false, component: [], positionals: [] },
    { args: ['--name=a=b'], name: 'a=b', json: false, component: [], positionals: [] },
    { args: ['x', '--json', 'y'], json: true, component: [], positionals: ['x', 'y'] },
    { args: ['--json=false'], json: false, component: [], positionals: [] },
    { args: ['--component', 'c1', '--component=c2'], json: false, component: ['c1', 'c2'], positionals: [] },
    { args: ['--', '--name', 'z'], json: false, component: [], positionals: ['--name', 'z'] },
    { args: ['-', '--name', '--json'], name: '--json', json: false, component: [], positionals: ['-'] },
  ];
  for (const c of cases) {
    const p = parseArgs(c.args, SPEC);
    assert.equal(p.string('name'), c.name, c.args.join(' '));
    assert.equal(p.boolean('json'), c.json, c.args.join(' '));
    assert.deepEqual(p.list('component'), c.component, c.args.join(' '));
    assert.deepEqual(p.positionals, c.positionals, c.args.join(' '));
  }
});

test('parseArgs rejects mistakes with a message naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--nmae', 'x'], /unknown option '--nmae'.*--name/],
    [['--name'], /--name needs a value \(NAME\)/],
    [['--name', 'a', '--name', 'b'], /--name was given twice/],
    [['--json=yes'], /--json takes no value/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseArgs(args, SPEC),
      (err: unknown) => err instanceof UsageError && message.test(err.message),
    );
  }
});

test('expectPositionals names what was expected', () => {
  assert.deepEqual(expectPositionals(parseArgs(['a'], SPEC), ['NAME']), ['a']);
  assert.throws(() => expectPositionals(parseArgs([], SPEC), ['NAME']), /expected NAME, got none/);
  assert.throws(() => expectPositionals(parseArgs(['a', 'b'], SPEC), []), /expected no arguments, got a b/);
});

test('usageText aligns the flags', () => {
  const text = usageText('kiln x', 'Does x.', SPEC);
  const want = [
    'Usage: kiln x',
    '',
    'Does x.',
    '',
    'Options:',
    '  --name NAME      the name',
    '  --json           json output',
    '  --component ARN  repeatable',
    '',
  ];
  assert.equal(text, want.join('\n'));
});
