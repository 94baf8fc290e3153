/**
 * What an image's infrastructure configuration means for Kiln's instances (pure). Image
 * Builder's members keep their names; Kiln reads:
 * - `subnetId: "none"` → instances without network (only loopback); anything else (or no
 *   subnet) → the host's network. An isolated build's cache keys leave out the mirror state.
 * - `instanceTypes[0]` → a Kiln instance type (`kiln.small`, …) giving CPU and memory limits.
 * - `terminateInstanceOnFailure: false` → a failed build's instance is kept for `kiln instance shell`.
 */
import { invalidValue } from '../core/errors.js';
import { INSTANCE_TYPES, type InstanceType, instanceType } from '../core/instance-types.js';

export interface CompiledInfrastructure {
  readonly network: 'host' | 'none';
  readonly instanceType: InstanceType;
  readonly terminateInstanceOnFailure: boolean;
}

export const ISOLATED_SUBNET = 'none';
const DEFAULT_TYPE = 'kiln.medium';

export function compileInfrastructure(
  infra: Readonly<Record<string, unknown>> | undefined,
): CompiledInfrastructure {
  const types = (infra?.instanceTypes as string[] | undefined) ?? [];
  let type: InstanceType | undefined;
  for (const [i, name] of types.entries()) {
    const found = instanceType(name);
    if (!found) {
      throw invalidValue(
        `instanceTypes[${i}]`,
        `'${name}' is not a Kiln instance type.`,
        `Use one of ${INSTANCE_TYPES.map((t) => t.name).join(', ')}.`,
      );
    }
    type ??= found.backend === 'bwrap' ? found : undefined;
  }
  if (!type && types.length > 0) {
    throw invalidValue(
      'instanceTypes',
      `${types.join(', ')} need the QEMU backend, which builds do not use yet.`,
      'Name a bwrap instance type such as kiln.small first.',
    );
  }
  return Object.freeze({
    network: infra?.subnetId === ISOLATED_SUBNET ? 'none' : 'host',
    instanceType: type ?? (instanceType(DEFAULT_TYPE) as InstanceType),
    terminateInstanceOnFailure: infra?.terminateInstanceOnFailure !== false,
  });
}
