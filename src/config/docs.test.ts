import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs, settingsHelp } from './docs.js';
import { loadConfig } from './load.js';
import { SETTINGS } from './settings.js';

const DOCS = fileURLToPath(new URL('../../docs/config.md', import.meta.url));

describe('config docs', () => {
  it('docs/config.md is what renderConfigDocs() generates', () => {
    assert.equal(
      readFileSync(DOCS, 'utf8'),
      renderConfigDocs(),
      'docs/config.md is stale: regenerate it with `npx tsx -e "import(\'./src/config/docs.ts\').then(m => process.stdout.write(m.renderConfigDocs()))" > docs/config.md`',
    );
  });

  it('the example config file in the docs loads', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(renderConfigDocs())?.[1];
    assert.ok(example);
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-docs-')), 'kiln.yaml');
    writeFileSync(file, example);
    const config = loadConfig({ env: { KILN_CONFIG: file }, cwd: '/' });
    assert.deepEqual(config.regions, ['us-east-1', 'eu-west-1']);
    assert.equal(config.accessKeys.length, 2);
  });

  it('every setting appears in the docs and every flag or variable in --help', () => {
    const docs = renderConfigDocs();
    const help = settingsHelp();
    for (const s of SETTINGS) {
      assert.ok(docs.includes(`\`${s.key}\``), s.key);
      if (s.flag) assert.ok(help.includes(s.flag), s.flag);
      if (s.env) assert.ok(help.includes(s.env), s.env);
    }
  });
});
