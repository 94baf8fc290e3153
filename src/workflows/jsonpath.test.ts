import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate, type PathScope, ResolveError, resolveInputs, resolvePath } from './jsonpath.js';

const SCOPE: PathScope = {
  parameters: { size: 3, tags: ['a', 'b'], flag: false, empty: '' },
  stepOutputs: {
    Launch: { instanceId: 'i-1' },
    Distribute: { distributedImages: [{ region: 'eu-1', amiId: 'ami-9' }] },
  },
  workflowOutputs: { ImageId: 'ami-0' },
  imagebuilder: { imageType: 'AMI', collectImageMetadata: true },
};

describe('resolvePath', () => {
  const found: [string, unknown][] = [
    ['$.parameters.size', 3],
    ['$.parameters.flag', false],
    ['$.parameters.empty', ''],
    ['$.parameters.tags', ['a', 'b']],
    ['$.parameters.tags[1]', 'b'],
    ['$.parameters.tags.length', 2],
    ["$.parameters['size']", 3],
    ['$.stepOutputs.Launch.instanceId', 'i-1'],
    ['$.stepOutputs.Distribute.distributedImages[0].amiId', 'ami-9'],
    ['$.stepOutputs.Distribute.distributedImages[0]["region"]', 'eu-1'],
    ['$.workflowOutputs.ImageId', 'ami-0'],
    ['$.imagebuilder.collectImageMetadata', true],
  ];
  for (const [path, value] of found) {
    it(`${path} → ${JSON.stringify(value)}`, () => assert.deepEqual(resolvePath(path, SCOPE), value));
  }

  const missing: [string, string][] = [
    [
      '$.stepOutputs.Capture.imageId',
      'step "Capture" has no outputs (it was skipped or failed before producing any)',
    ],
    ['$.stepOutputs.Launch.imageId', 'there is no "imageId" in a map'],
    ['$.parameters.other', 'no parameter "other" was given'],
    ['$.imagebuilder.platform', 'Kiln did not set "platform"'],
    ['$.workflowOutputs.Other', 'no workflow that ran before this one for the image has an output "Other"'],
    ['$.parameters.tags[2]', 'there is no index 2 in a list of 2'],
    ['$.parameters.size.x', 'there is no "x" in number 3'],
    ['$.parameters.constructor', 'no parameter "constructor" was given'],
    ['$.stepOutputs.Distribute.distributedImages[*].amiId', `can't be evaluated at "[*].amiId"`],
    ['parameters.size', 'is not a JSONPath'],
  ];
  for (const [path, why] of missing) {
    it(`${path} fails: ${why}`, () => {
      assert.throws(
        () => resolvePath(path, SCOPE),
        (err: unknown) =>
          err instanceof ResolveError && err.message.includes(why) && err.message.includes(path),
      );
    });
  }
});

describe('interpolate', () => {
  const rows: [string, string][] = [
    ['no placeholders', 'no placeholders'],
    ['{{ $.stepOutputs.Launch.instanceId }}', 'i-1'],
    ['n={{$.parameters.size}}, tags={{ $.parameters.tags }}', 'n=3, tags=["a","b"]'],
    ['{{ $.imagebuilder.imageType }}-{{ $.imagebuilder.imageType }}', 'AMI-AMI'],
  ];
  for (const [text, expected] of rows) {
    it(`"${text}" → "${expected}"`, () => assert.equal(interpolate(text, SCOPE), expected));
  }
});

describe('resolveInputs', () => {
  it('replaces key.$ members at any depth and interpolates strings in lists and maps', () => {
    const inputs = {
      'instanceId.$': '$.stepOutputs.Launch.instanceId',
      waitFor: 'ssmAgent',
      count: 2,
      'distributedImages.$': '$.stepOutputs.Distribute.distributedImages',
      parameters: { commands: ['echo {{ $.workflowOutputs.ImageId }}'], 'size.$': '$.parameters.size' },
    };
    assert.deepEqual(resolveInputs(inputs, SCOPE), {
      instanceId: 'i-1',
      waitFor: 'ssmAgent',
      count: 2,
      distributedImages: [{ region: 'eu-1', amiId: 'ami-9' }],
      parameters: { commands: ['echo ami-0'], size: 3 },
    });
  });

  const failures: [string, Record<string, unknown>, string][] = [
    [
      'names the .$ input',
      { 'instanceId.$': '$.stepOutputs.Capture.imageId' },
      'inputs.instanceId.$: "$.stepOutputs',
    ],
    [
      'names the list element',
      { parameters: { commands: ['ok', '{{ $.parameters.nope }}'] } },
      'inputs.parameters.commands[1]: "$.parameters.nope"',
    ],
    ['refuses a name given twice', { x: 1, 'x.$': '$.parameters.size' }, 'inputs.x is given twice'],
  ];
  for (const [name, inputs, message] of failures) {
    it(name, () => {
      assert.throws(
        () => resolveInputs(inputs, SCOPE),
        (err: unknown) => err instanceof ResolveError && err.message.startsWith(message),
      );
    });
  }

  it('keeps an input named __proto__ as data', () => {
    const inputs = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = resolveInputs(inputs, SCOPE);
    assert.deepEqual(Object.keys(out), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });
});
