/**
 * Problems found in a workflow document, each with the path as the user wrote it
 * (`steps[1].inputs.instanceId.$`) and, when the YAML has it, the line and column.
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export interface WorkflowProblem {
  /** Dotted path into the document, `''` for the document itself. */
  readonly path: string;
  /** 1-based position of the offending node (or the nearest existing parent). */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export type PathSegment = string | number;

/** Records a problem; `at: 'key'` points at a map key rather than its value. */
export type Report = (path: readonly PathSegment[], message: string, at?: 'key' | 'value') => void;

export function renderPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** Collects problems against a parsed YAML document so each gets a position. */
export class ProblemList {
  readonly problems: WorkflowProblem[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  readonly report: Report = (path, message, at = 'value') => {
    const offset = locate(this.doc, path, at);
    const pos = offset === undefined ? undefined : this.lines.linePos(offset);
    this.problems.push({
      path: renderPath(path),
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      message,
    });
  };
}

/** Start offset of the node at `path`, or of its nearest ancestor that exists. */
function locate(doc: Document, path: readonly PathSegment[], at: 'key' | 'value'): number | undefined {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const [i, seg] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      if (at === 'key' && i === path.length - 1) {
        found = pair.key;
        break;
      }
      node = pair.value;
      found = node ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      found = node;
    } else {
      break;
    }
  }
  return (found as Node | null | undefined)?.range?.[0];
}

/** `LINE:COL: path: message`, leaving out the parts that are unknown. */
export function formatProblem(p: WorkflowProblem): string {
  const where = p.line === undefined ? [] : [`${p.line}:${p.column ?? 1}`];
  return [...where, ...(p.path === '' ? [] : [p.path]), p.message].join(': ');
}
