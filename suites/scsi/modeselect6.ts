/** MODE SELECT (6) (SPC-5 6.12). The bodies are shared with the other size (_modeselect.ts). */
import { defineSuite } from '../../harness/api.js';
import { changeable, docs, MS6 as c, notChangeable, savePages } from './_modeselect.js';

const suite = defineSuite('ModeSelect6', { families: ['SCSI'], clause: c.clause, needs: ['dataloss'] });

suite.test('Changeable', { doc: docs.changeable(c), level: 'MUST' }, (t) => changeable(t, c));
suite.test('NotChangeable', { doc: docs.notChangeable(c), level: 'MUST' }, (t) => notChangeable(t, c));
suite.test('SavePages', { doc: docs.savePages(c), level: 'MUST' }, (t) => savePages(t, c));

export default suite;
