/** AWSTOE component documents: parse and validate (execution lives beside the action specs). */
export {
  ACTION_SPECS,
  type ActionSpec,
  actionSpec,
  ENCODINGS,
  type FieldSpec,
  type FieldType,
} from './actions/index.js';
export { MAX_LOGICAL_DEPTH } from './condition.js';
export { stepStrings } from './check-references.js';
export { noInputsMessage } from './inputs.js';
export { LOOP_DELIMITERS } from './loop.js';
export * from './model.js';
export { type ComponentParameterDetail, componentParameters } from './parameters.js';
export { formatProblem, type Problem, sortProblems } from './problems.js';
export {
  findReferences,
  hasReference,
  type ParsedReference,
  parseReference,
  type ReferenceOccurrence,
  replaceReferences,
} from './references.js';
export { joinPath, parentPath, SourceMap, type SourcePosition } from './source-map.js';
export { DEFAULT_TIMEOUT_SECONDS } from './steps.js';
export { type ValidateOptions, type ValidationResult, validateComponentDocument } from './validate.js';
