import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentInstallScript, bootLayout, pickKernel, sfdiskScript, syslinuxConfig } from './boot-layout.js';

const MiB = 1024 ** 2;

const layouts: [string, number, number, { bootMiB: number; rootMiB: number }][] = [
  ['tiny kernel: the 32 MiB floor', 1, 4 * MiB, { bootMiB: 32, rootMiB: 1024 - 33 }],
  ['Debian kernel + MODULES=most initrd', 2, 43.7 * MiB, { bootMiB: 65, rootMiB: 2048 - 66 }],
  ['big initrd grows the boot partition', 8, 200 * MiB, { bootMiB: 236, rootMiB: 8192 - 237 }],
];
for (const [name, sizeGiB, payload, expected] of layouts) {
  test(`bootLayout: ${name}`, () => {
    const layout = bootLayout(sizeGiB, payload);
    assert.equal(layout.bootStart, MiB);
    assert.deepEqual({ bootMiB: layout.bootBytes / MiB, rootMiB: layout.rootBytes / MiB }, expected);
    assert.equal(layout.rootStart + layout.rootBytes, sizeGiB * 1024 * MiB);
  });
}

test('bootLayout refuses a disk with no room for the root', () => {
  assert.throws(() => bootLayout(1, 1000 * MiB), /Raise the volume size/);
});

test('sfdiskScript: bootable FAT partition, then Linux, in sectors', () => {
  assert.equal(
    sfdiskScript(bootLayout(1, 0)),
    'label: dos\nunit: sectors\n\nstart=2048, size=65536, type=c, bootable\nstart=67584, size=2029568, type=83\n',
  );
});

const kernels: [string, string[], string | undefined][] = [
  ['none', ['grub', 'config-6.1.0-56-amd64'], undefined],
  ['kernel without initrd', ['vmlinuz-6.1.0-56-amd64'], undefined],
  [
    'one',
    ['vmlinuz-6.1.0-56-amd64', 'initrd.img-6.1.0-56-amd64', 'System.map-6.1.0-56-amd64'],
    '6.1.0-56-amd64',
  ],
  [
    'newest by number, not by text',
    [
      'vmlinuz-6.1.0-9-amd64',
      'initrd.img-6.1.0-9-amd64',
      'vmlinuz-6.1.0-10-amd64',
      'initrd.img-6.1.0-10-amd64',
    ],
    '6.1.0-10-amd64',
  ],
  [
    'newest with an initrd',
    ['vmlinuz-6.1.0-9-amd64', 'initrd.img-6.1.0-9-amd64', 'vmlinuz-6.1.0-10-amd64'],
    '6.1.0-9-amd64',
  ],
];
for (const [name, names, version] of kernels) {
  test(`pickKernel: ${name}`, () => {
    const found = pickKernel(names);
    assert.equal(found?.version, version);
    if (found)
      assert.deepEqual([found.kernel, found.initrd], [`vmlinuz-${version}`, `initrd.img-${version}`]);
  });
}

test('syslinuxConfig boots by UUID on the serial console through the Kiln init', () => {
  const append = syslinuxConfig('1234')
    .split('\n')
    .find((l) => l.includes('APPEND'));
  assert.equal(
    append,
    '  APPEND root=UUID=1234 rw console=ttyS0,115200 init=/usr/lib/kiln/init net.ifnames=0 quiet',
  );
});

const installs: [string, string[], string[]][] = [
  [
    'minbase: no systemd, nothing there yet',
    [],
    ['mkdir /usr/lib/kiln', 'write /s/agent /usr/lib/kiln/agent', 'write /s/init /usr/lib/kiln/init'],
  ],
  [
    'systemd without a wants directory',
    ['/etc/systemd/system'],
    [
      'mkdir /usr/lib/kiln',
      'write /s/agent /usr/lib/kiln/agent',
      'write /s/init /usr/lib/kiln/init',
      'write /s/unit /etc/systemd/system/kiln-agent.service',
      'mkdir /etc/systemd/system/multi-user.target.wants',
      'symlink /etc/systemd/system/multi-user.target.wants/kiln-agent.service /etc/systemd/system/kiln-agent.service',
    ],
  ],
  [
    'a tree that already has an agent: replaced, directories kept',
    [
      '/usr/lib/kiln',
      '/usr/lib/kiln/agent',
      '/etc/systemd/system',
      '/etc/systemd/system/multi-user.target.wants',
      '/etc/systemd/system/multi-user.target.wants/kiln-agent.service',
    ],
    [
      'rm /usr/lib/kiln/agent',
      'write /s/agent /usr/lib/kiln/agent',
      'write /s/init /usr/lib/kiln/init',
      'write /s/unit /etc/systemd/system/kiln-agent.service',
      'rm /etc/systemd/system/multi-user.target.wants/kiln-agent.service',
      'symlink /etc/systemd/system/multi-user.target.wants/kiln-agent.service /etc/systemd/system/kiln-agent.service',
    ],
  ],
];
for (const [name, present, expected] of installs) {
  test(`agentInstallScript: ${name}`, () => {
    const script = agentInstallScript('/s', (p) => present.includes(p));
    // Ownership and modes are set after every created path; the structure is what differs.
    assert.deepEqual(
      script.split('\n').filter((l) => l !== '' && !l.startsWith('sif ')),
      expected,
    );
    assert.match(script, /sif \/usr\/lib\/kiln\/agent mode 0100755\nsif \/usr\/lib\/kiln\/agent uid 0/);
  });
}
