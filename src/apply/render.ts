import type { PlanAction } from './plan.js';
import { RESOURCES } from './resources.js';

/** `create 1.0.0`, `new version 1.0.1 (data changed)`, `update (schedule changed)`, `unchanged`. */
export function describeAction(a: PlanAction): string {
  const changed = a.changes.filter((c) => c !== 'semanticVersion');
  const why = changed.length ? ` (${changed.join(', ')} changed)` : '';
  switch (a.action) {
    case 'create':
      return a.version ? `create ${a.version}` : 'create';
    case 'new-version':
      return `new version ${a.version}${why}`;
    case 'update':
      return `update${why}`;
    case 'unchanged':
      return a.version ? `unchanged ${a.version}` : 'unchanged';
  }
}

/** One line per resource, kind and name aligned, then a one-line summary. */
export function renderPlan(actions: readonly PlanAction[]): string {
  const labels = actions.map((a) => RESOURCES[a.kind].label);
  const lw = Math.max(0, ...labels.map((l) => l.length));
  const nw = Math.max(0, ...actions.map((a) => a.name.length));
  const lines = actions.map(
    (a, i) => `  ${(labels[i] as string).padEnd(lw)}  ${a.name.padEnd(nw)}  ${describeAction(a)}`,
  );
  return [...lines, summarize(actions)].join('\n') + '\n';
}

export function summarize(actions: readonly PlanAction[]): string {
  const count = (t: PlanAction['action']) => actions.filter((a) => a.action === t).length;
  const parts = [
    `${count('create')} to create`,
    `${count('new-version')} new version${count('new-version') === 1 ? '' : 's'}`,
    `${count('update')} to update`,
    `${count('unchanged')} unchanged`,
  ];
  return `Plan: ${parts.join(', ')}.`;
}
