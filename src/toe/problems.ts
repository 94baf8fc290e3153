/**
 * One thing wrong (or suspicious) in a component document, located by the path the user
 * wrote (`phases[0].steps[2].inputs.commands`) and, when known, the 1-based line and column.
 */
export interface Problem {
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** `file:LINE:COL: path: message`; parts that are unknown are left out. */
export function formatProblem(p: Problem, fileName?: string): string {
  const where: string[] = [];
  if (fileName !== undefined && fileName !== '') where.push(fileName);
  if (p.line !== undefined) {
    where.push(String(p.line));
    if (p.column !== undefined) where.push(String(p.column));
  }
  const parts = where.length > 0 ? [where.join(':')] : [];
  if (p.path !== '') parts.push(p.path);
  parts.push(p.message);
  return parts.join(': ');
}

/** Orders problems by position; those without one keep their order at the end. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const la = a.p.line ?? Number.MAX_SAFE_INTEGER;
      const lb = b.p.line ?? Number.MAX_SAFE_INTEGER;
      if (la !== lb) return la - lb;
      const ca = a.p.column ?? 0;
      const cb = b.p.column ?? 0;
      return ca !== cb ? ca - cb : a.i - b.i;
    })
    .map(({ p }) => p);
}
