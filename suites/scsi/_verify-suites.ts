/**
 * The VERIFY and WRITE AND VERIFY suites, written once for every CDB size: verify10.ts ... writeverify16.ts
 * each name their suite and pass their CDB description, so the six suites cannot drift apart. (A helper
 * module: the registry does not load it as a suite.)
 */
import { defineSuite, SBC4, SPC5, type Suite } from '../../harness/api.js';
import { beyondEol, docs, maxTransferLength, simple, zeroBlocks } from './_rw.js';
import {
  mtlNeedFor,
  verifyBeyondEol,
  verifyBytchkSingleBlock,
  verifyDataOutLength,
  verifyDocs,
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
  wavDataOutLength,
  wavDocs,
  wavDpo,
  wavFlags,
  wavProtect,
  wavReservedBits,
  type VerifyCdb,
  type WavCdb,
} from './_verify.js';

/** The VERIFY suite for one CDB size. */
export function verifySuite(name: string, c: VerifyCdb): Suite {
  const suite = defineSuite(name, { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity'] });
  suite.test('Simple', { doc: verifyDocs.simple(c), level: 'MUST' }, (t) => verifySimple(t, c));
  suite.test('BeyondEol', { doc: verifyDocs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => verifyBeyondEol(t, c));
  suite.test('ZeroBlocks', { doc: verifyDocs.zeroBlocks(c), level: 'MUST' }, (t) => verifyZeroBlocks(t, c));
  suite.test('VerifyProtect', { doc: verifyDocs.protect(c), level: 'MUST', clause: `${c.clause}, ${SBC4.PROTECTION}` }, (t) => verifyProtect(t, c));
  suite.test('Flags', { doc: verifyDocs.flags(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}` }, (t) => verifyFlags(t, c));
  suite.test(
    'Dpo',
    { doc: verifyDocs.dpo(c), level: 'MUST', clause: `${c.clause}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}` },
    (t) => verifyDpo(t, c),
  );
  suite.test('Mismatch', { doc: verifyDocs.mismatch(c), level: 'MUST' }, (t) => verifyMismatch(t, c));
  suite.test('MismatchNoCmp', { doc: verifyDocs.mismatchNoCmp(c), level: 'MUST' }, (t) => verifyMismatchNoCmp(t, c));
  suite.test(
    'MiscompareOffset',
    { doc: verifyDocs.miscompareOffset(c), level: 'MUST', clause: `${c.clause}, ${SBC4.ERROR_REPORTING}, ${SPC5.SENSE_DATA}` },
    (t) => verifyMiscompareOffset(t, c),
  );
  suite.test('BytchkSingleBlock', { doc: verifyDocs.bytchkSingleBlock(c), level: 'MUST', needs: ['dataloss', 'writable'] }, (t) =>
    verifyBytchkSingleBlock(t, c),
  );
  suite.test('DataOutLength', { doc: verifyDocs.dataOutLength(c), level: 'MUST', clause: `${c.clause}, RFC 7143 11.4.5.2, FCP-4 9.4.2` }, (t) =>
    verifyDataOutLength(t, c),
  );
  suite.test(
    'ReservedBits',
    { doc: verifyDocs.reservedBits(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}, ${SPC5.FIELD_POINTER}, SAM-5 5.2` },
    (t) => verifyReservedBits(t, c),
  );
  suite.test(
    'MaxTransferLength',
    { doc: verifyDocs.maxTransferLength(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: [mtlNeedFor(c.name, c.maxBlocks)] },
    (t) => verifyMaxTransferLength(t, c),
  );
  return suite;
}

/** The WRITE AND VERIFY suite for one CDB size: Simple, BeyondEol, ZeroBlocks and MaxTransferLength are the WRITE bodies of _rw.ts. */
export function writeVerifySuite(name: string, c: WavCdb): Suite {
  const suite = defineSuite(name, { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });
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
  return suite;
}
