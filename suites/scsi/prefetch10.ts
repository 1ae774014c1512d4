/** PRE-FETCH (10) (SBC-4 5.13). The bodies are shared with the other size (_prefetch.ts). */
import { defineSuite, SBC4 } from '../../harness/api.js';
import { beyondEol, docs, flags, maxPrefetchLength, mplNeed, PF10 as c, simple, zeroBlocks } from './_prefetch.js';

const suite = defineSuite('Prefetch10', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: `${c.clause}, ${SBC4.LOGICAL_BLOCKS}` }, (t) => beyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST' }, (t) => zeroBlocks(t, c));
suite.test('Flags', { doc: docs.flags(c), level: 'MUST' }, (t) => flags(t, c));
// Beyond libiscsi.
suite.test('MaxPrefetchLength', { doc: docs.maxPrefetchLength(c), level: 'MUST', clause: `${c.clause}, ${SBC4.BLOCK_LIMITS}`, needs: [mplNeed(c)] }, (t) =>
  maxPrefetchLength(t, c),
);

export default suite;
