/**
 * The managed workflows Kiln ships, its equivalents of the AWS-managed `build-image`,
 * `test-image`, `build-container`, `test-container`, `distribute-image` and
 * `distribute-container` (api.md §8.1, §8.3). The documents live beside this file in
 * `managed/*.yaml`; a compiled build (dist/src/workflows/) reads them from the source tree,
 * since tsc does not copy YAML.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KilnError } from '../core/errors.js';
import type { WorkflowType } from './actions.js';

export interface ManagedWorkflow {
  readonly name: string;
  readonly type: WorkflowType;
  readonly version: '1.0.0';
  /** The YAML document, as CreateWorkflow's `data` would carry it. */
  readonly data: string;
}

const MANAGED: readonly { readonly name: string; readonly type: WorkflowType }[] = [
  { name: 'build-image', type: 'BUILD' },
  { name: 'test-image', type: 'TEST' },
  { name: 'build-container', type: 'BUILD' },
  { name: 'test-container', type: 'TEST' },
  { name: 'distribute-image', type: 'DISTRIBUTION' },
  { name: 'distribute-container', type: 'DISTRIBUTION' },
];

let cache: readonly ManagedWorkflow[] | undefined;

/** Every managed workflow, read once from the bundled YAML files. */
export function managedWorkflows(): readonly ManagedWorkflow[] {
  cache ??= Object.freeze(
    MANAGED.map(({ name, type }) =>
      Object.freeze({ name, type, version: '1.0.0' as const, data: readFileSync(managedFile(name), 'utf8') }),
    ),
  );
  return cache;
}

function managedFile(name: string): URL {
  const beside = new URL(`./managed/${name}.yaml`, import.meta.url);
  if (existsSync(beside)) return beside;
  // dist/src/workflows/managed.js → src/workflows/managed/<name>.yaml
  const source = new URL(`../../../src/workflows/managed/${name}.yaml`, import.meta.url);
  if (existsSync(source)) return source;
  throw new KilnError(
    'ServiceException',
    `managed workflow document ${name}.yaml is missing: looked for ${beside.pathname} and ${source.pathname}`,
  );
}
