import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileInfrastructure } from './infrastructure.js';

test('maps an infrastructure configuration onto instances', () => {
  const cases: [Record<string, unknown> | undefined, string, string, boolean, string?][] = [
    [undefined, 'host', 'kiln.medium', true],
    [{ subnetId: 'none' }, 'none', 'kiln.medium', true],
    [{ subnetId: 'subnet-0abc' }, 'host', 'kiln.medium', true],
    [{ instanceTypes: ['kiln.small'], terminateInstanceOnFailure: false }, 'host', 'kiln.small', false],
    // A QEMU type makes the tests boot tests; builds keep a sandbox type.
    [{ instanceTypes: ['kiln.vm.small', 'kiln.large'] }, 'host', 'kiln.large', true, 'kiln.vm.small'],
    [{ instanceTypes: ['kiln.vm.medium'] }, 'host', 'kiln.medium', true, 'kiln.vm.medium'],
  ];
  for (const [infra, network, type, terminate, vm] of cases) {
    const c = compileInfrastructure(infra);
    assert.deepEqual(
      [c.network, c.instanceType.name, c.terminateInstanceOnFailure, c.vmTestType?.name],
      [network, type, terminate, vm],
    );
  }
});

test('refuses instance types Kiln does not have, naming the field', () => {
  assert.throws(
    () => compileInfrastructure({ instanceTypes: ['kiln.small', 't3.micro'] }),
    /instanceTypes\[1\].*t3\.micro/,
  );
});
