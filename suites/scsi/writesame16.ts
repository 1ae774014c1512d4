/** WRITE SAME (16) (SBC-4 5.53). The tests are written once for both sizes (_writesame-suite.ts, bodies in _writesame.ts). */
import { WS16 } from './_writesame.js';
import { writeSameSuite } from './_writesame-suite.js';

export default writeSameSuite('WriteSame16', WS16);
