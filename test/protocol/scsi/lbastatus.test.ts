import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, everyPrefix, h } from './helpers.js';

describe('scsi/lbastatus GET LBA STATUS data (SBC-4 5.6.2)', () => {
  const data = h(`00 00 00 24 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 10 00 00 00 00 00
    00 00 00 00 00 00 10 00 00 00 00 08 01 01 00 00`);
  const descs = [
    { lba: 0n, blocks: 4096, provisioningStatus: S.ProvisioningStatus.MAPPED, additionalStatus: 0 },
    { lba: 0x1000n, blocks: 8, provisioningStatus: S.ProvisioningStatus.DEALLOCATED, additionalStatus: 1 },
  ];

  it('parses descriptors', () => {
    assert.deepEqual(S.parseLbaStatus(data), { parameterDataLength: 36, descriptors: descs, truncated: false });
  });

  it('encodes, and cuts to the allocation length', () => {
    assertBytes(S.encodeLbaStatus(descs), data);
    assertBytes(
      S.encodeLbaStatus([{ lba: 7, blocks: 1, provisioningStatus: 2 }]),
      h('00 00 00 14 00 00 00 00 00 00 00 00 00 00 00 07 00 00 00 01 02 00 00 00'),
    );
    const cut = S.encodeLbaStatus(descs, 24);
    assert.equal(cut.length, 24);
    assert.deepEqual(S.parseLbaStatus(cut).descriptors, [descs[0]]);
  });

  it('handles truncation and inconsistency', () => {
    everyPrefix(data, S.parseLbaStatus);
    assertThrowsCode(() => S.parseLbaStatus(h('00 00 00 05 00 00 00 00 00')), 'SCSI_E_DECODE', /4 \+ 16/);
    assertThrowsCode(() => S.encodeLbaStatus([{ lba: 0, blocks: 1, provisioningStatus: 16 }]), 'E_RANGE', /PROVISIONING STATUS/);
  });
});
