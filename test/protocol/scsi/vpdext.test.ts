import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';

describe('protocol/scsi Extended INQUIRY Data VPD page (86h)', () => {
  // built byte by byte apart from the encoder: SPT 001b with GRD_CHK and REF_CHK; HEADSUP, ORDSUP, SIMPSUP;
  // V_SUP; LUICLR; MAXIMUM SUPPORTED SENSE DATA LENGTH 252
  const oracle = Buffer.alloc(64);
  Buffer.from([0x00, 0x86, 0x00, 0x3c, 0x0d, 0x07, 0x01, 0x01]).copy(oracle);
  oracle[13] = 252;

  it('encodes every field at its place, PAGE LENGTH 003Ch', () => {
    const o = { spt: 1, grdChk: true, refChk: true, headSup: true, ordSup: true, simpSup: true, vSup: true, luiclr: true, maxSenseLength: 252 };
    assert.deepEqual(S.encodeExtendedInquiry(o), oracle);
  });

  it('parses what it encodes, and a page cut short gives zeros for the fields not returned', () => {
    const p = S.parseExtendedInquiry(oracle);
    assert.equal(p.pageLength, 0x3c);
    assert.deepEqual([p.spt, p.grdChk, p.appChk, p.refChk, p.headSup, p.ordSup, p.simpSup], [1, true, false, true, true, true, true]);
    assert.deepEqual([p.vSup, p.nvSup, p.luiclr, p.maxSenseLength], [true, false, true, 252]);
    const cut = S.parseExtendedInquiry(oracle.subarray(0, 8));
    assert.equal(cut.truncated, true);
    assert.equal(cut.maxSenseLength, 0);
  });

  it('refuses another page and values too wide', () => {
    assert.throws(() => S.parseExtendedInquiry(Buffer.from([0, 0x83, 0, 0])), /PAGE CODE/);
    assert.throws(() => S.encodeExtendedInquiry({ spt: 8 }), /SPT/);
    assert.throws(() => S.encodeExtendedInquiry({ maxSenseLength: 256 }), /MAXIMUM SUPPORTED SENSE DATA LENGTH/);
  });
});
