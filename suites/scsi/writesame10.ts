/** WRITE SAME (10) (SBC-4 5.49). The bodies are shared with the other size (_writesame.ts). */
import { defineSuite } from '../../harness/api.js';
import { WS10 as c, anchor, beyondEol, check, docs, invalidDataOutSize, maxWriteSameLength, mwslNeed, reservedBits, simple, unmap, unmapNeed, unmapUnaligned, unmapUntilEnd, unmapVpd, writeProtect, wsnzTest, zeroBlocks } from './_writesame.js';

const suite = defineSuite('WriteSame10', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });
const lbp = `${c.clause}, SBC-4 4.7.3.4, SBC-4 6.6.6`;

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('Check', { doc: docs.check(c), level: 'MUST' }, (t) => check(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, SBC-4 4.5` }, (t) => beyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST', clause: `${c.clause}, SBC-4 6.6.4` }, (t) => zeroBlocks(t, c));
suite.test('WriteProtect', { doc: docs.writeProtect(c), level: 'MUST', clause: `${c.clause}, SBC-4 4.22.2` }, (t) => writeProtect(t, c));
suite.test('Unmap', { doc: docs.unmap(c), level: 'MUST', clause: lbp, needs: [unmapNeed(c)] }, (t) => unmap(t, c));
suite.test('UnmapUnaligned', { doc: docs.unmapUnaligned(c), level: 'MUST', clause: `${lbp}, SBC-4 6.6.4`, needs: [unmapNeed(c), 'blockLimits'] }, (t) => unmapUnaligned(t, c));
suite.test('UnmapUntilEnd', { doc: docs.unmapUntilEnd(c), level: 'MUST', clause: `${lbp}, SBC-4 6.6.4`, needs: [unmapNeed(c)] }, (t) => unmapUntilEnd(t, c));
suite.test('UnmapVPD', { doc: docs.unmapVpd(c), level: 'MUST', clause: `${lbp}, SPC-5 4.4.3` }, (t) => unmapVpd(t, c));
suite.test('InvalidDataOutSize', { doc: docs.invalidDataOutSize(c), level: 'MUST', clause: `${c.clause}, SAM-5 5.4.3` }, (t) => invalidDataOutSize(t, c));
// Beyond libiscsi.
suite.test('Anchor', { doc: docs.anchor(c), level: 'MUST', clause: `${lbp}, SBC-4 5.7` }, (t) => anchor(t, c));
suite.test('Wsnz', { doc: docs.wsnz(c), level: 'MUST', clause: `${c.clause}, SBC-4 6.6.4`, needs: ['blockLimits'] }, (t) => wsnzTest(t, c));
suite.test('MaxWriteSameLength', { doc: docs.maxWriteSameLength(c), level: 'MUST', clause: `${c.clause}, SBC-4 6.6.4`, needs: [mwslNeed(c)] }, (t) => maxWriteSameLength(t, c));

suite.test('ReservedBits', { doc: docs.reservedBits(c), level: 'MUST', clause: `${c.clause}, SPC-5 2.4, SPC-5 4.4.2.4.2` }, (t) => reservedBits(t, c));

export default suite;
