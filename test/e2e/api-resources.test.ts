import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateComponentCommand,
  CreateContainerRecipeCommand,
  CreateDistributionConfigurationCommand,
  CreateImageCommand,
  CreateImagePipelineCommand,
  CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand,
  CreateLifecyclePolicyCommand,
  CreateWorkflowCommand,
  DeleteComponentCommand,
  DeleteDistributionConfigurationCommand,
  DeleteImageCommand,
  DeleteImagePipelineCommand,
  DeleteImageRecipeCommand,
  DeleteInfrastructureConfigurationCommand,
  DeleteLifecyclePolicyCommand,
  DeleteWorkflowCommand,
  GetContainerRecipeCommand,
  GetDistributionConfigurationCommand,
  GetImageCommand,
  GetImagePipelineCommand,
  GetImagePolicyCommand,
  GetImageRecipeCommand,
  GetInfrastructureConfigurationCommand,
  GetLifecycleExecutionCommand,
  GetLifecyclePolicyCommand,
  GetWorkflowCommand,
  type ImagebuilderClient,
  ListContainerRecipesCommand,
  ListDistributionConfigurationsCommand,
  ListImageBuildVersionsCommand,
  ListImagePipelinesCommand,
  ListImageRecipesCommand,
  ListImagesCommand,
  ListInfrastructureConfigurationsCommand,
  ListLifecyclePoliciesCommand,
  ListTagsForResourceCommand,
  ListWorkflowBuildVersionsCommand,
  ListWorkflowsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDistributionConfigurationCommand,
  UpdateImagePipelineCommand,
  UpdateInfrastructureConfigurationCommand,
  UpdateLifecyclePolicyCommand,
} from '@aws-sdk/client-imagebuilder';
import { rejectsWith as rejects } from '../support/assert.js';
import { type ServerProcess, sdkClient, startServerProcess } from '../support/kiln-server.js';

const A = 'arn:aws:imagebuilder:us-east-1:000000000000';
const DOC = `schemaVersion: 1.0
parameters:
  - Port:
      type: string
      default: '80'
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands: ['echo {{ Port }}']
`;
const WORKFLOW = `name: approve
schemaVersion: 1.0
parameters:
  - name: waitForActionAtEnd
    type: boolean
    default: true
steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: ssmAgent
  - name: ApplyTestComponents
    action: ExecuteComponents
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
`;

describe('recipes, configurations, pipelines, workflows, lifecycle policies, tags and images', () => {
  let server: ServerProcess;
  let client: ImagebuilderClient;
  let token = 0;
  const t = () => `tok-${++token}`;
  before(async () => {
    server = await startServerProcess();
    client = sdkClient(server);
    await client.send(
      new CreateComponentCommand({
        name: 'web',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: t(),
      }),
    );
  });
  after(async () => server.stop());

  it('creates image recipes with wildcard components and refuses duplicates', async () => {
    const r = await client.send(
      new CreateImageRecipeCommand({
        name: 'Golden',
        semanticVersion: '1.0.0',
        parentImage: 'debian:bookworm',
        clientToken: t(),
        components: [
          { componentArn: `${A}:component/web/x.x.x`, parameters: [{ name: 'Port', value: ['8080'] }] },
        ],
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 4 } }],
      }),
    );
    assert.equal(r.imageRecipeArn, `${A}:image-recipe/golden/1.0.0`);
    const got = await client.send(new GetImageRecipeCommand({ imageRecipeArn: r.imageRecipeArn }));
    assert.equal(got.imageRecipe?.components?.[0]?.componentArn, `${A}:component/web/x.x.x`);
    assert.equal(got.imageRecipe?.platform, 'Linux');
    assert.equal(got.imageRecipe?.workingDirectory, '/tmp');
    await rejects(
      client.send(
        new CreateImageRecipeCommand({
          name: 'golden',
          semanticVersion: '1.0.0',
          parentImage: 'debian:bookworm',
          clientToken: t(),
        }),
      ),
      'ResourceAlreadyExistsException',
    );
    const next = await client.send(
      new CreateImageRecipeCommand({
        name: 'golden',
        semanticVersion: '1.0.x',
        parentImage: 'debian:bookworm',
        clientToken: t(),
      }),
    );
    assert.equal(next.imageRecipeArn, `${A}:image-recipe/golden/1.0.1`);
    await rejects(
      client.send(
        new CreateImageRecipeCommand({
          name: 'ppp',
          semanticVersion: '1.0.0',
          parentImage: 'centos:7',
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /parentImage/,
    );
    await rejects(
      client.send(
        new CreateImageRecipeCommand({
          name: 'ppp',
          semanticVersion: '1.0.0',
          parentImage: 'debian:bookworm',
          components: [{ componentArn: `${A}:component/nope/1.0.0` }],
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /components\[0\]\.componentArn/,
    );
    await rejects(
      client.send(
        new CreateImageRecipeCommand({
          name: 'ppp',
          semanticVersion: '1.0.0',
          parentImage: 'debian:bookworm',
          components: [
            { componentArn: `${A}:component/web/1.0.0`, parameters: [{ name: 'Nope', value: ['x'] }] },
          ],
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /not defined in the provided component: Nope/,
    );
    const list = await client.send(
      new ListImageRecipesCommand({ filters: [{ name: 'name', values: ['Golden'] }] }),
    );
    assert.deepEqual(
      list.imageRecipeSummaryList?.map((s) => s.arn),
      [`${A}:image-recipe/golden/1.0.0`],
    );
  });

  it('creates container recipes with a Dockerfile template', async () => {
    const base = {
      containerType: 'DOCKER' as const,
      name: 'app',
      semanticVersion: '1.0.0',
      parentImage: 'debian:bookworm',
      targetRepository: { service: 'ECR' as const, repositoryName: 'app' },
    };
    await rejects(
      client.send(
        new CreateContainerRecipeCommand({
          ...base,
          components: [{ componentArn: `${A}:component/web/1.0.0` }],
          dockerfileTemplateData: 'FROM debian',
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /parentImage/,
    );
    const c = await client.send(
      new CreateContainerRecipeCommand({
        ...base,
        components: [{ componentArn: `${A}:component/web/1.0.0` }],
        dockerfileTemplateData:
          'FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:environments }}}\n{{{ imagebuilder:components }}}\n',
        clientToken: t(),
      }),
    );
    const got = await client.send(
      new GetContainerRecipeCommand({ containerRecipeArn: c.containerRecipeArn }),
    );
    assert.equal(got.containerRecipe?.targetRepository?.repositoryName, 'app');
    const list = await client.send(new ListContainerRecipesCommand({}));
    assert.equal(list.containerRecipeSummaryList?.length, 1);
  });

  it('manages configurations, pipelines with schedules, and dependency order on delete', async () => {
    const infra = await client.send(
      new CreateInfrastructureConfigurationCommand({
        name: 'infra',
        instanceProfileName: 'kiln-build',
        instanceTypes: ['kiln.small'],
        clientToken: t(),
        tags: { team: 'a' },
      }),
    );
    await rejects(
      client.send(
        new CreateInfrastructureConfigurationCommand({
          name: 'infra2',
          instanceProfileName: 'p',
          instanceTypes: ['t3.micro'],
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /instanceTypes\[0\]/,
    );
    await rejects(
      client.send(
        new CreateInfrastructureConfigurationCommand({
          name: 'INFRA',
          instanceProfileName: 'p',
          clientToken: t(),
        }),
      ),
      'ResourceAlreadyExistsException',
    );
    await client.send(
      new UpdateInfrastructureConfigurationCommand({
        infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
        instanceProfileName: 'other',
        clientToken: t(),
      }),
    );
    const gotInfra = await client.send(
      new GetInfrastructureConfigurationCommand({
        infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
      }),
    );
    assert.equal(gotInfra.infrastructureConfiguration?.instanceProfileName, 'other');
    assert.equal(
      gotInfra.infrastructureConfiguration?.instanceTypes,
      undefined,
      'update is a full replacement',
    );
    assert.deepEqual(gotInfra.infrastructureConfiguration?.tags, { team: 'a' }, 'update keeps tags');
    assert.ok(gotInfra.infrastructureConfiguration?.dateUpdated);
    assert.equal(
      (await client.send(new ListInfrastructureConfigurationsCommand({})))
        .infrastructureConfigurationSummaryList?.length,
      1,
    );

    const dist = await client.send(
      new CreateDistributionConfigurationCommand({
        name: 'dist',
        clientToken: t(),
        distributions: [
          {
            region: 'us-east-1',
            amiDistributionConfiguration: { name: 'golden-{{imagebuilder:buildDate}}' },
          },
        ],
      }),
    );
    await rejects(
      client.send(
        new CreateDistributionConfigurationCommand({
          name: 'dd2',
          clientToken: t(),
          distributions: [{ region: 'mars-north-1' }],
        }),
      ),
      'InvalidParameterValueException',
      /distributions\[0\]\.region/,
    );
    await rejects(
      client.send(
        new CreateDistributionConfigurationCommand({
          name: 'dd3',
          clientToken: t(),
          distributions: [{ region: 'us-east-1', fastLaunchConfigurations: [{ enabled: true }] }],
        }),
      ),
      'InvalidParameterCombinationException',
      /Windows-only/,
    );
    await rejects(
      client.send(
        new CreateDistributionConfigurationCommand({
          name: 'dd4',
          clientToken: t(),
          distributions: [
            { region: 'us-east-1', amiDistributionConfiguration: { name: 'x-{{imagebuilder:nope}}' } },
          ],
        }),
      ),
      'InvalidParameterValueException',
      /imagebuilder:nope/,
    );
    await client.send(
      new UpdateDistributionConfigurationCommand({
        distributionConfigurationArn: dist.distributionConfigurationArn,
        clientToken: t(),
        distributions: [{ region: 'us-east-1' }],
        description: 'v2',
      }),
    );
    const gotDist = await client.send(
      new GetDistributionConfigurationCommand({
        distributionConfigurationArn: dist.distributionConfigurationArn,
      }),
    );
    assert.equal(gotDist.distributionConfiguration?.description, 'v2');
    assert.equal(gotDist.distributionConfiguration?.timeoutMinutes, 720);
    assert.deepEqual(
      (await client.send(new ListDistributionConfigurationsCommand({})))
        .distributionConfigurationSummaryList?.[0]?.regions,
      ['us-east-1'],
    );

    const recipeArn = `${A}:image-recipe/golden/1.0.0`;
    const pipe = await client.send(
      new CreateImagePipelineCommand({
        name: 'weekly',
        imageRecipeArn: recipeArn,
        infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
        distributionConfigurationArn: dist.distributionConfigurationArn,
        clientToken: t(),
        schedule: { scheduleExpression: 'cron(0 6 ? * MON *)', timezone: 'Europe/Berlin' },
      }),
    );
    const gotPipe = await client.send(
      new GetImagePipelineCommand({ imagePipelineArn: pipe.imagePipelineArn }),
    );
    assert.equal(gotPipe.imagePipeline?.status, 'ENABLED');
    assert.equal(
      gotPipe.imagePipeline?.schedule?.pipelineExecutionStartCondition,
      'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
    );
    const next = new Date(String(gotPipe.imagePipeline?.dateNextRun));
    assert.ok(next.getTime() > Date.now(), 'dateNextRun is in the future');
    assert.equal(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(next),
      'Mon 06:00',
    );
    await rejects(
      client.send(
        new CreateImagePipelineCommand({
          name: 'bad',
          imageRecipeArn: recipeArn,
          infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
          clientToken: t(),
          schedule: { scheduleExpression: 'cron(0 6 * * MON *)' },
        }),
      ),
      'InvalidParameterValueException',
      /scheduleExpression/,
    );
    await rejects(
      client.send(
        new CreateImagePipelineCommand({
          name: 'bad',
          infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
          clientToken: t(),
        }),
      ),
      'InvalidParameterCombinationException',
    );
    await client.send(
      new UpdateImagePipelineCommand({
        imagePipelineArn: pipe.imagePipelineArn,
        imageRecipeArn: recipeArn,
        infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
        status: 'DISABLED',
        clientToken: t(),
      }),
    );
    const listed = await client.send(
      new ListImagePipelinesCommand({ filters: [{ name: 'status', values: ['DISABLED'] }] }),
    );
    assert.equal(listed.imagePipelineList?.length, 1);
    assert.equal(listed.imagePipelineList?.[0]?.distributionConfigurationArn, undefined);

    await rejects(
      client.send(new DeleteImageRecipeCommand({ imageRecipeArn: recipeArn })),
      'ResourceDependencyException',
      /weekly/,
    );
    await rejects(
      client.send(
        new DeleteInfrastructureConfigurationCommand({
          infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
        }),
      ),
      'ResourceDependencyException',
    );
    await rejects(
      client.send(new DeleteComponentCommand({ componentBuildVersionArn: `${A}:component/web/1.0.0/1` })),
      'ResourceDependencyException',
      /golden/,
    );
    await client.send(new DeleteImagePipelineCommand({ imagePipelineArn: pipe.imagePipelineArn }));
    await client.send(new DeleteImageRecipeCommand({ imageRecipeArn: recipeArn }));
    await client.send(
      new DeleteInfrastructureConfigurationCommand({
        infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
      }),
    );
    await client.send(
      new DeleteDistributionConfigurationCommand({
        distributionConfigurationArn: dist.distributionConfigurationArn,
      }),
    );
    await rejects(
      client.send(new GetImagePipelineCommand({ imagePipelineArn: pipe.imagePipelineArn })),
      'ResourceNotFoundException',
    );
  });

  it('creates workflows with build numbers, lists and deletes them', async () => {
    const w = await client.send(
      new CreateWorkflowCommand({
        name: 'approve',
        semanticVersion: '1.0.0',
        type: 'TEST',
        data: WORKFLOW,
        clientToken: t(),
      }),
    );
    assert.equal(w.workflowBuildVersionArn, `${A}:workflow/test/approve/1.0.0/1`);
    const w2 = await client.send(
      new CreateWorkflowCommand({
        name: 'approve',
        semanticVersion: '1.0.0',
        type: 'TEST',
        data: WORKFLOW,
        clientToken: t(),
      }),
    );
    assert.equal(w2.workflowBuildVersionArn, `${A}:workflow/test/approve/1.0.0/2`);
    const got = await client.send(
      new GetWorkflowCommand({ workflowBuildVersionArn: `${A}:workflow/test/approve/x.x.x` }),
    );
    assert.equal(got.workflow?.arn, w2.workflowBuildVersionArn);
    assert.deepEqual(
      got.workflow?.parameters?.map((p) => p.name),
      ['waitForActionAtEnd'],
    );
    await rejects(
      client.send(
        new CreateWorkflowCommand({
          name: 'bad',
          semanticVersion: '1.0.0',
          type: 'DISTRIBUTION',
          data: WORKFLOW,
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /ExecuteComponents|LaunchInstance|DISTRIBUTION/,
    );
    assert.equal((await client.send(new ListWorkflowsCommand({}))).workflowVersionList?.length, 1);
    const builds = await client.send(
      new ListWorkflowBuildVersionsCommand({ workflowVersionArn: `${A}:workflow/test/approve/1.0.0` }),
    );
    assert.equal(builds.workflowSummaryList?.length, 2);
    await client.send(new DeleteWorkflowCommand({ workflowBuildVersionArn: w.workflowBuildVersionArn }));
    assert.equal(
      (
        await client.send(
          new ListWorkflowBuildVersionsCommand({ workflowVersionArn: `${A}:workflow/test/approve/1.0.0` }),
        )
      ).workflowSummaryList?.length,
      1,
    );
  });

  it('manages lifecycle policies with epoch timestamps and the service rules', async () => {
    const policy = {
      name: 'keep-5',
      executionRole: 'kiln-lifecycle',
      resourceType: 'AMI_IMAGE' as const,
      clientToken: t(),
      policyDetails: [{ action: { type: 'DELETE' as const }, filter: { type: 'COUNT' as const, value: 5 } }],
      resourceSelection: { recipes: [{ name: 'golden', semanticVersion: '1.x.x' }] },
    };
    const p = await client.send(new CreateLifecyclePolicyCommand(policy));
    const got = await client.send(
      new GetLifecyclePolicyCommand({ lifecyclePolicyArn: p.lifecyclePolicyArn }),
    );
    assert.ok(got.lifecyclePolicy?.dateCreated instanceof Date, 'DateTimeTimestamp parsed by the SDK');
    assert.equal(got.lifecyclePolicy?.status, 'ENABLED');
    await rejects(
      client.send(
        new CreateLifecyclePolicyCommand({
          ...policy,
          name: 'xxx',
          clientToken: t(),
          resourceType: 'CONTAINER_IMAGE',
          policyDetails: [{ action: { type: 'DEPRECATE' }, filter: { type: 'AGE', value: 1, unit: 'DAYS' } }],
        }),
      ),
      'InvalidParameterCombinationException',
      /AMI_IMAGE/,
    );
    await rejects(
      client.send(
        new CreateLifecyclePolicyCommand({
          ...policy,
          name: 'yyy',
          clientToken: t(),
          policyDetails: [{ action: { type: 'DELETE' }, filter: { type: 'AGE', value: 1 } }],
        }),
      ),
      'InvalidParameterValueException',
      /filter\.unit/,
    );
    await client.send(
      new UpdateLifecyclePolicyCommand({
        ...policy,
        lifecyclePolicyArn: p.lifecyclePolicyArn,
        status: 'DISABLED',
        clientToken: t(),
      }),
    );
    const list = await client.send(new ListLifecyclePoliciesCommand({}));
    assert.equal(list.lifecyclePolicySummaryList?.[0]?.status, 'DISABLED');
    await client.send(new DeleteLifecyclePolicyCommand({ lifecyclePolicyArn: p.lifecyclePolicyArn }));
  });

  it('tags and untags resources', async () => {
    const arn = `${A}:component/web/1.0.0/1`;
    await client.send(
      new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod', 'owner team': 'platform' } }),
    );
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env'] }));
    const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    assert.deepEqual(tags.tags, { 'owner team': 'platform' });
    await rejects(
      client.send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:x': 'y' } })),
      'InvalidParameterException',
    );
    await rejects(
      client.send(new ListTagsForResourceCommand({ resourceArn: `${A}:component/none/1.0.0/1` })),
      'ResourceNotFoundException',
    );
  });

  it('answers image calls on an empty image table and unknown lifecycle executions', async () => {
    await rejects(
      client.send(new GetImageCommand({ imageBuildVersionArn: `${A}:image/golden/1.0.0/1` })),
      'ResourceNotFoundException',
    );
    await rejects(
      client.send(new DeleteImageCommand({ imageBuildVersionArn: `${A}:image/golden/1.0.0/1` })),
      'ResourceNotFoundException',
    );
    await rejects(
      client.send(new GetImagePolicyCommand({ imageArn: `${A}:image/golden/1.0.0/1` })),
      'ResourceNotFoundException',
    );
    assert.deepEqual((await client.send(new ListImagesCommand({}))).imageVersionList, []);
    assert.deepEqual((await client.send(new ListImageBuildVersionsCommand({}))).imageSummaryList, []);
    await rejects(
      client.send(
        new CreateImageCommand({
          imageRecipeArn: `${A}:image-recipe/golden/1.0.1`,
          infrastructureConfigurationArn: `${A}:infrastructure-configuration/missing`,
          clientToken: t(),
        }),
      ),
      'InvalidParameterValueException',
      /infrastructureConfigurationArn/,
    );
    await rejects(
      client.send(
        new GetLifecycleExecutionCommand({
          lifecycleExecutionId: 'lce-00000000-0000-4000-8000-000000000000',
        }),
      ),
      'ResourceNotFoundException',
      /lce-00000000-0000-4000-8000-000000000000/,
    );
  });
});
