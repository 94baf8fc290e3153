import { startKilnServer } from '../../app/kiln-server.js';
import { credentialsUsageText } from '../../config/credentials.js';
import { settingsHelp } from '../../config/docs.js';
import { loadConfig } from '../../config/load.js';
import type { Verb } from '../verb.js';

/** `kiln server`: serve the Image Builder API on the embedded store until SIGINT/SIGTERM. */
export const serverVerb: Verb = {
  path: ['server'],
  summary: 'serve the Image Builder API (and later the console) on the embedded store',
  get usage() {
    return `Usage: kiln server [--data-dir DIR] [--port N] [--host 127.0.0.1] [--config FILE]\n\n${settingsHelp()}`;
  },
  async run(args, io) {
    const config = loadConfig({ argv: args, env: io.env, cwd: io.cwd });
    const server = await startKilnServer(config, {
      env: io.env,
      logError: (err, context) =>
        io.stderr.write(
          `kiln: error in ${context}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        ),
    });
    const { api, admin } = server;
    io.stdout.write(`kiln: listening on ${api.url} (data in ${server.config.dataDir})\n`);
    io.stdout.write(
      `${credentialsUsageText({ credentials: admin, host: server.config.host, port: api.port, region: server.config.defaultRegion })}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.stdout.write('kiln: shutting down\n');
    await server.stop();
    return 0;
  },
};
