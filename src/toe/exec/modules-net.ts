import type { ExecuteModule } from './module.js';
import { s3Download, s3Upload } from './net-s3.js';
import { webDownloadModule } from './net-web.js';

/**
 * AWSTOE's download and upload modules (reference awstoe.md §2.2), by action name. They run
 * on the host, over the host's network (WebDownload) or against Kiln's configured S3 endpoint
 * (`ctx.s3`), and read and write the instance's files through `ctx.fs`.
 */
export const NETWORK_MODULES: ReadonlyMap<string, ExecuteModule> = new Map([
  ['WebDownload', webDownloadModule()],
  ['S3Download', s3Download],
  ['S3Upload', s3Upload],
]);
