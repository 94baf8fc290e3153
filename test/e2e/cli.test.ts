import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  KILN_BIN,
  REPO_ROOT,
  removeDir,
  type ServerProcess,
  startServerProcess,
  tempDir,
} from '../support/kiln-server.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `kiln` command against the server, as a user would. */
function kilnAt(env: Record<string, string>, args: readonly string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
    delete childEnv.AWS_ACCESS_KEY_ID;
    delete childEnv.AWS_SECRET_ACCESS_KEY;
    delete childEnv.KILN_ACCESS_KEY_ID;
    delete childEnv.KILN_SECRET_ACCESS_KEY;
    execFile(
      process.execPath,
      [KILN_BIN, ...args],
      { cwd: REPO_ROOT, env: childEnv },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 125) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

const EXAMPLE = join(REPO_ROOT, 'examples', 'nginx-golden');
const planLines = (out: string) => out.split('\n').filter((l) => l.startsWith('  '));

describe('kiln CLI against a real server', () => {
  let server: ServerProcess;
  let kiln: (...args: string[]) => Promise<Run>;
  const dirs: string[] = [];

  before(async () => {
    server = await startServerProcess();
    kiln = (...args) => kilnAt({ KILN_ENDPOINT: server.url, KILN_DATA_DIR: server.dataDir }, args);
  });
  after(async () => {
    await server?.stop();
    removeDir(server?.dataDir ?? '');
    for (const d of dirs) removeDir(d);
  });

  it('apply --dry-run prints the plan and creates nothing', async () => {
    const run = await kiln('apply', EXAMPLE, '--dry-run');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      planLines(run.stdout).map((l) => l.trim().replace(/\s+/g, ' ')),
      [
        'component nginx-web create 1.0.0',
        'image recipe nginx-golden create 1.0.0',
        'infrastructure configuration nginx-golden-infra create',
        'distribution configuration nginx-golden create',
        'image pipeline nginx-golden-weekly create',
      ],
    );
    const list = await kiln('component', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), { componentVersionList: [] });
  });

  it('apply creates everything, and a second apply changes nothing', async () => {
    const first = await kiln('apply', EXAMPLE);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Plan: 5 to create, 0 new versions, 0 to update, 0 unchanged\./);
    assert.match(
      first.stdout,
      /^created arn:aws:imagebuilder:us-east-1:\d{12}:component\/nginx-web\/1\.0\.0$/m,
    );
    assert.match(first.stdout, /Applied\./);
    const second = await kiln('apply', EXAMPLE);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Plan: 0 to create, 0 new versions, 0 to update, 5 unchanged\./);
    assert.doesNotMatch(second.stdout, /Applied/);
  });

  it('list and get show what apply created, as tables and as JSON', async () => {
    const table = await kiln('component', 'list');
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.split('\n');
    assert.match(header ?? '', /^NAME\s+VERSION\s+PLATFORM\s+TYPE\s+CREATED\s+ARN$/);
    assert.match(row ?? '', /^nginx-web\s+1\.0\.0\s+Linux\s+\S+\s+\S+\s+arn:aws:imagebuilder:/);

    const listings: [string, string, string][] = [
      ['recipe', 'imageRecipeSummaryList', 'nginx-golden'],
      ['infra', 'infrastructureConfigurationSummaryList', 'nginx-golden-infra'],
      ['dist', 'distributionConfigurationSummaryList', 'nginx-golden'],
      ['pipeline', 'imagePipelineList', 'nginx-golden-weekly'],
    ];
    for (const [noun, key, name] of listings) {
      const run = await kiln(noun, 'list', '--json');
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        (JSON.parse(run.stdout)[key] as { name: string }[]).map((i) => i.name),
        [name],
        noun,
      );
    }

    const component = await kiln('component', 'get', 'nginx-web', '--json');
    assert.equal(component.code, 0, component.stderr);
    const doc = readFileSync(join(EXAMPLE, 'components', 'nginx-web.yaml'), 'utf8');
    assert.equal(JSON.parse(component.stdout).component.data, doc);

    const pipeline = await kiln('pipeline', 'get', 'nginx-golden-weekly', '--json');
    assert.equal(pipeline.code, 0, pipeline.stderr);
    const p = JSON.parse(pipeline.stdout).imagePipeline;
    assert.match(p.imageRecipeArn, /:image-recipe\/nginx-golden\/1\.0\.0$/);
    assert.equal(p.schedule.scheduleExpression, 'cron(0 6 ? * MON *)');

    const yaml = await kiln('recipe', 'get', 'nginx-golden');
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^parentImage: debian:bookworm$/m);
  });

  it('a changed component document cascades to new versions and a pipeline update', async () => {
    const dir = tempDir('cli-apply');
    dirs.push(dir);
    cpSync(EXAMPLE, dir, { recursive: true });
    const docPath = join(dir, 'components', 'nginx-web.yaml');
    writeFileSync(docPath, `${readFileSync(docPath, 'utf8')}# a changed document\n`);
    const run = await kiln('apply', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      planLines(run.stdout).map((l) => l.trim().replace(/\s+/g, ' ')),
      [
        'component nginx-web new version 1.0.1 (data changed)',
        'image recipe nginx-golden new version 1.0.1 (components changed)',
        'infrastructure configuration nginx-golden-infra unchanged',
        'distribution configuration nginx-golden unchanged',
        'image pipeline nginx-golden-weekly update (imageRecipeArn changed)',
      ],
    );
    const pipeline = JSON.parse(
      (await kiln('pipeline', 'get', 'nginx-golden-weekly', '--json')).stdout,
    ).imagePipeline;
    assert.match(pipeline.imageRecipeArn, /:image-recipe\/nginx-golden\/1\.0\.1$/);
    const recipe = JSON.parse((await kiln('recipe', 'get', 'nginx-golden', '--json')).stdout).imageRecipe;
    assert.match(recipe.components[0].componentArn, /:component\/nginx-web\/1\.0\.1$/);
    const again = await kiln('apply', dir);
    assert.match(again.stdout, /Plan: 0 to create, 0 new versions, 0 to update, 5 unchanged\./);
  });

  it('delete removes a resource; getting it afterwards is one error line and exit 1', async () => {
    const deleted = await kiln('pipeline', 'delete', 'nginx-golden-weekly', '--json');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(JSON.parse(deleted.stdout).imagePipelineArn, /:image-pipeline\/nginx-golden-weekly$/);
    const gone = await kiln('pipeline', 'get', 'nginx-golden-weekly');
    assert.equal(gone.code, 1);
    assert.equal(gone.stdout, '');
    assert.match(gone.stderr, /^kiln: ResourceNotFoundException: .*nginx-golden-weekly.*\n$/);
    const byArn = await kiln(
      'component',
      'get',
      'arn:aws:imagebuilder:us-east-1:000000000000:component/nope/1.0.0',
    );
    assert.equal(byArn.code, 1);
    assert.match(byArn.stderr, /^kiln: ResourceNotFoundException: [^\n]+\n$/);
  });

  it('create with flags resolves names to ARNs', async () => {
    const created = await kiln(
      'infra',
      'create',
      '--name',
      'flags-infra',
      '--instance-profile',
      'kiln-build',
      '--instance-type',
      'kiln.small',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /^created arn:aws:imagebuilder:us-east-1:\d{12}:infrastructure-configuration\/flags-infra\n$/,
    );
    const pipeline = await kiln(
      'pipeline',
      'create',
      '--name',
      'flags-pipeline',
      '--recipe',
      'nginx-golden',
      '--infra',
      'flags-infra',
      '--json',
    );
    assert.equal(pipeline.code, 0, pipeline.stderr);
    const got = JSON.parse((await kiln('pipeline', 'get', 'flags-pipeline', '--json')).stdout).imagePipeline;
    assert.match(got.imageRecipeArn, /:image-recipe\/nginx-golden\/1\.0\.1$/);
  });

  it('mistakes are one line with exit 1; a stopped server is exit 125 with how to start it', async () => {
    const bad = tempDir('cli-bad');
    dirs.push(bad);
    writeFileSync(join(bad, 'kiln.yaml'), 'components:\n  - name: c\n    platform: Linux\n    colour: red\n');
    const manifest = await kiln('apply', bad);
    assert.equal(manifest.code, 1);
    assert.match(
      manifest.stderr,
      /^kiln: invalid manifest: 2 problems:\n.*kiln\.yaml:2: components\[0\]: data \(inline document\) or file[^\n]+\n.*kiln\.yaml:4: components\[0\]\.colour: unknown member[^\n]+\n$/,
    );

    const rejectedDir = tempDir('cli-rejected');
    dirs.push(rejectedDir);
    writeFileSync(
      join(rejectedDir, 'kiln.yaml'),
      'components:\n  - name: c\n    platform: Plan9\n    data: "x"\n',
    );
    const rejected = await kiln('apply', rejectedDir);
    assert.equal(rejected.code, 1);
    assert.match(
      rejected.stderr,
      /^kiln: InvalidParameterValueException: [^\n]*\(create component 'c', [^\n]*kiln\.yaml:2\)\n$/,
    );

    const usage = await kiln('component', 'list', '--colour');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /^kiln: unknown option '--colour'\. Known options: [^\n]+\n$/);

    const down = await kilnAt({ KILN_ENDPOINT: 'http://127.0.0.1:9', KILN_DATA_DIR: server.dataDir }, [
      'recipe',
      'list',
    ]);
    assert.equal(down.code, 125);
    assert.match(
      down.stderr,
      /^kiln: the server isn't running at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\. Start it with [^\n]+\n$/,
    );

    const noKeys = await kilnAt({ KILN_ENDPOINT: server.url, KILN_DATA_DIR: bad }, ['recipe', 'list']);
    assert.equal(noKeys.code, 1);
    assert.match(noKeys.stderr, /^kiln: no credentials: set KILN_ACCESS_KEY_ID [^\n]+\n$/);
  });
});
