import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPERATION_NAMES } from './model.js';
import { findProblems, InputValidationError, precompileAll, validateInput } from './validate.js';

const TOKEN = { clientToken: '2ed25652-0c7d-4f0e-9d8e-6c3e1c1d2a11' };
const component = { name: 'hello', semanticVersion: '1.0.0', platform: 'Linux', data: 'x', ...TOKEN };
const ARN = 'arn:aws:imagebuilder:us-east-1:123456789012:image/my-img/1.0.0/1';

function rejects(op: string, input: Record<string, unknown>): InputValidationError {
  try {
    validateInput(op, input);
  } catch (err) {
    assert.ok(err instanceof InputValidationError, String(err));
    return err;
  }
  assert.fail(`${op} accepted ${JSON.stringify(input)}`);
}

describe('validateInput accepts', () => {
  const ok: [op: string, input: Record<string, unknown>][] = [
    ['CreateComponent', component],
    ['CreateComponent', { ...component, futureMember: { anything: 1 } }],
    ['CreateComponent', { ...component, description: null }],
    ['CreateComponent', { ...component, tags: { 'my key': 'v', 'a:b': '' } }],
    ['ListImages', {}],
    ['ListImages', { owner: 'Self', maxResults: 25, filters: [{ name: 'name', values: ['abc'] }] }],
    ['CreateImageRecipe', { name: 'recipe', semanticVersion: '1.0.x', parentImage: 'debian-12', ...TOKEN }],
    [
      'StartResourceStateUpdate',
      { resourceArn: ARN, state: { status: 'DEPRECATED' }, updateAt: 1735689600, ...TOKEN },
    ],
    [
      'StartResourceStateUpdate',
      { resourceArn: ARN, state: { status: 'DEPRECATED' }, updateAt: '1735689600', ...TOKEN },
    ],
    [
      'ImportDiskImage',
      {
        name: 'disk',
        semanticVersion: '1.0.0',
        platform: 'Windows',
        osVersion: 'Microsoft Windows Server 2022',
        infrastructureConfigurationArn:
          'arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/i',
        uri: 's3://b/k.iso',
        windowsConfiguration: { imageIndex: 4294967295 },
        ...TOKEN,
      },
    ],
    ['UntagResource', { resourceArn: ARN, tagKeys: ['a b'] }],
  ];
  for (const [op, input] of ok) {
    it(`${op} ${JSON.stringify(input).slice(0, 80)}`, () => assert.deepEqual(findProblems(op, input), []));
  }
});

/** Short names for the expected exception, to keep the table readable. */
const CODES = {
  IR: 'InvalidRequestException',
  IPV: 'InvalidParameterValueException',
  IP: 'InvalidParameterException',
};

describe('validateInput rejects', () => {
  // [operation, input, 'CODE kind path shape', message]
  const bad: [op: string, input: Record<string, unknown>, expected: string, message: RegExp][] = [
    [
      'CreateComponent',
      { ...component, name: undefined },
      'IR required name ResourceName',
      /^Missing required parameter 'name'\.$/,
    ],
    [
      'CreateComponent',
      { ...component, clientToken: undefined },
      'IR required clientToken ClientToken',
      /'clientToken'/,
    ],
    [
      'CreateComponent',
      { ...component, semanticVersion: '1.0' },
      'IPV pattern semanticVersion VersionNumber',
      /^The value supplied for parameter 'semanticVersion' is not valid\. .*pattern.*for example 1\.0\.0/,
    ],
    [
      'CreateComponent',
      { ...component, platform: 'linux' },
      'IPV enum platform Platform',
      /one of Windows, Linux, macOS \(got 'linux'\)/,
    ],
    ['CreateComponent', { ...component, name: 'x'.repeat(129) }, 'IPV pattern name ResourceName', /'name'/],
    [
      'CreateComponent',
      { ...component, description: '' },
      'IPV length description NonEmptyString',
      /1 to 1024 characters long \(got 0\)/,
    ],
    [
      'CreateComponent',
      { ...component, clientToken: '😀'.repeat(65) },
      'IPV length clientToken ClientToken',
      /\(got 65\)/,
    ],
    [
      'CreateComponent',
      { ...component, name: 42 },
      'IPV type name ResourceName',
      /must be a string, not number 42/,
    ],
    ['CreateComponent', { ...component, dryRun: 'true' }, 'IPV type dryRun Boolean', /must be a boolean/],
    ['CreateComponent', { ...component, tags: {} }, 'IPV count tags TagMap', /1 to 50 entries \(got 0\)/],
    [
      'CreateComponent',
      { ...component, tags: { 'aws:owner': 'me' } },
      'IPV pattern tags.aws:owner TagKey',
      /The key must match.*may not start with 'aws:'/,
    ],
    [
      'CreateComponent',
      { ...component, tags: { k: 'v'.repeat(257) } },
      'IPV length tags.k TagValue',
      /at most 256 characters long/,
    ],
    [
      'CreateComponent',
      { ...component, tags: ['a'] },
      'IPV type tags TagMap',
      /must be an object, not a list/,
    ],
    ['CreateComponent', { ...component, data: 'a\u0000b' }, 'IPV pattern data InlineComponentData', /'data'/],
    [
      'ListImages',
      { maxResults: 26 },
      'IPV range maxResults RestrictedInteger',
      /between 1 and 25 \(got 26\)/,
    ],
    ['ListImages', { maxResults: 2.5 }, 'IPV type maxResults RestrictedInteger', /whole number/],
    ['ListImages', { maxResults: '5' }, 'IPV type maxResults RestrictedInteger', /an integer, not '5'/],
    ['ListImages', { filters: [] }, 'IPV count filters FilterList', /1 to 10 items \(got 0\)/],
    [
      'ListImages',
      { filters: [{ name: 'name', values: ['ok'] }, { name: 'bad name' }] },
      'IPV pattern filters[1].name FilterName',
      /'filters\[1\]\.name'/,
    ],
    ['ListImages', { filters: 'name' }, 'IPV type filters FilterList', /must be a list/],
    [
      'CreateDistributionConfiguration',
      { name: 'dist', distributions: [{ region: '' }], ...TOKEN },
      'IPV length distributions[0].region NonEmptyString',
      /^The value supplied for parameter 'distributions\[0\]\.region' is not valid\./,
    ],
    [
      'CreateDistributionConfiguration',
      { name: 'dist', distributions: [{ region: 'us-east-1' }, {}], ...TOKEN },
      'IR required distributions[1].region NonEmptyString',
      /Missing required parameter 'distributions\[1\]\.region'/,
    ],
    [
      'CreateDistributionConfiguration',
      {
        name: 'dist',
        distributions: [{ region: 'r', amiDistributionConfiguration: { name: 'bad!name' } }],
        ...TOKEN,
      },
      'IPV pattern distributions[0].amiDistributionConfiguration.name AmiNameString',
      /AMI names/,
    ],
    [
      'CreateDistributionConfiguration',
      {
        name: 'dist',
        distributions: [{ region: 'r', amiDistributionConfiguration: { targetAccountIds: ['12345'] } }],
        ...TOKEN,
      },
      'IPV pattern distributions[0].amiDistributionConfiguration.targetAccountIds[0] AccountId',
      /12 digits/,
    ],
    [
      'CreateImageRecipe',
      {
        name: 'recipe',
        semanticVersion: '1.0.0',
        parentImage: 'p',
        blockDeviceMappings: [{ ebs: { volumeSize: 0 } }],
        ...TOKEN,
      },
      'IPV range blockDeviceMappings[0].ebs.volumeSize EbsVolumeSizeInteger',
      /between 1 and 16000 \(got 0\)/,
    ],
    [
      'ImportDiskImage',
      {
        name: 'disk',
        semanticVersion: '1.0.0',
        platform: 'Windows',
        osVersion: 'w',
        infrastructureConfigurationArn:
          'arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/i',
        uri: 's3://b/k',
        windowsConfiguration: { imageIndex: 4294967296 },
        ...TOKEN,
      },
      'IPV range windowsConfiguration.imageIndex WindowsConfigurationImageIndex',
      /at most|between 1 and 4294967295/,
    ],
    [
      'StartResourceStateUpdate',
      { resourceArn: ARN, state: { status: 'DEPRECATED' }, updateAt: 'tomorrow', ...TOKEN },
      'IPV type updateAt DateTimeTimestamp',
      /epoch seconds/,
    ],
    [
      'StartResourceStateUpdate',
      { resourceArn: ARN, state: 'DEPRECATED', ...TOKEN },
      'IPV type state ResourceState',
      /must be an object/,
    ],
    [
      'GetImage',
      { imageBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:123456789012:component/c/1.0.0/1' },
      'IPV pattern imageBuildVersionArn ImageVersionArnOrBuildVersionArn',
      /'imageBuildVersionArn'/,
    ],
    [
      'TagResource',
      { resourceArn: ARN, tags: { 'aws:x': 'y' } },
      'IP pattern tags.aws:x TagKey',
      /'tags\.aws:x'/,
    ],
    ['TagResource', { resourceArn: ARN }, 'IP required tags TagMap', /Missing required parameter 'tags'/],
    [
      'UntagResource',
      { resourceArn: ARN, tagKeys: ['ok', 'aws:no'] },
      'IP pattern tagKeys[1] TagKey',
      /'tagKeys\[1\]'/,
    ],
    [
      'ListTagsForResource',
      { resourceArn: 'not-an-arn' },
      'IP pattern resourceArn ImageBuilderArn',
      /'resourceArn'/,
    ],
  ];
  for (const [op, input, expected, message] of bad) {
    const [code, kind, path, shapeName] = expected.split(' ') as [keyof typeof CODES, string, string, string];
    it(`${op}: ${path} (${kind}) → ${CODES[code]}`, () => {
      const err = rejects(op, input);
      assert.equal(err.code, CODES[code]);
      assert.equal(err.operation, op);
      assert.equal(err.problems.length, 1, JSON.stringify(err.problems));
      const [p] = err.problems;
      assert.deepEqual({ kind: p?.kind, path: p?.path, shape: p?.shape }, { kind, path, shape: shapeName });
      assert.match(err.message, message);
    });
  }
});

describe('validateInput with several problems', () => {
  it('reports all of them in member order, code from the first', () => {
    const err = rejects('CreateComponent', { semanticVersion: '1', platform: 'BeOS', ...TOKEN });
    assert.equal(err.code, 'InvalidRequestException');
    assert.deepEqual(
      err.problems.map((p) => `${p.kind}:${p.path}`),
      ['required:name', 'enum:platform', 'pattern:semanticVersion'],
    );
    assert.match(
      err.message,
      /^Missing required parameter 'name'\. The value supplied for parameter 'platform'.*'semanticVersion'/,
    );
  });

  it('caps a flood of problems and says how many were not shown', () => {
    const values = Array.from({ length: 10 }, () => 'bad value!');
    const err = rejects('ListImages', { filters: [{ name: '1', values }] });
    assert.equal(err.problems.length, 11);
    assert.match(err.message, /\(6 more problems not shown\.\)$/);
  });
});

describe('precompileAll', () => {
  it('compiles the checks of every operation', () => {
    precompileAll(OPERATION_NAMES);
    for (const op of OPERATION_NAMES) assert.ok(Array.isArray(findProblems(op, {})), op);
  });
});
