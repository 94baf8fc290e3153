import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRegisterImageInputs } from './register-image.js';

test('attributes default to what Kiln makes, and are recorded as given', () => {
  assert.deepEqual(checkRegisterImageInputs({}, 'x64'), {
    attributes: { architecture: 'x86_64', bootMode: 'legacy-bios', virtualizationType: 'hvm' },
  });
  const mapping = [{ deviceName: '/dev/xvda', ebs: { volumeSize: 8 } }];
  assert.deepEqual(
    checkRegisterImageInputs(
      {
        imageId: 'ami-0123456789abcdef0',
        architecture: 'arm64',
        bootMode: 'uefi-preferred',
        rootDeviceName: '/dev/xvda',
        blockDeviceMapping: mapping,
        includeSnapshotTags: true,
      },
      'arm64',
    ),
    {
      imageId: 'ami-0123456789abcdef0',
      attributes: {
        architecture: 'arm64',
        bootMode: 'uefi-preferred',
        virtualizationType: 'hvm',
        rootDeviceName: '/dev/xvda',
        blockDeviceMapping: mapping,
        includeSnapshotTags: true,
      },
    },
  );
});

test('attributes that would misdescribe the image are refused', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ architecture: 'arm64' }, /'architecture' 'arm64' does not match the image: Kiln builds x86_64/],
    [{ architecture: 'sparc' }, /is not one of i386, x86_64/],
    [{ bootMode: 'uefi' }, /legacy BIOS/],
    [{ bootMode: 'bios' }, /is not one of legacy-bios/],
    [{ virtualizationType: 'paravirtual' }, /full virtualization/],
    [{ tpmSupport: 'v2.0' }, /'tpmSupport' needs UEFI/],
    [{ uefiData: 'abc' }, /'uefiData' needs UEFI/],
    [{ imdsSupport: 'v2.0' }, /no instance metadata service/],
    [{ rootDeviceName: 'xvda' }, /not a device name/],
    [{ blockDeviceMapping: [{ ebs: {} }] }, /'blockDeviceMapping\[0\]' needs a deviceName/],
    [{ includeSnapshotTags: 'yes' }, /must be true or false/],
    [{ imageId: 'img-1' }, /is not an ami- id/],
    [{ sriovNetSupport: 'simple' }, /is not an input of RegisterImage/],
  ];
  for (const [inputs, message] of cases)
    assert.throws(() => checkRegisterImageInputs(inputs, 'x64'), message);
});
