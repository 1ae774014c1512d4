/** WRITE AND VERIFY (10). The tests are written once for every size (_verify-suites.ts; bodies in _rw.ts and _verify.ts). */
import { WAV10 } from './_verify.js';
import { writeVerifySuite } from './_verify-suites.js';

export default writeVerifySuite('WriteVerify10', WAV10);
