import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import { loadConfig, parseSettingFlags } from './load.js';

const CWD = '/srv/work';
const dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
let files = 0;
/** Writes a config file and returns its path. */
function configFile(yaml: string): string {
  const file = join(dir, `kiln-${++files}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

function fails(run: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof KilnError, String(err));
    assert.equal(err.status, 400);
    for (const pattern of patterns) assert.match(err.message, pattern);
    return true;
  });
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is given', () => {
    const config = loadConfig({ env: {}, cwd: CWD });
    assert.deepEqual(config, {
      dataDir: '/srv/work/.kiln',
      cacheDir: '/srv/work/.kiln/cache',
      host: '127.0.0.1',
      port: 8700,
      regions: ['us-east-1'],
      defaultRegion: 'us-east-1',
      defaultAccountId: '000000000000',
      accessKeys: [],
      maxConcurrentBuilds: Math.max(1, Math.floor(availableParallelism() / 2)),
      regionStores: { 'us-east-1': { type: 'directory', path: '/srv/work/.kiln/regions/us-east-1' } },
      kmsKeys: [],
      organizations: [],
    });
    assert.ok(
      Object.isFrozen(config) && Object.isFrozen(config.regions) && Object.isFrozen(config.accessKeys),
    );
  });

  it('takes flag over env over file over default', () => {
    const file = configFile('port: 8001\nhost: 0.0.0.0\nregions: [eu-west-1, us-east-1]\ndataDir: data\n');
    const cases: [string, Record<string, string>, Record<string, string>, number][] = [
      ['file', {}, { KILN_CONFIG: file }, 8001],
      ['env over file', {}, { KILN_CONFIG: file, KILN_PORT: '8002' }, 8002],
      ['flag over env', { port: '8003' }, { KILN_CONFIG: file, KILN_PORT: '8002' }, 8003],
      ['empty env counts as unset', {}, { KILN_CONFIG: file, KILN_PORT: '' }, 8001],
    ];
    for (const [name, flags, env, port] of cases) {
      const config = loadConfig({ flags, env, cwd: CWD });
      assert.equal(config.port, port, name);
      assert.equal(config.host, '0.0.0.0', name);
      assert.deepEqual(config.regions, ['eu-west-1', 'us-east-1']);
      assert.equal(config.defaultRegion, 'eu-west-1');
      assert.equal(config.dataDir, join(dir, 'data'), 'relative to the file');
      assert.equal(config.configFile, file);
    }
  });

  it('reads flags from argv, in both spellings, relative to cwd', () => {
    const config = loadConfig({
      argv: ['--data-dir', 'd', '--port=0', '--regions', 'us-east-1,eu-west-2'],
      env: {},
      cwd: CWD,
    });
    assert.equal(config.dataDir, '/srv/work/d');
    assert.equal(config.port, 0);
    assert.deepEqual(config.regions, ['us-east-1', 'eu-west-2']);
  });

  it('reads access keys from the file, with the default account', () => {
    const file = configFile(
      [
        'defaultAccountId: "000000000042"',
        'accessKeys:',
        '  - accessKeyId: AKIAEXAMPLEBUILDER01',
        '    secretAccessKey: secret-number-one',
        '    accountId: 111122223333',
        '  - accessKeyId: AKIAEXAMPLEREADONLY1',
        '    secretAccessKey: secret-number-two',
        '    allowedActions: [GetImage, ListImages]',
      ].join('\n'),
    );
    const config = loadConfig({ flags: { '--config': file }, env: {}, cwd: CWD });
    assert.deepEqual(config.accessKeys, [
      {
        accessKeyId: 'AKIAEXAMPLEBUILDER01',
        secretAccessKey: 'secret-number-one',
        accountId: '111122223333',
      },
      {
        accessKeyId: 'AKIAEXAMPLEREADONLY1',
        secretAccessKey: 'secret-number-two',
        accountId: '000000000042',
        allowedActions: ['GetImage', 'ListImages'],
      },
    ]);
    assert.ok(Object.isFrozen(config.accessKeys[1]) && Object.isFrozen(config.accessKeys[1]?.allowedActions));
  });

  it('keeps the admin key from the environment apart from accessKeys', () => {
    const env = { KILN_ACCESS_KEY_ID: 'AKIAADMINADMIN000001', KILN_SECRET_ACCESS_KEY: 'admin-secret' };
    const config = loadConfig({ env, cwd: CWD });
    assert.equal(config.adminAccessKeyId, 'AKIAADMINADMIN000001');
    assert.equal(config.adminSecretAccessKey, 'admin-secret');
    assert.deepEqual(config.accessKeys, []);
  });
});

describe('loadConfig errors name the setting and its source', () => {
  const cases: [string, () => unknown, RegExp[]][] = [
    [
      'port flag',
      () => loadConfig({ flags: { port: 'http' }, env: {}, cwd: CWD }),
      [/--port/, /'http' is not a port/],
    ],
    [
      'port env',
      () => loadConfig({ env: { KILN_PORT: '70000' }, cwd: CWD }),
      [/environment variable KILN_PORT/],
    ],
    [
      'account',
      () => loadConfig({ env: { KILN_ACCOUNT_ID: '1234' }, cwd: CWD }),
      [/KILN_ACCOUNT_ID/, /12 digits/],
    ],
    [
      'region',
      () => loadConfig({ argv: ['--regions', 'us-east-1,Europe'], env: {}, cwd: CWD }),
      [/--regions/, /'Europe'/],
    ],
    [
      'default region not listed',
      () => loadConfig({ env: { KILN_DEFAULT_REGION: 'eu-west-1' }, cwd: CWD }),
      [/KILN_DEFAULT_REGION/, /not one of the regions \(us-east-1\)/],
    ],
    [
      'unknown flag',
      () => loadConfig({ argv: ['--prot', '1'], env: {}, cwd: CWD }),
      [/Unknown option '--prot'/],
    ],
    [
      'flag without value',
      () => loadConfig({ argv: ['--port'], env: {}, cwd: CWD }),
      [/--port needs a value/],
    ],
    ['missing file', () => loadConfig({ env: { KILN_CONFIG: '/nonexistent/k.yaml' }, cwd: CWD }), [/ENOENT/]],
    [
      'half an admin key',
      () => loadConfig({ env: { KILN_ACCESS_KEY_ID: 'AKIAADMINADMIN000001' }, cwd: CWD }),
      [/KILN_ACCESS_KEY_ID is set but KILN_SECRET_ACCESS_KEY is not/],
    ],
  ];
  for (const [name, run, patterns] of cases) it(name, () => fails(run, ...patterns));

  const fileCases: [string, string, RegExp[]][] = [
    [
      'unknown key',
      'port: 1\nprot: 2\n',
      [/Unknown setting 'prot'/, /kiln-\d+\.yaml line 2/, /Did you mean 'port'/],
    ],
    [
      'flag-only key',
      'config: other.yaml\n',
      [/'config'.*cannot be set in a config file/, /--config or KILN_CONFIG/],
    ],
    [
      'secret in file',
      'adminSecretAccessKey: x\n',
      [/cannot be set in a config file/, /KILN_SECRET_ACCESS_KEY/],
    ],
    [
      'bad port',
      'host: ::1\nport: abc\n',
      [/setting port \(from 'port' in .*line 2\)/, /'abc' is not a port/],
    ],
    ['bad yaml', 'port: [1\n', [/not valid YAML: .* at line 2, column 1/]],
    ['not a map', '- a\n', [/must be a YAML map/]],
    ['regions map', 'regions: {a: b}\n', [/expected a list of regions, got a map/]],
    ['duplicate region', 'regions: [us-east-1, us-east-1]\n', [/'us-east-1' is listed twice/]],
    [
      'key without secret',
      'accessKeys:\n  - accessKeyId: AKIAEXAMPLEBUILDER01\n',
      [/accessKeys\[0\]\.secretAccessKey/, /required/],
    ],
    [
      'key field unknown',
      'accessKeys:\n  - {accessKeyId: AKIAEXAMPLEBUILDER01, secretAccessKey: abcdefgh, account: "1"}\n',
      [/accessKeys\[0\]\.account/, /unknown field/],
    ],
    [
      'short key id',
      'accessKeys:\n  - {accessKeyId: AKIA, secretAccessKey: abcdefgh}\n',
      [/accessKeys\[0\]\.accessKeyId/, /16 to 128/, /line 2/],
    ],
    [
      'bad account',
      'accessKeys:\n  - {accessKeyId: AKIAEXAMPLEBUILDER01, secretAccessKey: abcdefgh, accountId: 12}\n',
      [/accessKeys\[0\]\.accountId/, /12 digits/],
    ],
    [
      'bad actions',
      'accessKeys:\n  - {accessKeyId: AKIAEXAMPLEBUILDER01, secretAccessKey: abcdefgh, allowedActions: GetImage}\n',
      [/allowedActions/, /list of Image Builder operation names/],
    ],
    [
      'duplicate key',
      'accessKeys:\n  - {accessKeyId: AKIAEXAMPLEBUILDER01, secretAccessKey: abcdefgh}\n  - {accessKeyId: AKIAEXAMPLEBUILDER01, secretAccessKey: abcdefgi}\n',
      [/AKIAEXAMPLEBUILDER01.*is listed twice/],
    ],
  ];
  for (const [name, yaml, patterns] of fileCases) {
    it(`file: ${name}`, () =>
      fails(() => loadConfig({ env: { KILN_CONFIG: configFile(yaml) }, cwd: CWD }), ...patterns));
  }

  it('never echoes a secret', () => {
    fails(() =>
      loadConfig({
        env: { KILN_ACCESS_KEY_ID: 'AKIAADMINADMIN000001', KILN_SECRET_ACCESS_KEY: 'sh rt' },
        cwd: CWD,
      }),
    );
    assert.throws(
      () =>
        loadConfig({
          env: { KILN_ACCESS_KEY_ID: 'AKIAADMINADMIN000001', KILN_SECRET_ACCESS_KEY: 'sh rt' },
          cwd: CWD,
        }),
      (err: Error) => !err.message.includes('sh rt'),
    );
  });
});

describe('parseSettingFlags', () => {
  it('splits setting flags from other arguments', () => {
    assert.deepEqual(parseSettingFlags(['--port', '1', '--foreground', '--host=::1', 'x']), {
      flags: { '--port': '1', '--host': '::1' },
      rest: ['--foreground', 'x'],
    });
  });
});
