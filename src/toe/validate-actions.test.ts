import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputMap, Platform } from './model.js';
import { assertProblem, assertValid, assertWarning, type ProblemCase, stepsDoc } from './testing.js';

/** One step `A` running `action` with `inputs` (YAML flow or block text). */
function step(action: string, inputs?: string, extra = ''): string {
  const lines = [`- name: A`, `  action: ${action}`];
  if (extra) lines.push(`  ${extra}`);
  if (inputs !== undefined) lines.push(`  inputs: ${inputs}`);
  return stepsDoc(lines.join('\n'));
}

const P = 'phases[0].steps[0]';

const invalid: ProblemCase[] = [
  {
    name: 'S3Download empty list',
    text: step('S3Download', '[]'),
    path: `${P}.inputs`,
    message: "Action S3Download has no inputs; it requires an 'inputs'",
  },
  {
    name: 'S3Download no inputs',
    text: step('S3Download'),
    path: P,
    message: "Action S3Download has no inputs; it requires an 'inputs'",
  },
  {
    name: 'ExecuteBash no inputs',
    text: step('ExecuteBash'),
    path: P,
    message: "Action ExecuteBash has no inputs; it requires an 'inputs'",
  },
  {
    name: 'ExecuteBash inputs as list',
    text: step('ExecuteBash', '[{commands: [x]}]'),
    path: `${P}.inputs`,
    message: 'takes a map of inputs',
  },
  {
    name: 'ExecuteBash commands missing',
    text: step('ExecuteBash', '{}'),
    path: `${P}.inputs`,
    message: "ExecuteBash needs input 'commands'",
  },
  {
    name: 'ExecuteBash commands empty',
    text: step('ExecuteBash', '{commands: }'),
    path: `${P}.inputs.commands`,
    message: "'commands' is empty",
  },
  {
    name: 'commands as a string',
    text: step('ExecuteBash', '{commands: echo hi}'),
    path: `${P}.inputs.commands`,
    message: 'must be a list of strings',
  },
  {
    name: 'unquoted {{ as a list item',
    text: step('ExecuteBash', '\n    commands:\n      - {{ build.X.outputs.stdout }}'),
    path: `${P}.inputs.commands[0]`,
    message: "quote it: '{{ ... }}'",
  },
  {
    name: 'S3Download inputs as map',
    text: step('S3Download', '{source: s3://b/k, destination: /tmp/k}'),
    path: `${P}.inputs`,
    message: 'takes a list of input items',
  },
  {
    name: 'S3Download item not a map',
    text: step('S3Download', '[s3://b/k]'),
    path: `${P}.inputs[0]`,
    message: 'must be a map',
  },
  {
    name: 'S3Download source scheme',
    text: step('S3Download', '[{source: /tmp/k, destination: /tmp/x}]'),
    path: `${P}.inputs[0].source`,
    message: "must start with 's3://'",
  },
  {
    name: 'S3Download destination missing',
    text: step('S3Download', '[{source: s3://b/k}]'),
    path: `${P}.inputs[0]`,
    message: "S3Download needs input 'destination'",
  },
  {
    name: 'S3Upload destination scheme',
    text: step('S3Upload', '[{source: /tmp/k, destination: /tmp/x}]'),
    path: `${P}.inputs[0].destination`,
    message: "must start with 's3://'",
  },
  {
    name: 'bool field',
    text: step('S3Download', '[{source: s3://b/k, destination: /x, overwrite: maybe}]'),
    path: `${P}.inputs[0].overwrite`,
    message: 'must be true or false',
  },
  {
    name: 'string field given a list',
    text: step('DeleteFile', '[{path: [a, b]}]'),
    path: `${P}.inputs[0].path`,
    message: 'must be a string; got a list',
  },
  {
    name: 'permissions not octal',
    text: step('SetFilePermissions', '[{path: /x, permissions: 999}]'),
    path: `${P}.inputs[0].permissions`,
    message: 'octal mode digits',
  },
  {
    name: 'permissions boolean',
    text: step('CreateFolder', '[{path: /x, permissions: true}]'),
    path: `${P}.inputs[0].permissions`,
    message: 'octal mode digits',
  },
  {
    name: 'permissions words',
    text: step('SetFolderPermissions', "[{path: /x, permissions: 'rwx'}]"),
    path: `${P}.inputs[0].permissions`,
    message: 'octal mode digits',
  },
  {
    name: 'encoding unknown',
    text: step('CreateFile', '[{path: /x, encoding: latin1}]'),
    path: `${P}.inputs[0].encoding`,
    message: 'one of utf8, utf-8',
  },
  {
    name: 'ReadFile encoding unknown',
    text: step('ReadFile', '[{path: /x, encoding: ascii}]'),
    path: `${P}.inputs[0].encoding`,
    message: 'case-insensitive',
  },
  {
    name: 'WebDownload checksum without algorithm',
    text: step('WebDownload', '[{source: "https://x/y", destination: /tmp/, checksum: abc}]'),
    path: `${P}.inputs[0].checksum`,
    message: "'checksum' needs 'algorithm' too",
  },
  {
    name: 'WebDownload algorithm without checksum',
    text: step('WebDownload', '[{source: "https://x/y", destination: /tmp/, algorithm: MD5}]'),
    path: `${P}.inputs[0].algorithm`,
    message: "'algorithm' needs 'checksum' too",
  },
  {
    name: 'WebDownload algorithm unknown',
    text: step('WebDownload', '[{source: "https://x/y", destination: /tmp/, checksum: a, algorithm: MD4}]'),
    path: `${P}.inputs[0].algorithm`,
    message: 'one of MD5, SHA1, SHA256, SHA512',
  },
  {
    name: 'WebDownload source scheme',
    text: step('WebDownload', '[{source: "ftp://x/y", destination: /tmp/}]'),
    path: `${P}.inputs[0].source`,
    message: "'http://' or 'https://'",
  },
  {
    name: 'ExecutePowerShell both',
    text: step('ExecutePowerShell', '{commands: [x], file: a.ps1}'),
    platform: 'Windows',
    path: `${P}.inputs.file`,
    message: "either 'commands' or 'file', not both",
  },
  {
    name: 'ExecutePowerShell neither',
    text: step('ExecutePowerShell', '{}'),
    platform: 'Windows',
    path: `${P}.inputs`,
    message: "needs one of 'commands' or 'file'",
  },
  {
    name: 'ExecuteBinary path missing',
    text: step('ExecuteBinary', '{arguments: [a]}'),
    path: `${P}.inputs`,
    message: "ExecuteBinary needs input 'path'",
  },
  {
    name: 'ExecuteDocument parameters shape',
    text: step('ExecuteDocument', '{document: a.yaml, parameters: {a: b}}'),
    path: `${P}.inputs.parameters`,
    message: "a list of '- name: x / value: y' items",
  },
  {
    name: 'ExecuteDocument parameter name',
    text: step('ExecuteDocument', '{document: a.yaml, parameters: [{value: b}]}'),
    path: `${P}.inputs.parameters[0]`,
    message: "needs a non-empty 'name'",
  },
  {
    name: 'Reboot delaySeconds',
    text: step('Reboot', '{delaySeconds: soon}'),
    path: `${P}.inputs.delaySeconds`,
    message: 'must be a whole number',
  },
  {
    name: 'SetRegistry type',
    text: step('SetRegistry', '[{path: "HKLM:\\\\x", name: n, value: 1, type: STRING}]'),
    platform: 'Windows',
    path: `${P}.inputs[0].type`,
    message: 'one of BINARY, DWORD',
  },
  {
    name: 'InstallMSI reboot',
    text: step('InstallMSI', '{path: a.msi, reboot: Maybe}'),
    platform: 'Windows',
    path: `${P}.inputs.reboot`,
    message: 'one of Allow, Force, Skip',
  },
  {
    name: 'InstallMSI properties',
    text: step('InstallMSI', '{path: a.msi, properties: [a]}'),
    platform: 'Windows',
    path: `${P}.inputs.properties`,
    message: 'a map of names to values',
  },
  {
    name: 'CreateSymlink target missing',
    text: step('CreateSymlink', '[{path: /a}]'),
    path: `${P}.inputs[0]`,
    message: "needs input 'target'",
  },
  {
    name: 'SetFileOwner owner missing',
    text: step('SetFileOwner', '[{path: /a}]'),
    path: `${P}.inputs[0]`,
    message: "needs input 'owner'",
  },
  {
    name: 'UpdateOS include not a list',
    text: step('UpdateOS', '{include: vim}'),
    path: `${P}.inputs.include`,
    message: 'must be a list of strings',
  },
];

const WINDOWS_ONLY: [string, string][] = [
  ['ExecutePowerShell', '{commands: [x]}'],
  ['InstallMSI', '{path: a.msi}'],
  ['UninstallMSI', '{path: a.msi}'],
  ['SetRegistry', '[{path: "HKLM:\\\\x", name: n, value: v, type: SZ}]'],
];
const NOT_WINDOWS: [string, string][] = [
  ['ExecuteBash', '{commands: [x]}'],
  ['CreateSymlink', '[{path: /a, target: /b}]'],
  ['SetFileOwner', '[{path: /a, owner: root}]'],
  ['SetFolderOwner', '[{path: /a, owner: root}]'],
  ['SetFilePermissions', '[{path: /a, permissions: 644}]'],
  ['SetFolderPermissions', '[{path: /a, permissions: 755}]'],
];

describe('action inputs', () => {
  for (const c of invalid) it(c.name, () => assertProblem(c));

  it('accepts modules that take no inputs', () => {
    assertValid('Reboot', step('Reboot'));
    assertValid('UpdateOS', step('UpdateOS'));
    assertValid('UpdateOS on Windows', step('UpdateOS'), 'Windows');
  });

  it('normalises string fields to the text as written', () => {
    const r = assertValid(
      'normalise',
      step(
        'CreateFile',
        "[{path: /a, permissions: 0777, owner: 1000, overwrite: 'false'}, {path: /b, permissions: '0640', overwrite: Yes}]",
      ),
    );
    assert.ok(r.ok);
    const [first, second] = r.document.phases[0]?.steps[0]?.inputs as readonly InputMap[];
    assert.deepEqual(first, { path: '/a', permissions: '0777', owner: '1000', overwrite: false });
    assert.deepEqual(second, { path: '/b', permissions: '0640', overwrite: true });
  });

  it('accepts every documented encoding in any case', () => {
    for (const e of ['utf8', 'UTF-8', 'utf16-LE', 'UTF-16-be', 'utf-32', 'utf32-BE']) {
      assertValid(e, step('SetFileEncoding', `[{path: /a, encoding: ${e}}]`));
    }
  });

  it('accepts WebDownload with checksum and algorithm', () => {
    assertValid(
      'checksum',
      step('WebDownload', '[{source: "https://x/y", destination: /tmp/, checksum: abc, algorithm: sha256}]'),
    );
  });

  it('accepts references where a typed value is expected', () => {
    const head = 'parameters:\n  - Mode:\n      type: string\n      default: "0755"';
    const text = stepsDoc(
      "- name: A\n  action: SetFilePermissions\n  inputs: [{path: /a, permissions: '{{ Mode }}'}]",
      head,
    );
    assertValid('reference', text);
  });

  for (const [action, inputs] of WINDOWS_ONLY) {
    it(`${action} is Windows-only`, () => {
      assertProblem({
        name: action,
        text: step(action, inputs),
        platform: 'Linux',
        path: `${P}.action`,
        message: `action ${action} is Windows-only; it cannot be used in a Linux document`,
      });
      assertValid(action, step(action, inputs), 'Windows');
    });
  }
  for (const [action, inputs] of NOT_WINDOWS) {
    it(`${action} is rejected on Windows`, () => {
      assertProblem({
        name: action,
        text: step(action, inputs),
        platform: 'Windows',
        path: `${P}.action`,
        message: `action ${action} is not supported on Windows (only Linux and macOS)`,
      });
      for (const platform of ['Linux', 'macOS'] as Platform[])
        assertValid(action, step(action, inputs), platform);
    });
  }
  it('UpdateOS is rejected on macOS', () => {
    assertProblem({
      name: 'UpdateOS',
      text: step('UpdateOS'),
      platform: 'macOS',
      path: `${P}.action`,
      message: 'not supported on macOS',
    });
  });

  it('rejects owner, group and permissions on Windows CreateFile', () => {
    const text = step('CreateFile', "[{path: 'C:\\a.txt', owner: me, group: us, permissions: '0644'}]");
    for (const key of ['owner', 'group', 'permissions']) {
      assertProblem({
        name: key,
        text,
        platform: 'Windows',
        path: `${P}.inputs[0].${key}`,
        message: `'${key}' is not supported for CreateFile on Windows`,
      });
    }
    assertValid('Linux CreateFile', text, 'Linux');
  });

  it('warns about unknown input keys', () => {
    assertWarning({
      name: 'force',
      text: step('DeleteFile', '[{path: /a, force: true}]'),
      path: `${P}.inputs[0].force`,
      message: "unknown input 'force' for DeleteFile is ignored (known: path)",
    });
  });

  it('warns about owner on Windows CreateFolder', () => {
    assertWarning({
      name: 'folder',
      text: step('CreateFolder', '[{path: a, owner: me}]'),
      platform: 'Windows',
      path: `${P}.inputs[0].owner`,
      message: 'no effect on Windows',
    });
  });

  it('ExecuteDocument runs without a time limit and once', () => {
    const r = assertValid(
      'doc',
      step('ExecuteDocument', '{document: a.yaml, phases: build, parameters: [{name: p, value: v}]}'),
    );
    assert.ok(r.ok);
    const s = r.document.phases[0]?.steps[0];
    assert.equal(s?.timeoutSeconds, -1);
    assert.equal(s?.maxAttempts, 1);
  });
});
