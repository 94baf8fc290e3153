import type { InputMap, InputValue } from '../model.js';
import { parseEncoding, type TextEncoding } from './fs-encoding.js';
import { InstanceFsError } from './fs-errors.js';
import type { OwnerSpec } from './instance-fs.js';
import type { ExecuteModule, ModuleContext } from './module.js';

/** A failure of one input item, about one field (undefined = the item as a whole). */
export class ItemFailure extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ItemFailure';
  }
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off']);

/**
 * Typed access to one input item. Values were validated when the document was read, but a
 * `{{ reference }}` was then substituted as text, so booleans and modes are read again here.
 */
export class Item {
  constructor(
    readonly index: number,
    private readonly map: InputMap,
  ) {}

  fail(field: string | undefined, message: string): never {
    throw new ItemFailure(field, message);
  }

  optionalString(key: string): string | undefined {
    const value: InputValue | undefined = this.map[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object') this.fail(key, 'must be a string');
    return String(value);
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined || value === '') this.fail(key, 'is required');
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.map[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    const word = String(value).toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return this.fail(key, `must be true or false (got '${String(value)}')`);
  }

  /**
   * A mode from octal digits. Validation keeps a YAML int as written (`0777` → '0777'); a number
   * that still arrives here is read as octal digits too, so 755 means 0755 (and 511 would mean
   * 0511: write modes as quoted strings).
   */
  permissions(key: string): number | undefined {
    const value = this.optionalString(key);
    if (value === undefined) return undefined;
    if (!/^[0-7]{1,4}$/.test(value))
      this.fail(key, `must be octal mode digits such as '0755' (got '${value}')`);
    return Number.parseInt(value, 8);
  }

  /** The `encoding` input; UTF-8 when absent. */
  encoding(key: string): TextEncoding {
    const value = this.optionalString(key);
    if (value === undefined) return 'utf8';
    return (
      parseEncoding(value) ??
      this.fail(key, `unknown encoding '${value}' (use utf8, utf16, utf32, with -LE/-BE)`)
    );
  }

  /** `owner` and `group` inputs, or undefined when neither is given. */
  owner(): OwnerSpec | undefined {
    const user = this.optionalString('owner') || undefined;
    const group = this.optionalString('group') || undefined;
    return user === undefined && group === undefined ? undefined : { user, group };
  }

  /** Runs a file-system call, turning its expected failures into a failure of `field`. */
  async at<T>(field: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof InstanceFsError) {
        // An unknown account is about the owner/group input, whatever call found it.
        if (err.code === 'ENOACCOUNT')
          throw new ItemFailure(err.path === '/etc/group' ? 'group' : 'owner', err.message);
        throw new ItemFailure(field, err.message);
      }
      throw err;
    }
  }
}

/** Runs one item; its result is collected for `outputs`. */
export type ItemRunner<T> = (item: Item, ctx: ModuleContext) => Promise<T>;

/**
 * A module taking a list of input items, run in order. The first failing item fails the step
 * with `inputs[N].field: message`; items before it stay done (AWSTOE does not roll back).
 * Host errors with an errno (ENOSPC, EROFS, EACCES) fail the step too; anything else is Kiln's
 * fault and is thrown.
 */
export function listModule<T>(
  name: string,
  run: ItemRunner<T>,
  outputs: (results: T[]) => Record<string, unknown> = () => ({}),
): ExecuteModule {
  return async (inputs, ctx) => {
    const items = Array.isArray(inputs) ? (inputs as readonly InputMap[]) : [inputs as InputMap];
    const results: T[] = [];
    for (const [index, map] of items.entries()) {
      if (ctx.signal.aborted)
        return { status: 'failed', message: `${name} stopped: ${String(ctx.signal.reason)}` };
      try {
        results.push(await run(new Item(index, map), ctx));
      } catch (err) {
        const where = `inputs[${index}]`;
        if (err instanceof ItemFailure) {
          const at = err.field === undefined ? where : `${where}.${err.field}`;
          return { status: 'failed', message: `${at}: ${err.message}` };
        }
        if (err instanceof InstanceFsError || typeof (err as NodeJS.ErrnoException).code === 'string') {
          return { status: 'failed', message: `${where}: ${(err as Error).message}` };
        }
        throw err;
      }
    }
    return { status: 'success', outputs: outputs(results) };
  };
}
