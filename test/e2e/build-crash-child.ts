/**
 * The build that build-crash.test.ts kills with SIGKILL: runs the engine in this process on
 * the recipe named on the command line and reports, one JSON object per stdout line, the
 * instances it launches and each log line (the test kills it when the component is running).
 * usage: node --import tsx build-crash-child.ts DATA_DIR CACHE_DIR COMPONENT_YAML_FILE
 */
import { readFile } from 'node:fs/promises';
import { componentRecord, engineFor, imageRequest } from './build-support.js';

const [dataDir, cacheDir, documentFile] = process.argv.slice(2);
if (!dataDir || !cacheDir || !documentFile) throw new Error('usage: DATA_DIR CACHE_DIR COMPONENT_YAML_FILE');

const build = engineFor({ dataDir, cacheDir }, [
  componentRecord('crash-sleeper', await readFile(documentFile, 'utf8')),
]);
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const result = await build(imageRequest({ name: 'crash-image', components: [{ name: 'crash-sleeper' }] }), {
  onEvent: (e) => {
    if (e.kind === 'step' && e.record.action === 'LaunchInstance' && e.record.outputs)
      say({ launched: JSON.parse(String(e.record.outputs)).instanceId });
    if (e.kind === 'log') say({ log: e.line.text });
  },
});
say({ outcome: result.outcome });
