/**
 * Kiln instance types: what `instanceTypes` in an infrastructure configuration may name. The
 * backend runs the instance (a bubblewrap sandbox or a QEMU VM) with these CPU and memory limits.
 */
export interface InstanceType {
  readonly name: string;
  readonly backend: 'bwrap' | 'qemu';
  readonly vcpus: number;
  readonly memoryMiB: number;
}

export const INSTANCE_TYPES: readonly InstanceType[] = [
  { name: 'kiln.micro', backend: 'bwrap', vcpus: 1, memoryMiB: 512 },
  { name: 'kiln.small', backend: 'bwrap', vcpus: 1, memoryMiB: 2048 },
  { name: 'kiln.medium', backend: 'bwrap', vcpus: 2, memoryMiB: 4096 },
  { name: 'kiln.large', backend: 'bwrap', vcpus: 2, memoryMiB: 8192 },
  { name: 'kiln.xlarge', backend: 'bwrap', vcpus: 4, memoryMiB: 16384 },
  { name: 'kiln.vm.small', backend: 'qemu', vcpus: 1, memoryMiB: 1024 },
  { name: 'kiln.vm.medium', backend: 'qemu', vcpus: 2, memoryMiB: 2048 },
];

export const instanceType = (name: string): InstanceType | undefined =>
  INSTANCE_TYPES.find((t) => t.name === name);
