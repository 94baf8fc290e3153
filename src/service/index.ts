import { OPERATION_NOTES } from '../contract/coverage.js';
import { OPERATION_NAMES } from '../contract/model.js';
import { KilnError } from '../core/errors.js';
import { COMPONENT_HANDLERS } from './components.js';
import { DISTRIBUTION_HANDLERS, INFRASTRUCTURE_HANDLERS } from './configurations.js';
import { CONTAINER_RECIPE_HANDLERS } from './container-recipes.js';
import type { Handler } from './context.js';
import { EXECUTION_HANDLERS } from './executions/index.js';
import { IMAGE_RECIPE_HANDLERS } from './image-recipes.js';
import { IMAGE_HANDLERS } from './images.js';
import { IMPORT_HANDLERS } from './imports.js';
import { LIFECYCLE_EXECUTION_HANDLERS } from './lifecycle-executions.js';
import { LIFECYCLE_POLICY_HANDLERS } from './lifecycle-policies.js';
import { PIPELINE_HANDLERS } from './pipelines.js';
import { SCAN_HANDLERS } from './scans.js';
import { TAG_HANDLERS } from './tags.js';
import { WORKFLOW_HANDLERS } from './workflows.js';

const IMPLEMENTED: Record<string, Handler> = {
  ...COMPONENT_HANDLERS,
  ...IMAGE_RECIPE_HANDLERS,
  ...CONTAINER_RECIPE_HANDLERS,
  ...INFRASTRUCTURE_HANDLERS,
  ...DISTRIBUTION_HANDLERS,
  ...PIPELINE_HANDLERS,
  ...WORKFLOW_HANDLERS,
  ...LIFECYCLE_POLICY_HANDLERS,
  ...LIFECYCLE_EXECUTION_HANDLERS,
  ...TAG_HANDLERS,
  ...IMAGE_HANDLERS,
  ...IMPORT_HANDLERS,
  ...EXECUTION_HANDLERS,
  ...SCAN_HANDLERS,
};

/** An operation of the model this server does not carry out: a typed 4xx naming it. */
const unavailable =
  (operation: string): Handler =>
  async () => {
    const note = OPERATION_NOTES[operation];
    throw new KilnError(
      'InvalidRequestException',
      `Kiln does not support ${operation} yet${note ? ` (${note})` : ''}.`,
      {
        hint: 'See docs/api-coverage.md for what this server implements.',
      },
    );
  };

/** Every operation of the model, mapped to its use case. */
export const HANDLERS: Readonly<Record<string, Handler>> = Object.freeze(
  Object.fromEntries(OPERATION_NAMES.map((op) => [op, IMPLEMENTED[op] ?? unavailable(op)])),
);

export const implementedOperations = (): string[] => Object.keys(IMPLEMENTED).sort();
