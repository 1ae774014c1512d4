/** READ (16). The bodies are shared with the other READ sizes (_rw.ts). */
import { defineSuite, SBC4, SPC5 } from '../../harness/api.js';
import { beyondEol, docs, dpoFua, maxTransferLength, mtlNeed, protect, READ16, simple, zeroBlocks } from './_rw.js';

const c = READ16;
const suite = defineSuite('Read16', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => beyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST' }, (t) => zeroBlocks(t, c));
suite.test('ReadProtect', { doc: docs.protect(c), level: 'MUST', clause: `${c.clause}, ${SBC4.PROTECTION}` }, (t) => protect(t, c));
suite.test(
  'DpoFua',
  { doc: docs.dpoFua(c), level: 'MUST', clause: `${c.clause}, ${SBC4.MODE_PARAMETERS_OVERVIEW}, ${SPC5.REPORT_SUPPORTED_OPERATION_CODES}` },
  (t) => dpoFua(t, c),
);
suite.test('MaxTransferLength', { doc: docs.maxTransferLength(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: [mtlNeed(c)] }, (t) =>
  maxTransferLength(t, c),
);

export default suite;
