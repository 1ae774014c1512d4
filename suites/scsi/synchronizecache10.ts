/** SYNCHRONIZE CACHE (10) (SBC-4 5.33). The bodies are shared with the other size (_synccache.ts). */
import { defineSuite } from '../../harness/api.js';
import { beyondEol, clauses, docs, group, immed, SC10 as c, simple, zeroBlocks } from './_synccache.js';

const suite = defineSuite('SynchronizeCache10', { families: ['SCSI'], clause: c.clause, needs: ['sbc', 'capacity', c.need] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
suite.test('BeyondEol', { doc: docs.beyondEol(c), level: 'MUST', clause: clauses.beyondEol(c) }, (t) => beyondEol(t, c));
suite.test('ZeroBlocks', { doc: docs.zeroBlocks(c), level: 'MUST' }, (t) => zeroBlocks(t, c));
suite.test('Immed', { doc: docs.immed(c), level: 'MUST' }, (t) => immed(t, c));
suite.test('Group', { doc: docs.group(c), level: 'SHOULD' }, (t) => group(t, c));

export default suite;
