import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, everyPrefix, h, zeros } from './helpers.js';

describe('scsi/capacity READ CAPACITY (10) data (SBC-4 5.20.2)', () => {
  it('parses and encodes', () => {
    const b = h('00 0f ff ff 00 00 02 00');
    assert.deepEqual(S.parseReadCapacity10(b), { lastLba: 0xfffff, blockLength: 512 });
    assertBytes(S.encodeReadCapacity10({ lastLba: 0xfffff, blockLength: 512 }), b);
  });

  it('returns FFFFFFFFh when the capacity needs READ CAPACITY (16)', () => {
    assertBytes(S.encodeReadCapacity10({ lastLba: 0x100000000n, blockLength: 4096 }), h('ff ff ff ff 00 00 10 00'));
    assertBytes(S.encodeReadCapacity10({ lastLba: 0xfffffffe, blockLength: 4096 }), h('ff ff ff fe 00 00 10 00'));
  });

  it('rejects short data and values that do not fit', () => {
    for (let n = 0; n < 8; n++) assertThrowsCode(() => S.parseReadCapacity10(zeros(n)), 'SCSI_E_DECODE', /need at least 8/);
    assertThrowsCode(() => S.encodeReadCapacity10({ lastLba: 0, blockLength: 2 ** 32 }), 'E_RANGE', /BLOCK LENGTH/);
  });
});

describe('scsi/capacity READ CAPACITY (16) data (SBC-4 5.21.2)', () => {
  // RC BASIS 01b, P_TYPE 5, PROT_EN; P_I_EXPONENT 3, LBPPBE 5; LBPME, LBPRZ, LOWEST ALIGNED LBA 7
  const full = Buffer.concat([h('00 00 00 01 00 00 00 00 00 00 10 00 1b 35 c0 07'), zeros(16)]);
  const fields = {
    lastLba: 0x100000000n,
    blockLength: 4096,
    rcBasis: 1,
    protEn: true,
    pType: 5,
    pIExponent: 3,
    lbppbExponent: 5,
    lbpme: true,
    lbprz: true,
    lowestAlignedLba: 7,
    truncated: false,
  };

  it('parses every field', () => assert.deepEqual(S.parseReadCapacity16(full), fields));

  it('encodes the same 32 bytes', () => {
    const { truncated: _t, ...init } = fields;
    assertBytes(S.encodeReadCapacity16(init), full);
    assertBytes(
      S.encodeReadCapacity16({ lastLba: 0xffffffffffffffffn, blockLength: 512 }),
      Buffer.concat([h('ff ff ff ff ff ff ff ff 00 00 02 00'), zeros(20)]),
    );
  });

  it('needs 16 bytes and flags a cut reserved tail', () => {
    assert.equal(everyPrefix(full, S.parseReadCapacity16), 16);
  });

  it('rejects values that do not fit', () => {
    assertThrowsCode(() => S.encodeReadCapacity16({ lastLba: 1n << 64n, blockLength: 512 }), 'E_RANGE', /RETURNED LOGICAL BLOCK ADDRESS/);
    assertThrowsCode(() => S.encodeReadCapacity16({ lastLba: 0, blockLength: 512, pType: 8 }), 'E_RANGE', /P_TYPE/);
    assertThrowsCode(() => S.encodeReadCapacity16({ lastLba: 0, blockLength: 512, lowestAlignedLba: 0x4000 }), 'E_RANGE', /LOWEST ALIGNED/);
    assertThrowsCode(() => S.encodeReadCapacity16({ lastLba: 0, blockLength: 512, lbppbExponent: 16 }), 'E_RANGE', /EXPONENT/);
  });
});
