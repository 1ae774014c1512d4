/** WRITE (16). The bodies are shared with the other WRITE sizes (_rw.ts). */
import { defineSuite } from '../../harness/api.js';
import { beyondEol, docs, dpoFua, maxTransferLength, mtlNeed, protect, WRITE16, simple, zeroBlocks } from './_rw.js';
import { FUA_DOC, fuaLunReset } from './_durable.js';

const c = WRITE16;
const suite = defineSuite('Write16', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, SBC-4 4.5` }, (t) => beyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST' }, (t) => zeroBlocks(t, c));
suite.test('WriteProtect', { doc: docs.protect(c), level: 'MUST', clause: `${c.clause}, SBC-4 4.22` }, (t) => protect(t, c));
suite.test('DpoFua', { doc: docs.dpoFua(c), level: 'MUST', clause: `${c.clause}, SBC-4 6.5.1, SPC-5 6.35.3` }, (t) => dpoFua(t, c));
suite.test('MaxTransferLength', { doc: docs.maxTransferLength(c), level: 'MUST', clause: `${c.clause}, SBC-4 6.6.4`, needs: [mtlNeed(c)] }, (t) => maxTransferLength(t, c));
suite.test('FuaLunReset', { doc: FUA_DOC(c.name), level: 'MUST', clause: `${c.clause}, SBC-4 4.15, SAM-5 6.3.3` }, (t) => fuaLunReset(t, c));

export default suite;
