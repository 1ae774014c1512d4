/** NOP-Out / NOP-In ping (RFC 7143 11.18, 11.19). */
import { defineSuite, iscsi } from '../../harness/api.js';

const suite = defineSuite('iSCSINop', { families: ['iSCSI'], clause: 'RFC 7143 11.18, 11.19' });

suite.test(
  'Simple',
  {
    doc: 'A NOP-Out ping (valid ITT, TTT 0xffffffff) carrying 8 bytes of data must be answered by a NOP-In with the same ITT, TTT 0xffffffff and the same 8 bytes of data; a ping with no data must be answered by a NOP-In with no data.',
    level: 'MUST',
  },
  async (t) => {
    const ping = Buffer.from('nopping\0', 'latin1');
    t.log('NOP-Out with 8 bytes of ping data');
    const a = await t.session.nop({ data: ping, timeoutMs: t.remainingMs() });
    t.equal(a.ttt, iscsi.RESERVED_TAG, 'NOP-In TTT answering a ping');
    const echoed = a.data ?? Buffer.alloc(0);
    t.check(echoed.equals(ping), `NOP-In echoed ${echoed.length} bytes (${JSON.stringify(echoed.toString('latin1'))}) instead of the ${ping.length} bytes pinged ("nopping\\0")`);
    t.log('NOP-Out with no data');
    const b = await t.session.nop({ timeoutMs: t.remainingMs() });
    t.equal((b.data ?? Buffer.alloc(0)).length, 0, 'NOP-In data bytes answering a ping without data');
  },
);

export default suite;
