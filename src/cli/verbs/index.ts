import type { Verb } from '../verb.js';
import { applyVerb } from './apply.js';
import { componentVerbs } from './component.js';
import { containerRecipeVerbs } from './container-recipe.js';
import { distVerbs } from './dist.js';
import { feedUpdateVerb } from './feed.js';
import { imageVerbs } from './image.js';
import { imageImportVerb } from './image-import.js';
import { imageSbomVerb } from './image-sbom.js';
import { imageVerifyVerb } from './image-verify.js';
import { infraVerbs } from './infra.js';
import { instanceVerbs } from './instance.js';
import { keyExportVerb } from './key.js';
import { launchTemplateVerbs } from './launch-template.js';
import { lifecycleVerbs } from './lifecycle.js';
import { lifecyclePolicyVerbs } from './lifecycle-policy.js';
import { logsVerb, pipelineStartVerb } from './logs.js';
import { parameterVerbs } from './parameter.js';
import { pipelineVerbs } from './pipeline.js';
import { recipeVerbs } from './recipe.js';
import { serverVerb } from './server.js';
import { storeVerbs } from './store.js';
import { toeRunVerb } from './toe-run.js';
import { toeValidateVerb } from './toe-validate.js';
import { topicVerbs } from './topic.js';
import { workflowVerbs } from './workflow.js';

/** Every verb of the `kiln` command. Add one import and one entry per verb file. */
export const VERBS: readonly Verb[] = [
  serverVerb,
  applyVerb,
  ...componentVerbs,
  ...recipeVerbs,
  ...containerRecipeVerbs,
  ...infraVerbs,
  ...distVerbs,
  ...pipelineVerbs,
  pipelineStartVerb,
  ...imageVerbs,
  imageImportVerb,
  imageVerifyVerb,
  imageSbomVerb,
  keyExportVerb,
  feedUpdateVerb,
  ...parameterVerbs,
  logsVerb,
  ...topicVerbs,
  ...workflowVerbs,
  ...lifecyclePolicyVerbs,
  ...lifecycleVerbs,
  toeValidateVerb,
  toeRunVerb,
  ...instanceVerbs,
  ...launchTemplateVerbs,
  ...storeVerbs,
];
