/** WRITE AND VERIFY (16). The tests are written once for every size (_verify-suites.ts; bodies in _rw.ts and _verify.ts). */
import { WAV16 } from './_verify.js';
import { writeVerifySuite } from './_verify-suites.js';

export default writeVerifySuite('WriteVerify16', WAV16);
