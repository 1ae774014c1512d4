/** READ DEFECT DATA (10) (SBC-4 5.22). The bodies are shared with the other size (_defect.ts). */
import { defineSuite, SPC5 } from '../../harness/api.js';
import { docs, RDD10 as c, reservedFormat, simple } from './_defect.js';

const suite = defineSuite('ReadDefectData10', { families: ['SCSI'], clause: c.clause, needs: ['sbc'] });

suite.test('Simple', { doc: docs.simple(c), level: 'MUST' }, (t) => simple(t, c));
// Beyond libiscsi.
suite.test('ReservedFormat', { doc: docs.reservedFormat(c), level: 'MUST', clause: `${c.clause}, ${SPC5.RESERVED}` }, (t) => reservedFormat(t, c));

export default suite;
