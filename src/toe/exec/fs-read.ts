import { decodeText, encodeText } from './fs-encoding.js';
import { type Item, listModule } from './fs-items.js';
import type { ModuleContext } from './module.js';

/** The item's `path` as an existing regular file (symlinks followed). */
async function existingFile(item: Item, ctx: ModuleContext): Promise<string> {
  const path = item.string('path');
  const info = await item.at('path', () => ctx.fs.stat(path));
  if (!info) item.fail('path', `${path} does not exist`);
  if (info.type === 'directory') item.fail('path', `${path} is a folder`);
  if (info.type !== 'file') item.fail('path', `${path} is not a regular file`);
  return path;
}

/**
 * ReadFile: output `content` is the decoded text (several items: their contents joined with
 * a newline). `printFileContent` also sends each line to the step's stdout log.
 */
export const readFile = listModule(
  'ReadFile',
  async (item: Item, ctx) => {
    const encoding = item.encoding('encoding');
    const print = item.bool('printFileContent', false);
    const path = await existingFile(item, ctx);
    const content = decodeText(await item.at('path', () => ctx.fs.readFile(path)), encoding);
    if (print) for (const line of content.replace(/\n$/, '').split('\n')) ctx.log.stdout(line);
    ctx.log.info(`ReadFile: read ${path}`);
    return content;
  },
  (contents) => ({ content: contents.join('\n') }),
);

/** SetFileEncoding: re-encodes a UTF-8 file (a UTF-8 byte-order mark is dropped); mode and owner stay. */
export const setFileEncoding = listModule('SetFileEncoding', async (item: Item, ctx) => {
  const encoding = item.encoding('encoding');
  const path = await existingFile(item, ctx);
  const text = decodeText(await item.at('path', () => ctx.fs.readFile(path)), 'utf8');
  await item.at('path', () => ctx.fs.writeFile(path, encodeText(text, encoding)));
  ctx.log.info(`SetFileEncoding: ${path} is now ${encoding}`);
});
