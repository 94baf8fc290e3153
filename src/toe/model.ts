import type { SourceMap } from './source-map.js';

/** The Image Builder component platform a document is validated (and run) for. */
export type Platform = 'Linux' | 'Windows' | 'macOS';
export const PLATFORMS: readonly Platform[] = ['Linux', 'Windows', 'macOS'];

export type OnFailure = 'Abort' | 'Continue' | 'Ignore';
export const ON_FAILURE_VALUES: readonly OnFailure[] = ['Abort', 'Continue', 'Ignore'];

/** An input value as written, references not yet resolved. Scalars of string-typed fields are text. */
export type InputValue = string | number | boolean | null | readonly InputValue[] | InputMap;
export interface InputMap {
  readonly [key: string]: InputValue;
}
/** Map inputs (ExecuteBash, ...) or a list of input items (S3Download, CreateFile, ...). */
export type StepInputs = InputMap | readonly InputMap[];

export interface ParameterDef {
  readonly name: string;
  /** Only 'string' is accepted (the only documented type). */
  readonly type: 'string';
  readonly default?: string;
  readonly description?: string;
  readonly allowedValues?: readonly string[];
}

export interface ConstantDef {
  readonly name: string;
  readonly type: 'string';
  readonly value: string;
}

interface LoopBase {
  /** Optional; unique within the phase; `{{ name.index }}` / `{{ name.value }}`. */
  readonly name?: string;
}
/** Inclusive range [start, end] stepping by updateBy (non-zero, moving towards end). */
export interface ForLoop extends LoopBase {
  readonly kind: 'for';
  readonly start: number;
  readonly end: number;
  readonly updateBy: number;
}
/** Items may hold references, resolved when the loop starts. */
export interface ForEachLoop extends LoopBase {
  readonly kind: 'forEach';
  readonly items: readonly string[];
}
/** `list` is split on the one-character `delimiter` after resolution. */
export interface ForEachDelimitedLoop extends LoopBase {
  readonly kind: 'forEachDelimited';
  readonly list: string;
  readonly delimiter: string;
}
export type Loop = ForLoop | ForEachLoop | ForEachDelimitedLoop;

export type ConditionAction = 'Abort' | 'Execute' | 'Skip';
export const CONDITION_ACTIONS: readonly ConditionAction[] = ['Abort', 'Execute', 'Skip'];

export const STRING_OPERATORS = [
  'stringIsEmpty',
  'stringIsWhitespace',
  'stringEquals',
  'stringLessThan',
  'stringLessThanEquals',
  'stringGreaterThan',
  'stringGreaterThanEquals',
  'patternMatches',
] as const;
export const NUMBER_OPERATORS = [
  'numberEquals',
  'numberLessThan',
  'numberLessThanEquals',
  'numberGreaterThan',
  'numberGreaterThanEquals',
] as const;
export const FILE_OPERATORS = ['binaryExists', 'fileExists', 'folderExists'] as const;
export const HASH_OPERATORS = [
  'fileMD5Equals',
  'fileSHA1Equals',
  'fileSHA256Equals',
  'fileSHA512Equals',
] as const;
export const LOGICAL_OPERATORS = ['and', 'or', 'not'] as const;
export type ComparisonOperator =
  | (typeof STRING_OPERATORS)[number]
  | (typeof NUMBER_OPERATORS)[number]
  | (typeof FILE_OPERATORS)[number]
  | (typeof HASH_OPERATORS)[number];
export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  ...STRING_OPERATORS,
  ...NUMBER_OPERATORS,
  ...FILE_OPERATORS,
  ...HASH_OPERATORS,
];

interface ConditionBase {
  /** Where this expression sits, e.g. `phases[0].steps[1].if.and[0]`. */
  readonly path: string;
  /**
   * What to do when this expression is true / false. The step's decision comes from the
   * top-level expression (default Execute / Skip); nested ones are kept as written (corpus
   * 014 puts then/else inside a `not`).
   */
  readonly then?: ConditionAction;
  readonly else?: ConditionAction;
}
/**
 * `operand` is the operator's own value (the baseline: `stringEquals: 'x'`, `fileExists: /p`,
 * the expected hash); `value` is the second operand (`value:`, or `path:` for hash operators).
 * Both are text as written, references unresolved.
 */
export interface Comparison extends ConditionBase {
  readonly kind: 'comparison';
  readonly operator: ComparisonOperator;
  readonly operand: string;
  readonly value?: string;
}
export interface LogicalAll extends ConditionBase {
  readonly kind: 'and' | 'or';
  readonly operands: readonly Condition[];
}
export interface LogicalNot extends ConditionBase {
  readonly kind: 'not';
  readonly operand: Condition;
}
/** An `if` or `Assert` expression tree. */
export type Condition = Comparison | LogicalAll | LogicalNot;

export interface Step {
  readonly name: string;
  readonly action: string;
  /** Map or list as the module takes it; `{}` for modules given no inputs (Reboot, UpdateOS). */
  readonly inputs: StepInputs;
  /** Seconds per attempt; -1 = no limit. Default 7200; ExecuteDocument always -1. */
  readonly timeoutSeconds: number;
  readonly onFailure: OnFailure;
  /** Total attempts (not retries); default 1. */
  readonly maxAttempts: number;
  readonly loop?: Loop;
  readonly if?: Condition;
  /** For `Assert` steps: the parsed inputs. */
  readonly assertion?: Condition;
  /** `phases[i].steps[j]`, for citing positions through the document's sourceMap. */
  readonly path: string;
}

export interface Phase {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly path: string;
}

export interface ComponentDocument {
  readonly name?: string;
  readonly description?: string;
  /** Normalised: always '1.0'. */
  readonly schemaVersion: '1.0';
  readonly parameters: readonly ParameterDef[];
  readonly constants: readonly ConstantDef[];
  readonly phases: readonly Phase[];
  readonly sourceMap: SourceMap;
}
