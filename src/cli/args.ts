/**
 * Argument parsing shared by every client verb: `--flag value`, `--flag=value`, boolean
 * switches, repeated flags and positionals. A verb declares its flags once; the parser rejects
 * anything undeclared so a typo never silently becomes a positional.
 */

export type FlagType = 'string' | 'boolean' | 'list';

export interface FlagSpec {
  /** Name without dashes, as typed after `--`. */
  readonly name: string;
  readonly type: FlagType;
  /** Placeholder shown in usage text, e.g. `FILE`. */
  readonly value?: string;
  readonly help: string;
}

/** A mistake in how the command was typed; the CLI prints it and exits 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  string(name: string): string | undefined;
  boolean(name: string): boolean;
  list(name: string): readonly string[];
}

export function parseArgs(args: readonly string[], spec: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(spec.map((f) => [f.name, f]));
  const strings = new Map<string, string>();
  const booleans = new Set<string>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  let onlyPositionals = false;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (onlyPositionals || !arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const flag = byName.get(name);
    if (!flag) {
      const known = spec.map((f) => `--${f.name}`).join(', ');
      throw new UsageError(`unknown option '--${name}'. Known options: ${known || 'none'}.`);
    }
    if (flag.type === 'boolean') {
      if (eq !== -1) {
        const text = arg.slice(eq + 1);
        if (text !== 'true' && text !== 'false')
          throw new UsageError(`--${name} takes no value (or =true/=false).`);
        if (text === 'true') booleans.add(name);
        else booleans.delete(name);
      } else {
        booleans.add(name);
      }
      continue;
    }
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined)
        throw new UsageError(`--${name} needs a value${flag.value ? ` (${flag.value})` : ''}.`);
      value = next;
      i++;
    }
    if (flag.type === 'list') {
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else {
      if (strings.has(name)) throw new UsageError(`--${name} was given twice.`);
      strings.set(name, value);
    }
  }

  return Object.freeze({
    positionals: Object.freeze(positionals),
    string: (name: string) => strings.get(name),
    boolean: (name: string) => booleans.has(name),
    list: (name: string) => Object.freeze([...(lists.get(name) ?? [])]),
  });
}

/** Exactly `count` positionals, named in the error for the user. */
export function expectPositionals(parsed: ParsedArgs, names: readonly string[]): string[] {
  if (parsed.positionals.length !== names.length) {
    const want = names.length === 0 ? 'no arguments' : names.join(' ');
    throw new UsageError(
      `expected ${want}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}.`,
    );
  }
  return [...parsed.positionals];
}

/** Usage text: the synopsis line, then one aligned line per flag. */
export function usageText(synopsis: string, description: string, spec: readonly FlagSpec[]): string {
  const labels = spec.map((f) => `--${f.name}${f.type === 'boolean' ? '' : ` ${f.value ?? 'VALUE'}`}`);
  const width = Math.max(0, ...labels.map((l) => l.length));
  const lines = spec.map((f, i) => `  ${(labels[i] as string).padEnd(width)}  ${f.help}`);
  return [`Usage: ${synopsis}`, '', description, '', 'Options:', ...lines, ''].join('\n');
}
