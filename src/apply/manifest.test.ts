import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadManifest } from './load.js';
import { ManifestError, parseManifest } from './manifest.js';

const FILES: Record<string, string> = { '/m/doc.yaml': 'schemaVersion: 1.0\nphases: []\n' };
const readFile = (p: string) => {
  const text = FILES[p];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};
const parse = (text: string, path = '/m/kiln.yaml') => parseManifest([{ path, text }], readFile);

const VALID = `
components:
  - name: web
    platform: Linux
    file: doc.yaml
imageRecipes:
  - name: golden
    semanticVersion: 2.1.0
    parentImage: debian:bookworm
    components:
      - name: web
        parameters: [{ name: port, value: ['80'] }]
      - componentArn: arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x
infrastructureConfigurations:
  - name: infra
    instanceProfileName: kiln-build
imagePipelines:
  - name: weekly
    imageRecipe: golden
    infrastructureConfiguration: infra
    tags: { team: web }
`;

test('parseManifest turns sugar into API members and names into references', () => {
  const m = parse(VALID);
  assert.deepEqual(
    m.resources.map((r) => [r.kind, r.name, r.semanticVersion, r.origin]),
    [
      ['component', 'web', '1.0.0', '/m/kiln.yaml:3'],
      ['imageRecipe', 'golden', '2.1.0', '/m/kiln.yaml:7'],
      ['infrastructureConfiguration', 'infra', undefined, '/m/kiln.yaml:15'],
      ['imagePipeline', 'weekly', undefined, '/m/kiln.yaml:18'],
    ],
  );
  const [component, recipe, , pipeline] = m.resources;
  assert.deepEqual(component?.members, { platform: 'Linux', data: FILES['/m/doc.yaml'] });
  assert.deepEqual(recipe?.members.components, [
    { componentArn: { $ref: 'component', name: 'web' }, parameters: [{ name: 'port', value: ['80'] }] },
    { componentArn: 'arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x' },
  ]);
  assert.deepEqual(pipeline?.members, {
    imageRecipeArn: { $ref: 'imageRecipe', name: 'golden' },
    infrastructureConfigurationArn: { $ref: 'infrastructureConfiguration', name: 'infra' },
  });
  assert.deepEqual(pipeline?.tags, { team: 'web' });
});

test('parseManifest reports each problem with file, line and the path as written', () => {
  const cases: [string, RegExp][] = [
    ['recipes: []\n', /^\/m\/kiln\.yaml:1: recipes: unknown section; use one of workflows, components/],
    [
      'components:\n  - name: c\n    platform: Linux\n    data: x\n    colour: red\n',
      /^\/m\/kiln\.yaml:5: components\[0\]\.colour: unknown member/,
    ],
    [
      'components:\n  - platform: Linux\n    data: x\n',
      /^\/m\/kiln\.yaml:2: components\[0\]\.name: is required/,
    ],
    ['components:\n  - name: c\n    data: x\n', /^\/m\/kiln\.yaml:2: components\[0\]: platform is required/],
    [
      'components:\n  - name: c\n    platform: Linux\n    data: x\n    semanticVersion: 1.0\n',
      /:5: components\[0\]\.semanticVersion: '1' is not major\.minor\.patch/,
    ],
    [
      'components:\n  - name: c\n    platform: Linux\n    data: x\n    file: doc.yaml\n',
      /:5: components\[0\]\.file: give either file or data/,
    ],
    [
      'components:\n  - name: c\n    platform: Linux\n    file: gone.yaml\n',
      /:4: components\[0\]\.file: cannot read \/m\/gone\.yaml: ENOENT/,
    ],
    [
      'components:\n  - name: c\n    platform: Linux\n',
      /:2: components\[0\]: data \(inline document\) or file/,
    ],
    ['components: {}\n', /:1: components: must be a list of entries/],
    ['components:\n  - name: [oops\n', /^\/m\/kiln\.yaml:[23]: YAML: Flow sequence/],
    ['- a\n- b\n', /^\/m\/kiln\.yaml:1: the manifest must be a mapping/],
    [
      'imagePipelines:\n  - name: p\n    imageRecipe: nope\n    infrastructureConfigurationArn: arn:x\n',
      /:2: p: no imageRecipes entry named 'nope' in the manifest \(defined: none\); define it or give its ARN/,
    ],
    [
      'imagePipelines:\n  - name: p\n    imageRecipeArn: arn:x\n',
      /:2: imagePipelines\[0\]: infrastructureConfiguration \(or infrastructureConfigurationArn\) is required/,
    ],
    [
      'imageRecipes:\n  - name: r\n    parentImage: debian:bookworm\n    components:\n      - parameters: []\n',
      /:5: imageRecipes\[0\]\.components\[0\]: needs name \(a component in this manifest\) or componentArn/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parse(text),
      (err: unknown) => err instanceof ManifestError && err.problems.some((p) => message.test(p)),
      `${text} → ${message}`,
    );
  }
});

test('parseManifest merges files and rejects a name defined twice, naming both places', () => {
  const a = {
    path: '/m/a.yaml',
    text: 'infrastructureConfigurations:\n  - name: Infra\n    instanceProfileName: p\n',
  };
  const b = {
    path: '/m/b.yaml',
    text: '\n\ninfrastructureConfigurations:\n  - name: infra\n    instanceProfileName: q\n',
  };
  assert.throws(
    () => parseManifest([a, b], readFile),
    (err: unknown) =>
      err instanceof ManifestError &&
      err.problems[0] === "/m/b.yaml:4: infrastructureConfigurations: 'infra' is also defined at /m/a.yaml:2",
  );
});

test('parseManifest collects several problems at once', () => {
  const text = 'components:\n  - name: a\n  - name: b\n';
  assert.throws(
    () => parse(text),
    (err: unknown) => err instanceof ManifestError && err.problems.length === 4,
  );
});

test('the nginx-golden example loads', async () => {
  const dir = fileURLToPath(new URL('../../examples/nginx-golden', import.meta.url));
  const m = await loadManifest(dir);
  assert.deepEqual(
    m.resources.map((r) => `${r.kind}:${r.name}`),
    [
      'component:nginx-web',
      'imageRecipe:nginx-golden',
      'infrastructureConfiguration:nginx-golden-infra',
      'distributionConfiguration:nginx-golden',
      'imagePipeline:nginx-golden-weekly',
    ],
  );
  assert.match(String(m.resources[0]?.members.data), /nginx-light/);
});
