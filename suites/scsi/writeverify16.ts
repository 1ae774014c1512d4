/**
 * WRITE AND VERIFY (16). Simple, BeyondEol, ZeroBlocks and MaxTransferLength are the WRITE bodies
 * of _rw.ts run with this CDB; the rest is in _verify.ts.
 */
import { defineSuite, SBC4, SPC5 } from '../../harness/api.js';
import { beyondEol, docs, maxTransferLength, simple, zeroBlocks } from './_rw.js';
import { mtlNeedFor, WAV16, wavDataOutLength, wavDocs, wavDpo, wavFlags, wavProtect, wavReservedBits } from './_verify.js';

const c = WAV16;
const suite = defineSuite('WriteVerify16', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => beyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST' }, (t) => zeroBlocks(t, c));
suite.test('WriteProtect', { doc: wavDocs.protect(c), level: 'MUST', clause: `${c.clause}, ${SBC4.PROTECTION}` }, (t) => wavProtect(t, c));
suite.test('Flags', { doc: wavDocs.flags(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}` }, (t) => wavFlags(t, c));
suite.test(
  'Dpo',
  { doc: wavDocs.dpo(c), level: 'MUST', clause: `${c.clause}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}` },
  (t) => wavDpo(t, c),
);
suite.test('DataOutLength', { doc: wavDocs.dataOutLength(c), level: 'MUST', clause: `${c.clause}, RFC 7143 11.4.5.2, FCP-4 9.4.2` }, (t) =>
  wavDataOutLength(t, c),
);
suite.test('ReservedBits', { doc: wavDocs.reservedBits(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}, SAM-5 5.2` }, (t) =>
  wavReservedBits(t, c),
);
suite.test(
  'MaxTransferLength',
  { doc: docs.maxTransferLength(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: [mtlNeedFor(c.name, c.maxBlocks)] },
  (t) => maxTransferLength(t, c),
);

export default suite;
