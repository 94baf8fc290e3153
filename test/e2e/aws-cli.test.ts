import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type ServerProcess, startServerProcess, tempDir } from '../support/kiln-server.js';

const run = promisify(execFile);
const DOC = `name: web
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Install
        action: ExecuteBash
        inputs:
          commands: ['echo installing']
`;

/** The two AWS CLIs of this machine: pip's v1 on PATH and Debian's v2 (package awscli). */
const CLIS = [
  {
    label: 'v1',
    bin: 'aws',
    versionPattern: /^aws-cli\/1\./,
    errorExit: 255,
    missing: 'install the AWS CLI v1 with pip (pip install awscli)',
  },
  {
    label: 'v2',
    bin: '/usr/bin/aws',
    versionPattern: /^aws-cli\/2\./,
    errorExit: 254,
    missing: 'install the Debian package awscli (make deps)',
  },
];

describe('the real AWS CLIs drive a Kiln server', () => {
  let server: ServerProcess;
  let dir: string;
  before(async () => {
    server = await startServerProcess();
    dir = tempDir('awscli');
    writeFileSync(join(dir, 'web.yaml'), DOC);
  });
  after(async () => server.stop());

  for (const cli of CLIS) {
    it(`runs the component → recipe → pipeline scenario with AWS CLI ${cli.label}`, async () => {
      if (cli.bin.startsWith('/')) assert.ok(existsSync(cli.bin), `${cli.bin} is missing: ${cli.missing}`);
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_PAGER: '',
      };
      const version = await run(cli.bin, ['--version'], { env }).catch((err: Error) =>
        assert.fail(`${cli.bin} --version failed (${err.message}): ${cli.missing}`),
      );
      assert.match(`${version.stdout}${version.stderr}`.trim(), cli.versionPattern);
      const aws = async (...args: string[]) => {
        const { stdout } = await run(
          cli.bin,
          ['--endpoint-url', server.url, '--output', 'json', 'imagebuilder', ...args],
          { env },
        );
        return stdout.trim() ? JSON.parse(stdout) : {};
      };
      const awsFails = async (...args: string[]) => {
        const err = await run(cli.bin, ['--endpoint-url', server.url, 'imagebuilder', ...args], { env }).then(
          () => assert.fail(`expected ${args[0]} to fail`),
          (e: { code: number; stderr: string }) => e,
        );
        assert.equal(err.code, cli.errorExit, err.stderr);
        return err.stderr;
      };
      const n = (name: string) => `${cli.label}-${name}`;

      // The CLIs read `file://` parameters themselves and send the text as `data`.
      const comp = await aws(
        'create-component',
        '--name',
        n('web'),
        '--semantic-version',
        '1.0.0',
        '--platform',
        'Linux',
        '--data',
        `file://${join(dir, 'web.yaml')}`,
      );
      assert.match(comp.componentBuildVersionArn, new RegExp(`component/${n('web')}/1.0.0/1$`));
      const wildcard = comp.componentBuildVersionArn.replace(/1\.0\.0\/1$/, 'x.x.x');
      const recipe = await aws(
        'create-image-recipe',
        '--name',
        n('golden'),
        '--semantic-version',
        '1.0.0',
        '--parent-image',
        'debian:bookworm',
        '--components',
        `componentArn=${wildcard}`,
      );
      const gotRecipe = await aws('get-image-recipe', '--image-recipe-arn', recipe.imageRecipeArn);
      assert.equal(gotRecipe.imageRecipe.components[0].componentArn, wildcard);
      const infra = await aws(
        'create-infrastructure-configuration',
        '--name',
        n('infra'),
        '--instance-profile-name',
        'kiln-build',
        '--instance-types',
        'kiln.small',
      );
      const dist = await aws(
        'create-distribution-configuration',
        '--name',
        n('dist'),
        '--distributions',
        JSON.stringify([
          {
            region: 'us-east-1',
            amiDistributionConfiguration: { name: 'golden-{{imagebuilder:buildDate}}' },
          },
        ]),
      );
      const pipe = await aws(
        'create-image-pipeline',
        '--name',
        n('weekly'),
        '--image-recipe-arn',
        recipe.imageRecipeArn,
        '--infrastructure-configuration-arn',
        infra.infrastructureConfigurationArn,
        '--distribution-configuration-arn',
        dist.distributionConfigurationArn,
        '--schedule',
        'scheduleExpression=cron(0 6 ? * MON *),pipelineExecutionStartCondition=EXPRESSION_MATCH_ONLY',
        '--tags',
        'team=platform',
      );
      const gotPipe = await aws('get-image-pipeline', '--image-pipeline-arn', pipe.imagePipelineArn);
      assert.equal(gotPipe.imagePipeline.schedule.scheduleExpression, 'cron(0 6 ? * MON *)');
      assert.ok(gotPipe.imagePipeline.dateNextRun, 'dateNextRun is shown');
      assert.deepEqual(gotPipe.imagePipeline.tags, { team: 'platform' });
      await aws('tag-resource', '--resource-arn', comp.componentBuildVersionArn, '--tags', 'stage=prod');
      assert.deepEqual(
        (await aws('list-tags-for-resource', '--resource-arn', comp.componentBuildVersionArn)).tags,
        { stage: 'prod' },
      );
      await aws('untag-resource', '--resource-arn', comp.componentBuildVersionArn, '--tag-keys', 'stage');
      assert.deepEqual(
        (await aws('list-tags-for-resource', '--resource-arn', comp.componentBuildVersionArn)).tags,
        {},
      );

      assert.match(
        await awsFails('delete-image-recipe', '--image-recipe-arn', recipe.imageRecipeArn),
        /ResourceDependencyException/,
      );
      assert.match(
        await awsFails('delete-component', '--component-build-version-arn', comp.componentBuildVersionArn),
        /ResourceDependencyException/,
      );
      assert.match(
        await awsFails('get-component', '--component-build-version-arn', wildcard.replace('x.x.x', '9.x.x')),
        /ResourceNotFoundException/,
      );
      await aws('delete-image-pipeline', '--image-pipeline-arn', pipe.imagePipelineArn);
      await aws('delete-image-recipe', '--image-recipe-arn', recipe.imageRecipeArn);
      await aws('delete-component', '--component-build-version-arn', comp.componentBuildVersionArn);
      await aws(
        'delete-infrastructure-configuration',
        '--infrastructure-configuration-arn',
        infra.infrastructureConfigurationArn,
      );
      await aws(
        'delete-distribution-configuration',
        '--distribution-configuration-arn',
        dist.distributionConfigurationArn,
      );
      const left = await aws('list-components');
      assert.deepEqual(
        left.componentVersionList.filter((c: { name: string }) => c.name.startsWith(cli.label)),
        [],
      );
    });
  }
});
