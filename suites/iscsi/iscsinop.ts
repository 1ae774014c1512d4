/** NOP-Out / NOP-In ping (RFC 7143 11.18, 11.19). */
import { ANSWER, defineSuite, iscsi, scsi } from '../../harness/api.js';

const suite = defineSuite('iSCSINop', { families: ['iSCSI'], clause: 'RFC 7143 11.18, 11.19' });

suite.test(
  'Simple',
  {
    doc: `A NOP-Out ping (valid ITT, TTT 0xffffffff) carrying 8 bytes of data must be answered by a NOP-In with the same ITT, TTT 0xffffffff and the
      same 8 bytes of data; a ping with no data must be answered by a NOP-In with no data.
      Quoted: "it MUST respond with a NOP-In with the same Initiator Task Tag ... For such a response, the Target Transfer Tag MUST be 0xFFFFFFFF" (11.19).`,
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
      same ITT, TTT 0xffffffff and the data echoed; the command window must then have moved on, so a TEST UNIT READY with the next CmdSN completes.
      Quoted: "it MUST respond with a NOP-In with the same Initiator Task Tag ... For such a response, the Target Transfer Tag MUST be 0xFFFFFFFF" (11.19).`,
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

/** How long TargetPing waits on an idle session for the target's own ping (LIO's default NOP-In interval is 15 s). */
const PING_WAIT_MS = 16_000;

suite.test(
  'TargetPing',
  {
    doc: `Keep a new session idle for up to ${PING_WAIT_MS / 1000} s and watch for a NOP-In the target sends of its own (a ping: a Target Transfer Tag
      other than 0xffffffff, 11.19.1); a target that sends none skips (pinging is optional; the reference target pings when configured with NOPInterval).
      The ping must carry ITT 0xffffffff (11.19: it is not an answer to any task), and since the ITT is 0xffffffff "the StatSN for the connection is
      not advanced" (11.19.2): the NOP-In answering the initiator's next ping must carry the ping's StatSN. The initiator answers the ping with a NOP-Out
      carrying its TTT (11.18.3), which the target must take without dropping the connection.`,
    clause: 'RFC 7143 11.19, RFC 7143 11.19.1, RFC 7143 11.19.2, RFC 7143 11.18.3',
    level: 'MUST',
    session: false,
    timeout: PING_WAIT_MS / 1000 + 20,
  },
  async (t) => {
    const s = await t.login();
    const raw = t.raw(s);
    t.log(`waiting up to ${PING_WAIT_MS / 1000} s for a NOP-In ping from the target`);
    const ping = (await raw
      .waitFor((p) => p.opcode === iscsi.Opcode.NOP_IN && (p as iscsi.NopIn).ttt !== iscsi.RESERVED_TAG, PING_WAIT_MS, 'a NOP-In ping')
      .catch((e: Error) =>
        t.skip(`the target sent no NOP-In ping on an idle session within ${PING_WAIT_MS / 1000} s (pinging is optional): ${e.message}`),
      )) as iscsi.NopIn;
    t.log(`ping: ITT 0x${ping.itt.toString(16)}, TTT 0x${ping.ttt.toString(16)}, StatSN ${ping.statSN}`);
    t.equal(ping.itt >>> 0, iscsi.RESERVED_TAG, "ITT of the target's NOP-In ping (11.19)");
    const a = await s.nop({ timeoutMs: Math.min(5000, t.remainingMs()) });
    t.equal(a.statSN, ping.statSN, "StatSN of the NOP-In answering the next ping, after the target's ping (which does not advance StatSN, 11.19.2)");
  },
);

export default suite;
