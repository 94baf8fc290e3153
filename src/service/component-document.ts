import { stringify } from 'yaml';
import { KilnError } from '../core/errors.js';
import { componentParameters, formatProblem, validateComponentDocument } from '../toe/index.js';
import type { Platform } from '../toe/model.js';

export interface CheckedComponent {
  /** TEST when the document has only a test phase, else BUILD (as the service decides). */
  readonly type: 'BUILD' | 'TEST';
  readonly parameters: { name: string; type: string; defaultValue?: string[]; description?: string }[];
}

/**
 * Validates component `data` as an AWSTOE document for the component's platform, the same
 * validator `kiln toe validate` uses; every problem is reported at once with line and column.
 */
export function checkComponentDocument(data: string, platform: Platform, member: string): CheckedComponent {
  const result = validateComponentDocument(data, { platform, fileName: member });
  if (!result.ok) {
    const lines = result.problems.slice(0, 20).map((p) => formatProblem(p));
    const more = result.problems.length > 20 ? ` (and ${result.problems.length - 20} more)` : '';
    throw new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter '${member}' is not a valid AWSTOE document: ${lines.join('; ')}${more}`,
      { hint: 'Run `kiln toe validate FILE` locally to see every problem.' },
    );
  }
  const phases = result.document.phases.map((p) => p.name);
  const type = phases.length > 0 && phases.every((p) => p === 'test') ? 'TEST' : 'BUILD';
  return { type, parameters: componentParameters(result.document) };
}

/** ImportComponent with format SHELL: the script becomes one ExecuteBash step. */
export function shellScriptDocument(
  name: string,
  description: string | undefined,
  script: string,
  type: 'BUILD' | 'TEST',
): string {
  return stringify({
    name,
    ...(description ? { description } : {}),
    schemaVersion: 1.0,
    phases: [
      {
        name: type === 'TEST' ? 'test' : 'build',
        steps: [{ name: 'ImportedShellScript', action: 'ExecuteBash', inputs: { commands: [script] } }],
      },
    ],
  });
}
