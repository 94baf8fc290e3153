import type { LineCounter } from 'yaml';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Where each node of a parsed document started, keyed by its path
 * (`phases[0].steps[2].inputs.commands`). Kept on the document so that errors found at run
 * time can cite the same line and column as validation does.
 */
export class SourceMap {
  readonly #offsets = new Map<string, number>();
  readonly #lines: LineCounter;

  constructor(lines: LineCounter) {
    this.#lines = lines;
  }

  /** Records a node's start offset; used while parsing only. */
  record(path: string, offset: number): void {
    if (!this.#offsets.has(path)) this.#offsets.set(path, offset);
  }

  /** The exact position of `path`, or undefined when nothing was recorded for it. */
  exact(path: string): SourcePosition | undefined {
    const offset = this.#offsets.get(path);
    if (offset === undefined) return undefined;
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * The position of `path`, or of its nearest recorded ancestor (an input built at run time,
   * such as `inputs[0].source` after substitution, still points at its step).
   */
  position(path: string): SourcePosition | undefined {
    let p = path;
    for (;;) {
      const found = this.exact(p);
      if (found || p === '') return found;
      p = parentPath(p);
    }
  }

  get size(): number {
    return this.#offsets.size;
  }
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ``. */
export function parentPath(path: string): string {
  const m = /^(.*?)(?:\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? (m[1] ?? '') : '';
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}
