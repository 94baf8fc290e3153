/**
 * What an image's infrastructure configuration means for Kiln's instances (pure). Image
 * Builder's members keep their names; Kiln reads:
 * - `subnetId: "none"` → instances without network (only loopback); anything else (or no
 *   subnet) → the host's network. An isolated build's cache keys leave out the mirror state.
 * - `instanceTypes` → the first bwrap type (`kiln.small`, …) gives the build instances' CPU and
 *   memory; the first QEMU type (`kiln.vm.small`, …), if any, makes the TEST stage a boot test:
 *   the image's bootable disk runs in a VM of that type (vm-test.ts). Builds stay in sandboxes.
 * - `terminateInstanceOnFailure: false` → a failed build's instance is kept for `kiln instance shell`.
 */
import { invalidValue } from '../core/errors.js';
import { INSTANCE_TYPES, type InstanceType, instanceType } from '../core/instance-types.js';

export interface CompiledInfrastructure {
  readonly network: 'host' | 'none';
  readonly instanceType: InstanceType;
  /** A QEMU type: test instances boot the image in a VM of this type. */
  readonly vmTestType?: InstanceType;
  readonly terminateInstanceOnFailure: boolean;
}

export const ISOLATED_SUBNET = 'none';
const DEFAULT_TYPE = 'kiln.medium';

export function compileInfrastructure(
  infra: Readonly<Record<string, unknown>> | undefined,
): CompiledInfrastructure {
  const types = (infra?.instanceTypes as string[] | undefined) ?? [];
  let type: InstanceType | undefined;
  let vmTestType: InstanceType | undefined;
  for (const [i, name] of types.entries()) {
    const found = instanceType(name);
    if (!found) {
      throw invalidValue(
        `instanceTypes[${i}]`,
        `'${name}' is not a Kiln instance type.`,
        `Use one of ${INSTANCE_TYPES.map((t) => t.name).join(', ')}.`,
      );
    }
    if (found.backend === 'bwrap') type ??= found;
    else vmTestType ??= found;
  }
  return Object.freeze({
    network: infra?.subnetId === ISOLATED_SUBNET ? 'none' : 'host',
    instanceType: type ?? (instanceType(DEFAULT_TYPE) as InstanceType),
    ...(vmTestType ? { vmTestType } : {}),
    terminateInstanceOnFailure: infra?.terminateInstanceOnFailure !== false,
  });
}
