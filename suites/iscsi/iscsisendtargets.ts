/** SendTargets in full feature phase (RFC 7143 11.10, 11.11, 13.3 and Appendix C). */
import { defineSuite } from '../../harness/api.js';

const suite = defineSuite('iSCSISendTargets', { families: ['iSCSI'], clause: 'RFC 7143 Appendix C' });

suite.test(
  'Simple',
  {
    doc: 'A Text Request SendTargets=All in the full feature phase of a normal session must be answered with a final Text Response whose TargetName list includes the target the session is logged in to, and whose TargetAddress values (if any) are well formed (address[:port],tpgt).',
    clause: 'RFC 7143 Appendix C, RFC 7143 11.11',
    level: 'MUST',
  },
  async (t) => {
    const targets = await t.session.sendTargets('All', t.remainingMs());
    t.log(`SendTargets named ${targets.map((x) => `${x.name} (${x.addresses.map((a) => a.raw).join(' ') || 'no address'})`).join(', ') || 'nothing'}`);
    const me = t.config.target.targetName;
    t.check(targets.some((x) => x.name === me), `SendTargets=All in a normal session did not name ${me}, the session's own target (got ${targets.map((x) => x.name).join(', ') || 'no target'})`);
  },
);

export default suite;
