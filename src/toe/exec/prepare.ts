import { formatProblem } from '../problems.js';
import type { ComponentDocument } from '../model.js';
import { validateComponentDocument } from '../validate.js';
import { documentVariables } from './variables.js';

/** A document to run: where it came from (shown in logs), its text, and its own parameters. */
export interface ToeDocumentInput {
  readonly path: string;
  readonly text: string;
  /** Recipe component parameters; they win over the run's global parameters. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface PreparedDocument {
  readonly path: string;
  readonly text: string;
  readonly doc: ComponentDocument;
  readonly variables: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/** Documents that cannot run: every problem of every document, each line prefixed with its file. */
export class ToeInputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`cannot run the documents:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ToeInputError';
  }
}

/**
 * Validates every document for Linux and works out its parameter values, before anything runs:
 * one invalid document or one parameter without a value stops the whole run with all problems.
 */
export function prepareDocuments(
  documents: readonly ToeDocumentInput[],
  parameters: Readonly<Record<string, string>> = {},
): PreparedDocument[] {
  const problems: string[] = [];
  const out: PreparedDocument[] = [];
  if (documents.length === 0) problems.push('no documents to run');
  for (const input of documents) {
    const result = validateComponentDocument(input.text, { platform: 'Linux', fileName: input.path });
    const warnings = result.warnings.map((w) =>
      formatProblem({ ...w, message: `warning: ${w.message}` }, input.path),
    );
    if (!result.ok) {
      problems.push(...result.problems.map((p) => formatProblem(p, input.path)));
      continue;
    }
    const { variables, problems: missing } = documentVariables(result.document, {
      ...parameters,
      ...input.parameters,
    });
    problems.push(...missing.map((m) => `${input.path}: ${m}`));
    out.push({ path: input.path, text: input.text, doc: result.document, variables, warnings });
  }
  if (problems.length > 0) throw new ToeInputError(problems);
  return out;
}
