/** MODE SELECT (10) (SPC-5 6.13). The bodies are shared with the other size (_modeselect.ts). */
import { defineSuite } from '../../harness/api.js';
import { changeable, docs, MS10 as c, notChangeable, savePages } from './_modeselect.js';

const suite = defineSuite('ModeSelect10', { families: ['SCSI'], clause: c.clause, needs: ['dataloss'] });

suite.test('Changeable', { doc: docs.changeable(c), level: 'MUST' }, (t) => changeable(t, c));
suite.test('NotChangeable', { doc: docs.notChangeable(c), level: 'MUST' }, (t) => notChangeable(t, c));
suite.test('SavePages', { doc: docs.savePages(c), level: 'MUST' }, (t) => savePages(t, c));

export default suite;
