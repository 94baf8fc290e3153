import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRunCommandInputs } from './run-command.js';

const COMPONENT = 'arn:aws:imagebuilder:us-east-1:123456789012:component/web/1.0.0/1';
const shell = (parameters: unknown, extra: Record<string, unknown> = {}) => ({
  instanceId: 'i-1',
  documentName: 'AWS-RunShellScript',
  parameters,
  ...extra,
});

test('AWS-RunShellScript inputs become a frozen script run', () => {
  assert.deepEqual(
    checkRunCommandInputs(
      shell({ commands: ['a', 'b'], workingDirectory: ['/srv'], executionTimeout: ['60'] }),
    ),
    {
      kind: 'shell',
      instanceId: 'i-1',
      commands: ['a', 'b'],
      workingDirectory: '/srv',
      executionTimeoutSeconds: 60,
    },
  );
  // A single string counts as a list of one; SSM's default timeout is an hour.
  assert.deepEqual(checkRunCommandInputs(shell({ commands: 'echo hi' })), {
    kind: 'shell',
    instanceId: 'i-1',
    commands: ['echo hi'],
    executionTimeoutSeconds: 3600,
  });
});

test('a recipe component runs the named phases (default: build, validate, test)', () => {
  const run = (parameters?: unknown) =>
    checkRunCommandInputs({
      instanceId: 'i-1',
      documentName: COMPONENT,
      ...(parameters ? { parameters } : {}),
    });
  assert.deepEqual(run({ phases: ['build,validate'] }), {
    kind: 'component',
    instanceId: 'i-1',
    componentArn: COMPONENT,
    phases: ['build', 'validate'],
  });
  assert.deepEqual(run(), {
    kind: 'component',
    instanceId: 'i-1',
    componentArn: COMPONENT,
    phases: ['build', 'validate', 'test'],
  });
});

test('bad inputs name the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ documentName: 'AWS-RunShellScript' }, /'instanceId' must name an instance/],
    [{ instanceId: 'i-1' }, /'documentName' is required/],
    [{ instanceId: 'i-1', documentName: 'AWS-RunPowerShellScript' }, /is not a document Kiln can run/],
    [shell({}), /'parameters.commands' must hold at least one command/],
    [shell({ commands: [1] }), /'parameters.commands' must be a list of strings/],
    [shell({ commands: ['x'], workingDirectory: ['tmp'] }), /must be an absolute path/],
    [shell({ commands: ['x'], workingDirectory: ['/a', '/b'] }), /exactly one value/],
    [shell({ commands: ['x'], executionTimeout: ['0'] }), /whole seconds from 1 to 172800/],
    [shell({ commands: ['x'], executionTimeout: ['1.5'] }), /whole seconds/],
    [shell({ commands: ['x'], extra: ['y'] }), /'parameters.extra' is not a parameter of AWS-RunShellScript/],
    [shell({ commands: ['x'] }, { documentVersion: '2' }), /has version 1 only/],
    [shell(['x']), /'parameters' must be a map/],
    [{ instanceId: 'i-1', documentName: COMPONENT, documentVersion: '1' }, /its ARN names the version/],
    [{ instanceId: 'i-1', documentName: COMPONENT, parameters: { port: ['1'] } }, /only phases is/],
    [{ instanceId: 'i-1', documentName: COMPONENT, parameters: { phases: [','] } }, /at least one phase/],
  ];
  for (const [inputs, message] of cases) assert.throws(() => checkRunCommandInputs(inputs), message);
});
