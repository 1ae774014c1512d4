/** NOP-Out / NOP-In ping (RFC 7143 11.18, 11.19). */
import { ANSWER, defineSuite, iscsi, scsi } from '../../harness/api.js';

const suite = defineSuite('iSCSINop', { families: ['iSCSI'], clause: 'RFC 7143 11.18, 11.19' });

suite.test(
  'Simple',
  {
    doc: `A NOP-Out ping (valid ITT, TTT 0xffffffff) carrying 8 bytes of data must be answered by a NOP-In with the same ITT, TTT 0xffffffff and the
      same 8 bytes of data; a ping with no data must be answered by a NOP-In with no data.`,
    level: 'MUST',
  },
  async (t) => {
    const ping = Buffer.from('nopping\0', 'latin1');
    t.log('NOP-Out with 8 bytes of ping data');
    const a = await t.session.nop({ data: ping, timeoutMs: t.remainingMs() });
    t.equal(a.ttt, iscsi.RESERVED_TAG, 'NOP-In TTT answering a ping');
    const echoed = a.data ?? Buffer.alloc(0);
    t.check(
      echoed.equals(ping),
      `NOP-In echoed ${echoed.length} bytes (${JSON.stringify(echoed.toString('latin1'))}) instead of the ${ping.length} bytes pinged ("nopping\\0")`,
    );
    t.log('NOP-Out with no data');
    const b = await t.session.nop({ timeoutMs: t.remainingMs() });
    t.equal((b.data ?? Buffer.alloc(0)).length, 0, 'NOP-In data bytes answering a ping without data');
  },
);

suite.test(
  'NonImmediate',
  {
    doc: `A NOP-Out ping sent non-immediate (I=0, taking the next CmdSN) carrying 4 bytes of data must be answered within 10 s by a NOP-In with the
      same ITT, TTT 0xffffffff and the data echoed; the command window must then have moved on, so a TEST UNIT READY with the next CmdSN completes.`,
    clause: 'RFC 7143 11.18, RFC 7143 11.19, RFC 7143 4.2.2.1',
    level: 'MUST',
    timeout: 30,
  },
  async (t) => {
    const ping = Buffer.from('nop1', 'latin1');
    const s = t.session;
    const ms = Math.min(10_000, t.remainingMs());
    t.log(`NOP-Out with I=0 (CmdSN ${t.raw(s).cmdSN}) and 4 bytes of ping data`);
    await t.expectIscsi(`a non-immediate NOP-Out ping (valid ITT), which must be answered with a NOP-In echoing its data`, {
      send: () => s.nop({ data: ping, immediate: false, timeoutMs: ms + 1000 }),
      answer: (p) => p.opcode === iscsi.Opcode.NOP_IN && p.itt !== iscsi.RESERVED_TAG,
      withinMs: ms,
      expect: ANSWER(iscsi.Opcode.NOP_IN, { ttt: iscsi.RESERVED_TAG, data: ping }),
    });
    t.log('TEST UNIT READY with the next CmdSN');
    await t.command(scsi.testUnitReady());
  },
);

export default suite;
