import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BuildPlanInput, explainMiss, planBuild, type ResolvedComponent } from './plan.js';

const comp = (
  name: string,
  data: string,
  parameters: ResolvedComponent['parameters'] = [],
): ResolvedComponent => ({
  arn: `arn:aws:imagebuilder:us-east-1:000000000000:component/${name}/1.0.0/1`,
  reference: `arn:aws:imagebuilder:us-east-1:000000000000:component/${name}/x.x.x`,
  name,
  data,
  parameters,
});
const base: BuildPlanInput = {
  parent: { reference: 'debian:bookworm', resolved: 'debian:bookworm minbase', digest: 'sha256:parent' },
  components: [
    comp('a', 'doc-a', [
      { name: 'P', value: ['1'] },
      { name: 'Q', value: ['2'] },
    ]),
    comp('b', 'doc-b'),
  ],
  externalState: 'mirror-1',
  layerCache: true,
};
const keys = (input: BuildPlanInput) => planBuild(input).components.map((c) => c.cacheKey);

describe('planBuild cache keys', () => {
  const cases: {
    name: string;
    change: (i: BuildPlanInput) => BuildPlanInput;
    changed: [boolean, boolean];
  }[] = [
    { name: 'nothing changed', change: (i) => i, changed: [false, false] },
    {
      name: 'parameter order does not matter',
      change: (i) => ({
        ...i,
        components: [
          comp('a', 'doc-a', [
            { name: 'Q', value: ['2'] },
            { name: 'P', value: ['1'] },
          ]),
          comp('b', 'doc-b'),
        ],
      }),
      changed: [false, false],
    },
    {
      name: 'the parent changed',
      change: (i) => ({ ...i, parent: { ...i.parent, digest: 'sha256:other' } }),
      changed: [true, true],
    },
    {
      name: 'the first document changed',
      change: (i) => ({
        ...i,
        components: [comp('a', 'doc-a2', i.components[0]!.parameters), comp('b', 'doc-b')],
      }),
      changed: [true, true],
    },
    {
      name: 'the second document changed',
      change: (i) => ({ ...i, components: [i.components[0]!, comp('b', 'doc-b2')] }),
      changed: [false, true],
    },
    {
      name: 'a parameter value changed',
      change: (i) => ({
        ...i,
        components: [
          comp('a', 'doc-a', [
            { name: 'P', value: ['9'] },
            { name: 'Q', value: ['2'] },
          ]),
          comp('b', 'doc-b'),
        ],
      }),
      changed: [true, true],
    },
    {
      name: 'the mirror changed',
      change: (i) => ({ ...i, externalState: 'mirror-2' }),
      changed: [true, true],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = keys(base);
      const after = keys(c.change(base));
      assert.deepEqual(
        after.map((k, i) => k !== before[i]),
        c.changed,
      );
    });
  }
  it('chains each key to the previous one, starting from the parent digest', () => {
    const plan = planBuild(base);
    assert.equal(plan.components[0]!.keyInputs.previousKey, 'sha256:parent');
    assert.equal(plan.components[1]!.keyInputs.previousKey, plan.components[0]!.cacheKey);
  });
});

describe('explainMiss', () => {
  const plan = planBuild(base).components[1]!.keyInputs;
  it('names every reason', () => {
    assert.equal(explainMiss(plan, undefined, true), 'first build of this component at this position');
    assert.equal(explainMiss(plan, plan, false), 'layer cache turned off for this build');
    assert.equal(explainMiss(plan, plan, true), 'the cached layer was removed');
    assert.equal(
      explainMiss(plan, { ...plan, externalState: 'old' }, true),
      'the package mirror changed (new packages may be available)',
    );
    assert.equal(
      explainMiss(plan, { ...plan, documentDigest: 'x', previousKey: 'y' }, true),
      'the parent image or an earlier component changed; the component document changed',
    );
  });
});
