import { randomBytes, randomUUID } from 'node:crypto';

export const requestId = (): string => randomUUID();

/** 17 lower-case hex digits, as EC2 resource ids use (`ami-0123456789abcdef0`). */
export const hexId = (prefix: string): string => `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;

export const workflowExecutionId = (): string => `wf-${randomUUID()}`;
export const stepExecutionId = (): string => `step-${randomUUID()}`;
export const lifecycleExecutionId = (): string => `lce-${randomUUID()}`;
