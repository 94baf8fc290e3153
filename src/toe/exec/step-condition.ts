import type { Condition } from '../model.js';

/** A copy of an expression with its operands resolved (what the Assert module is given). */
export function resolveCondition(c: Condition, resolve: (text: string) => string): Condition {
  switch (c.kind) {
    case 'comparison':
      return {
        ...c,
        operand: resolve(c.operand),
        ...(c.value !== undefined ? { value: resolve(c.value) } : {}),
      };
    case 'not':
      return { ...c, operand: resolveCondition(c.operand, resolve) };
    default:
      return { ...c, operands: c.operands.map((o) => resolveCondition(o, resolve)) };
  }
}
