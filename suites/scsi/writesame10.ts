/** WRITE SAME (10) (SBC-4 5.52). The tests are written once for both sizes (_writesame-suite.ts, bodies in _writesame.ts). */
import { WS10 } from './_writesame.js';
import { writeSameSuite } from './_writesame-suite.js';

export default writeSameSuite('WriteSame10', WS10);
