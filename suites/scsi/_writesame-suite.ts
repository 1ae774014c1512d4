/**
 * The WRITE SAME suite, written once for both CDB sizes: writesame10.ts and writesame16.ts name their suite and
 * pass their CDB description, so the two cannot drift apart. (A helper module: the registry does not load it.)
 */
import { defineSuite, SBC4, SPC5, type Suite } from '../../harness/api.js';
import {
  anchor,
  beyondEol,
  check,
  docs,
  invalidDataOutSize,
  maxWriteSameLength,
  mwslNeed,
  ndob,
  reservedBits,
  simple,
  unmap,
  unmapNeed,
  unmapUnaligned,
  unmapUntilEnd,
  unmapVpd,
  writeProtect,
  wsnzTest,
  zeroBlocks,
  type WsCdb,
} from './_writesame.js';

/** The WRITE SAME suite for one CDB size. */
export function writeSameSuite(name: string, c: WsCdb): Suite {
  const suite = defineSuite(name, { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });
  const lbp = `${c.clause}, ${SBC4.LBP_UNMAPPING}, ${SBC4.LOGICAL_BLOCK_PROVISIONING_VPD}`;

  suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
  suite.test('Check', { doc: docs.check(c), level: 'MUST' }, (t) => check(t, c));
  suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => beyondEol(t, c));
  suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}` }, (t) => zeroBlocks(t, c));
  suite.test('WriteProtect', { doc: docs.writeProtect(c), level: 'MUST', clause: `${c.clause}, ${SBC4.PROTECTION_TYPES}` }, (t) => writeProtect(t, c));
  suite.test('Unmap', { doc: docs.unmap(c), level: 'MUST', clause: lbp, needs: [unmapNeed(c)] }, (t) => unmap(t, c));
  suite.test(
    'UnmapUnaligned',
    { doc: docs.unmapUnaligned(c), level: 'MUST', clause: `${lbp}, ${SBC4.BLOCK_LIMITS}`, needs: [unmapNeed(c), 'blockLimits'] },
    (t) => unmapUnaligned(t, c),
  );
  suite.test('UnmapUntilEnd', { doc: docs.unmapUntilEnd(c), level: 'MUST', clause: `${lbp}, ${SBC4.BLOCK_LIMITS}`, needs: [unmapNeed(c)] }, (t) =>
    unmapUntilEnd(t, c),
  );
  suite.test('UnmapVPD', { doc: docs.unmapVpd(c), level: 'MUST', clause: `${lbp}, ${SPC5.ADDITIONAL_SENSE_CODES}` }, (t) => unmapVpd(t, c));
  suite.test('InvalidDataOutSize', { doc: docs.invalidDataOutSize(c), level: 'MUST', clause: `${c.clause}, RFC 7143 11.4.5.2, FCP-4 9.4.2` }, (t) =>
    invalidDataOutSize(t, c),
  );
  // Beyond libiscsi.
  suite.test('Anchor', { doc: docs.anchor(c), level: 'MUST', clause: `${lbp}, ${SBC4.GET_LBA_STATUS_16}`, needs: ['thin'] }, (t) => anchor(t, c));
  suite.test('Wsnz', { doc: docs.wsnz(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: ['blockLimits'] }, (t) => wsnzTest(t, c));
  suite.test('MaxWriteSameLength', { doc: docs.maxWriteSameLength(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: [mwslNeed(c)] }, (t) =>
    maxWriteSameLength(t, c),
  );
  // NDOB exists only in the 16-byte CDB.
  if (c.size === 16) suite.test('Ndob', { doc: docs.ndob(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCK_PROVISIONING_VPD}` }, (t) => ndob(t, c));
  suite.test('ReservedBits', { doc: docs.reservedBits(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}` }, (t) =>
    reservedBits(t, c),
  );
  return suite;
}
