/** VERIFY (10). The tests are written once for every VERIFY size (_verify-suites.ts, bodies in _verify.ts). */
import { VERIFY10 } from './_verify.js';
import { verifySuite } from './_verify-suites.js';

export default verifySuite('Verify10', VERIFY10);
