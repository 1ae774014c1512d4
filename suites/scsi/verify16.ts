/** VERIFY (16). The bodies are shared with the other VERIFY sizes (_verify.ts). */
import { defineSuite, SBC4, SPC5 } from '../../harness/api.js';
import {
  mtlNeedFor,
  VERIFY16,
  verifyBeyondEol,
  verifyBytchkSingleBlock,
  verifyDataOutLength,
  verifyDocs as docs,
  verifyDpo,
  verifyFlags,
  verifyMaxTransferLength,
  verifyMiscompareOffset,
  verifyMismatch,
  verifyMismatchNoCmp,
  verifyProtect,
  verifyReservedBits,
  verifySimple,
  verifyZeroBlocks,
} from './_verify.js';

const c = VERIFY16;
const suite = defineSuite('Verify16', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => verifySimple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => verifyBeyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST' }, (t) => verifyZeroBlocks(t, c));
suite.test('VerifyProtect', { doc: docs.protect(c), level: 'MUST', clause: `${c.clause}, ${SBC4.PROTECTION}` }, (t) => verifyProtect(t, c));
suite.test('Flags', { doc: docs.flags(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}` }, (t) => verifyFlags(t, c));
suite.test('Dpo', { doc: docs.dpo(c), level: 'MUST', clause: `${c.clause}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}` }, (t) =>
  verifyDpo(t, c),
);
suite.test('Mismatch', { doc: docs.mismatch(c), level: 'MUST' }, (t) => verifyMismatch(t, c));
suite.test('MismatchNoCmp', { doc: docs.mismatchNoCmp(c), level: 'MUST' }, (t) => verifyMismatchNoCmp(t, c));
suite.test('MiscompareOffset', { doc: docs.miscompareOffset(c), level: 'MUST', clause: `${c.clause}, ${SBC4.ERROR_REPORTING}, ${SPC5.SENSE_DATA}` }, (t) =>
  verifyMiscompareOffset(t, c),
);
suite.test('BytchkSingleBlock', { doc: docs.bytchkSingleBlock(c), level: 'MUST', needs: ['dataloss', 'writable'] }, (t) => verifyBytchkSingleBlock(t, c));
suite.test('DataOutLength', { doc: docs.dataOutLength(c), level: 'MUST', clause: `${c.clause}, RFC 7143 11.4.5.2, FCP-4 9.4.2` }, (t) =>
  verifyDataOutLength(t, c),
);
suite.test('ReservedBits', { doc: docs.reservedBits(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}, SAM-5 5.2` }, (t) =>
  verifyReservedBits(t, c),
);
suite.test(
  'MaxTransferLength',
  { doc: docs.maxTransferLength(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: [mtlNeedFor(c.name, c.maxBlocks)] },
  (t) => verifyMaxTransferLength(t, c),
);

export default suite;
