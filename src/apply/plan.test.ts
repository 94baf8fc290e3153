import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifest } from './manifest.js';
import { type CurrentState, planApply, stateKey } from './plan.js';
import { describeAction, renderPlan } from './render.js';
import type { Kind, Obj } from './resources.js';

const ARN = 'arn:aws:imagebuilder:us-east-1:000000000000';
const DOC = 'schemaVersion: 1.0\nphases:\n  - name: build\n    steps: []\n';

function manifest(
  over: { componentVersion?: string; data?: string; instanceTypes?: string; workflow?: boolean } = {},
) {
  const text = `
components:
  - name: nginx-web
    semanticVersion: ${over.componentVersion ?? '1.0.0'}
    platform: Linux
    data: ${JSON.stringify(over.data ?? DOC)}
imageRecipes:
  - name: golden
    parentImage: debian:bookworm
    components:
      - name: nginx-web
        parameters: [{ name: port, value: ['8080'] }]
infrastructureConfigurations:
  - name: infra
    instanceProfileName: kiln-build
    instanceTypes: [${over.instanceTypes ?? 'kiln.small'}]
imagePipelines:
  - name: weekly
    imageRecipe: golden
    infrastructureConfiguration: infra
    schedule: { scheduleExpression: 'cron(0 6 ? * MON *)', timezone: Etc/UTC }
${over.workflow ? '    workflows: [{ name: wf }]\nworkflows:\n  - name: wf\n    type: TEST\n    data: "x: 1"\n' : ''}`;
  return parseManifest([{ path: '/m/kiln.yaml', text }], () => '');
}

/** The server's copies, as Get answers them: version ARNs, defaults filled, empty members echoed. */
function server(
  over: { componentVersion?: string; recipeVersion?: string; data?: string; withWorkflow?: boolean } = {},
) {
  const cv = over.componentVersion ?? '1.0.0';
  const rv = over.recipeVersion ?? '1.0.0';
  const entries: [Kind, string, Obj][] = [
    [
      'component',
      'nginx-web',
      {
        arn: `${ARN}:component/nginx-web/${cv}/1`,
        name: 'nginx-web',
        version: cv,
        platform: 'Linux',
        type: 'BUILD',
        data: `${over.data ?? DOC}\n`,
        tags: {},
      },
    ],
    [
      'imageRecipe',
      'golden',
      {
        arn: `${ARN}:image-recipe/golden/${rv}`,
        name: 'golden',
        version: rv,
        parentImage: 'debian:bookworm',
        components: [
          {
            componentArn: `${ARN}:component/nginx-web/${cv}`,
            parameters: [{ name: 'port', value: ['8080'] }],
          },
        ],
        blockDeviceMappings: [],
        dateCreated: '2025-01-01T00:00:00.000Z',
      },
    ],
    [
      'infrastructureConfiguration',
      'infra',
      {
        arn: `${ARN}:infrastructure-configuration/infra`,
        name: 'infra',
        instanceProfileName: 'kiln-build',
        instanceTypes: ['kiln.small'],
        terminateInstanceOnFailure: true,
      },
    ],
    [
      'imagePipeline',
      'weekly',
      {
        arn: `${ARN}:image-pipeline/weekly`,
        name: 'weekly',
        imageRecipeArn: `${ARN}:image-recipe/golden/${rv}`,
        infrastructureConfigurationArn: `${ARN}:infrastructure-configuration/infra`,
        schedule: {
          scheduleExpression: 'cron(0 6 ? * MON *)',
          timezone: 'Etc/UTC',
          pipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
        },
        status: 'ENABLED',
        enhancedImageMetadataEnabled: true,
        imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 720 },
        dateNextRun: '2025-01-06T06:00:00.000Z',
        ...(over.withWorkflow ? { workflows: [{ workflowArn: `${ARN}:workflow/test/wf/1.0.0` }] } : {}),
      },
    ],
  ];
  if (over.withWorkflow)
    entries.push([
      'workflow',
      'wf',
      { arn: `${ARN}:workflow/test/wf/1.0.0/1`, name: 'wf', version: '1.0.0', type: 'TEST', data: 'x: 1' },
    ]);
  return new Map(entries.map(([kind, name, obj]) => [stateKey(kind, name), obj])) as CurrentState;
}

const summary = (m: ReturnType<typeof manifest>, s: CurrentState) =>
  planApply(m, s).map((a) => `${a.kind} ${a.name}: ${describeAction(a)}`);

test('planApply: a table of manifests against server states', () => {
  const cases: {
    name: string;
    manifest: ReturnType<typeof manifest>;
    state: CurrentState;
    want: string[];
  }[] = [
    {
      name: 'nothing exists: create everything at the manifest versions',
      manifest: manifest(),
      state: new Map(),
      want: [
        'component nginx-web: create 1.0.0',
        'imageRecipe golden: create 1.0.0',
        'infrastructureConfiguration infra: create',
        'imagePipeline weekly: create',
      ],
    },
    {
      name: 'server matches (defaults and empty members included): nothing to do',
      manifest: manifest(),
      state: server(),
      want: [
        'component nginx-web: unchanged 1.0.0',
        'imageRecipe golden: unchanged 1.0.0',
        'infrastructureConfiguration infra: unchanged',
        'imagePipeline weekly: unchanged',
      ],
    },
    {
      name: 'changed component document cascades: new component and recipe versions, pipeline update',
      manifest: manifest({ data: `${DOC}# changed\n` }),
      state: server(),
      want: [
        'component nginx-web: new version 1.0.1 (data changed)',
        'imageRecipe golden: new version 1.0.1 (components changed)',
        'infrastructureConfiguration infra: unchanged',
        'imagePipeline weekly: update (imageRecipeArn changed)',
      ],
    },
    {
      name: 'patch bump starts from the newest existing version',
      manifest: manifest({ data: 'other' }),
      state: server({ componentVersion: '1.0.5', recipeVersion: '3.2.1' }),
      want: [
        'component nginx-web: new version 1.0.6 (data changed)',
        'imageRecipe golden: new version 3.2.2 (components changed)',
        'infrastructureConfiguration infra: unchanged',
        'imagePipeline weekly: update (imageRecipeArn changed)',
      ],
    },
    {
      name: 'a manifest version above the newest is used even without content changes',
      manifest: manifest({ componentVersion: '2.0.0' }),
      state: server(),
      want: [
        'component nginx-web: new version 2.0.0',
        'imageRecipe golden: new version 1.0.1 (components changed)',
        'infrastructureConfiguration infra: unchanged',
        'imagePipeline weekly: update (imageRecipeArn changed)',
      ],
    },
    {
      name: 'a changed infrastructure configuration is updated in place and nothing else moves',
      manifest: manifest({ instanceTypes: 'kiln.large' }),
      state: server(),
      want: [
        'component nginx-web: unchanged 1.0.0',
        'imageRecipe golden: unchanged 1.0.0',
        'infrastructureConfiguration infra: update (instanceTypes changed)',
        'imagePipeline weekly: unchanged',
      ],
    },
    {
      name: 'workflows come first and pipelines refer to them by type-specific ARNs',
      manifest: manifest({ workflow: true }),
      state: server({ withWorkflow: true }),
      want: [
        'workflow wf: unchanged 1.0.0',
        'component nginx-web: unchanged 1.0.0',
        'imageRecipe golden: unchanged 1.0.0',
        'infrastructureConfiguration infra: unchanged',
        'imagePipeline weekly: unchanged',
      ],
    },
    {
      name: 'a new workflow attached to an existing pipeline',
      manifest: manifest({ workflow: true }),
      state: server(),
      want: [
        'workflow wf: create 1.0.0',
        'component nginx-web: unchanged 1.0.0',
        'imageRecipe golden: unchanged 1.0.0',
        'infrastructureConfiguration infra: unchanged',
        'imagePipeline weekly: update (workflows changed)',
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(summary(c.manifest, c.state), c.want, c.name);
});

test('planApply pins references to the planned versions in the requests', () => {
  const plan = planApply(manifest({ data: 'changed' }), server());
  const recipe = plan.find((a) => a.kind === 'imageRecipe');
  assert.deepEqual(recipe?.request, {
    name: 'golden',
    semanticVersion: '1.0.1',
    parentImage: 'debian:bookworm',
    components: [
      {
        componentArn: { $ref: 'component', name: 'nginx-web', version: '1.0.1' },
        parameters: [{ name: 'port', value: ['8080'] }],
      },
    ],
  });
  const pipeline = plan.find((a) => a.kind === 'imagePipeline');
  assert.equal(pipeline?.existingArn, `${ARN}:image-pipeline/weekly`);
  assert.deepEqual(pipeline?.request.imageRecipeArn, {
    $ref: 'imageRecipe',
    name: 'golden',
    version: '1.0.1',
  });
  assert.equal('name' in (pipeline?.request ?? {}), false, 'Update requests carry no name');
});

test('renderPlan aligns one line per resource and sums up', () => {
  const text = renderPlan(planApply(manifest(), server()));
  assert.equal(
    text,
    [
      '  component                     nginx-web  unchanged 1.0.0',
      '  image recipe                  golden     unchanged 1.0.0',
      '  infrastructure configuration  infra      unchanged',
      '  image pipeline                weekly     unchanged',
      'Plan: 0 to create, 0 new versions, 0 to update, 4 unchanged.',
      '',
    ].join('\n'),
  );
});
