import type { Verb } from '../verb.js';

/** Every verb of the `kiln` command. Add one import and one entry per verb file. */
export const VERBS: readonly Verb[] = [];
