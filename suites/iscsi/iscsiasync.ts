/**
 * What a target does on its own initiative and what it keeps after a connection ends (issue 16): the
 * Asynchronous Message asking for logout (RFC 7143 11.9, 11.9.1) and the drop of an initiator that does
 * not log out in time, the session state discarded at once with DefaultTime2Retain=0 (13.16), and status
 * sent whether or not the initiator acknowledged the earlier status with ExpStatSN (4.2.2.2).
 *
 * A target sends an Asynchronous Message when it decides to (going down for maintenance, an administrator
 * ending a session): the harness cannot make an arbitrary target do so, so the logout-request tests stop the
 * target while a session is open (--target-stop-command / --target-start-command; the embedded reference
 * target is stopped as iscsi-target stops on SIGTERM) and skip, saying so, when the target stops without
 * asking: sending the message is optional. Levels: the header's fixed ITT, the reserved fields ("Any compliant
 * sender MUST set all bits not defined and all reserved fields to 0", 11.2) and the command window (4.2.2.1)
 * are MUST; the StatSN the message takes is written without MUST (11.9: "StatSN is advanced"), the drop after
 * Parameter3 seconds is a lowercase "should" (11.9.1), and neither DefaultTime2Retain's "immediately
 * discarded" (13.16) nor ExpStatSN's acknowledgement (4.2.2.2, 11.3.3) binds the target with MUST: SHOULD.
 */
import {
  ANSWER,
  defineSuite,
  DROPPED,
  iscsi,
  LOGIN_STATUS,
  NO_ANSWER,
  REJECT,
  scsi,
  type RawSession,
  type TestContext,
  type TestSession,
} from '../../harness/api.js';

const suite = defineSuite('iSCSIAsync', { families: ['iSCSI'], clause: 'RFC 7143 11.9' });
const { Opcode, AsyncEvent, RESERVED_TAG } = iscsi;

/** How long the target may take, once stopping, to send its Asynchronous Message (or drop the connection). */
const ASYNC_WAIT_MS = 10_000;
/** Slack past Parameter3 seconds before a connection the target asked to log out is expected gone. */
const DEADLINE_SLACK_MS = 2000;

/** An Asynchronous Message as received, with its BHS (the fixed ITT and the reserved bytes the decoder does not keep). */
interface Received {
  msg: iscsi.AsyncMessage;
  header: Buffer;
  /** The StatSN the initiator expected next when it came. */
  expStatSN: number;
  /** The initiator's next CmdSN then (every command answered: ExpCmdSN must equal it). */
  cmdSN: number;
}

/** Record every Asynchronous Message with its header and the initiator's numbers at that moment. */
function recordAsync(raw: RawSession): Received[] {
  const got: Received[] = [];
  raw.watch((pdu, r) => {
    if (pdu.opcode === Opcode.ASYNC_MESSAGE)
      got.push({ msg: pdu as iscsi.AsyncMessage, header: Buffer.from(r.header), expStatSN: raw.expStatSN, cmdSN: raw.cmdSN });
  });
  return got;
}

const eventName = (e: number) =>
  ({ 0: 'SCSI asynchronous event', 1: 'logout requested', 2: 'connection drop', 3: 'session drop', 4: 'negotiation requested', 255: 'vendor specific' })[e] ??
  'reserved event';

/**
 * The fields every Asynchronous Message must carry right (11.9, 11.2, 4.2.2.1): ITT 0xffffffff, the reserved
 * bytes 20-23 and 44-47 zero, LUN and AsyncVCode zero unless the event gives them a meaning, and a window
 * with ExpCmdSN acknowledging every command sent and MaxCmdSN not below ExpCmdSN - 1.
 */
function checkHeader(t: TestContext, r: Received): void {
  const { msg, header } = r;
  const what = `Asynchronous Message (AsyncEvent ${msg.asyncEvent}, ${eventName(msg.asyncEvent)})`;
  t.equal(header.readUInt32BE(16), RESERVED_TAG, `ITT of the ${what} (11.9: 0xffffffff)`);
  t.equal(header.subarray(20, 24).toString('hex'), '00000000', `reserved bytes 20-23 of the ${what} (11.2: reserved fields are sent as 0)`);
  t.equal(header.subarray(44, 48).toString('hex'), '00000000', `reserved bytes 44-47 of the ${what}`);
  if (msg.asyncEvent !== AsyncEvent.SCSI_ASYNC_EVENT) t.equal(msg.lun, 0n, `LUN of the ${what} (11.9.3: reserved unless AsyncEvent is 0)`);
  if (msg.asyncEvent !== AsyncEvent.VENDOR) t.equal(msg.asyncVCode, 0, `AsyncVCode of the ${what} (11.9.2: reserved unless the event is vendor specific)`);
  t.equal(msg.expCmdSN, r.cmdSN, `ExpCmdSN of the ${what}, every command sent having been answered (4.2.2.1)`);
  t.check(
    !iscsi.snLess(msg.maxCmdSN, (msg.expCmdSN - 1) >>> 0),
    `the ${what} carries MaxCmdSN ${msg.maxCmdSN} below ExpCmdSN ${msg.expCmdSN} - 1 (4.2.2.1: the target MUST NOT)`,
  );
  t.should(
    msg.statSN === r.expStatSN,
    `the ${what} carries StatSN ${msg.statSN}, expected ${r.expStatSN} (11.9: "StatSN counts this PDU as an acknowledgeable event (StatSN is advanced)")`,
  );
}

/**
 * Stop the target with a session open (which does not log out by itself) and wait for the Asynchronous
 * Message asking for logout; skip when the target drops the connection without one. The caller must
 * await `stopped` and start the target again (`restart`).
 */
async function logoutRequested(t: TestContext): Promise<{ s: TestSession; raw: RawSession; got: Received[]; request: Received; stopped: Promise<void> }> {
  const control = t.config.targetControl!;
  const s = await t.login({ honourLogoutRequest: false });
  const raw = t.raw(s);
  const got = recordAsync(raw);
  let stopped: Promise<void> = Promise.resolve();
  t.log(`stopping the target with a session open: ${control.how}`);
  const o = await t.expectIscsi('the target stopping with a session in full feature phase', {
    session: s,
    send: () => {
      stopped = control.stop().catch((e: Error) => t.log(`stopping the target failed: ${e.message}`));
    },
    answer: (p) => p.opcode === Opcode.ASYNC_MESSAGE,
    withinMs: ASYNC_WAIT_MS,
    expect: [ANSWER(Opcode.ASYNC_MESSAGE), DROPPED, NO_ANSWER],
  });
  const first = got[0];
  if (o.kind === 'silence') {
    await stopped;
    await restart(t);
    return t.skip(
      `the connection stayed open and silent for ${ASYNC_WAIT_MS / 1000} s after the target was stopped (${control.how}): the stop leaves ` +
        `this session alone (it may stop only part of the target, such as its iSNS client)`,
    );
  }
  if (o.kind !== 'pdu' || !first) {
    await stopped;
    await restart(t);
    return t.skip('the target dropped the connection as it stopped without an Asynchronous Message asking for logout (sending one is optional, 11.9.1)');
  }
  if (first.msg.asyncEvent !== AsyncEvent.LOGOUT_REQUESTED) {
    await stopped;
    await restart(t);
    return t.skip(`the target announced AsyncEvent ${first.msg.asyncEvent} (${eventName(first.msg.asyncEvent)}) as it stopped, not a logout request (1)`);
  }
  t.log(`Asynchronous Message: AsyncEvent 1, Parameter3 ${first.msg.parameter3} s, StatSN ${first.msg.statSN}`);
  return { s, raw, got, request: first, stopped };
}

async function restart(t: TestContext): Promise<void> {
  t.log('starting the target again');
  await t.config.targetControl!.start();
}

suite.test(
  'LogoutRequest',
  {
    doc: `With a session open, the harness stops the target (the embedded reference target, or --target-stop-command) and waits up to
      ${ASYNC_WAIT_MS / 1000} s for an Asynchronous Message asking for logout (AsyncEvent 1, 11.9.1); a target that drops the connection without one
      skips (the message is optional), and so does one whose stop leaves the session open and silent (a stop command that stops only part of it).
      The message must carry ITT 0xffffffff (11.9), zero reserved fields (11.2): bytes 20-23 and 44-47, the LUN
      (11.9.3), AsyncVCode (11.9.2), and Parameter1 and Parameter2, reserved for event 1 (11.9.1); ExpCmdSN acknowledging every command and MaxCmdSN
      not below ExpCmdSN - 1 (4.2.2.1). It should take the next StatSN (11.9: "StatSN is advanced"). The initiator then logs out (close the
      session) within Parameter3 seconds, which must be answered with a Logout Response, and should be with response 0, "connection or session closed
      successfully" (11.15.1 defines the codes; no sentence makes one a MUST).
      Time2Wait and Time2Retain of that response are "to be ignored" at ErrorRecoveryLevel below 2 (11.15.2, 11.15.3) and are not checked.`,
    clause: 'RFC 7143 11.9, RFC 7143 11.9.1, RFC 7143 11.15.1, RFC 7143 4.2.2.1',
    level: 'MUST',
    session: false,
    needs: ['targetControl'],
    timeout: 60,
  },
  async (t) => {
    const { s, request, stopped } = await logoutRequested(t);
    try {
      checkHeader(t, request);
      t.equal(request.msg.parameter1, 0, 'Parameter1 of the logout request (11.9.1: reserved for AsyncEvent 1)');
      t.equal(request.msg.parameter2, 0, 'Parameter2 of the logout request (11.9.1: reserved for AsyncEvent 1)');
      const ms = Math.max(1000, request.msg.parameter3 * 1000 - 250);
      t.log(`Logout (close the session) within Parameter3 = ${request.msg.parameter3} s`);
      const what = `a Logout (close the session) sent within the ${request.msg.parameter3} s the target's Asynchronous Message gave`;
      const o = await t.expectIscsi(what, {
        session: s,
        send: () => s.logout(iscsi.LogoutReason.CLOSE_SESSION, ms + 1000),
        answer: (p) => p.opcode === Opcode.LOGOUT_RESPONSE,
        withinMs: ms,
        expect: ANSWER(Opcode.LOGOUT_RESPONSE),
      });
      // 11.15.1 defines the codes but no sentence makes 0 a MUST (as iSCSIFullFeature.LogoutCloseSession, SHOULD).
      const code = o.kind === 'pdu' ? (o.pdu as iscsi.LogoutResponse).response : undefined;
      t.should(code === iscsi.LogoutResponseCode.SUCCESS, `${what}: Logout Response ${code}, not 0 (connection or session closed successfully, 11.15.1)`);
    } finally {
      await stopped;
      await restart(t);
    }
  },
);

suite.test(
  'LogoutRequestDeadline',
  {
    doc: `As LogoutRequest, but the initiator does not log out after the target's Asynchronous Message asking for logout (AsyncEvent 1). "If the
      initiator does not log out in Parameter3 seconds, the target should send an Async PDU with iSCSI event code 'Dropped the connection' if
      possible or simply terminate the transport connection" (11.9.1): the connection should be gone within Parameter3 seconds plus
      ${DEADLINE_SLACK_MS / 1000}. An AsyncEvent 2 announcing the drop, if sent, must name the connection's CID in Parameter1 (11.9.1) and carry the
      header fields every Asynchronous Message must (ITT 0xffffffff, zero reserved fields, the command window).`,
    clause: 'RFC 7143 11.9.1, RFC 7143 11.9',
    level: 'SHOULD',
    session: false,
    needs: ['targetControl'],
    timeout: 60,
  },
  async (t) => {
    const { s, got, request, stopped } = await logoutRequested(t);
    try {
      const ms = request.msg.parameter3 * 1000 + DEADLINE_SLACK_MS;
      t.log(`not logging out; watching the connection for ${ms / 1000} s`);
      await t.expectIscsi(`a session that did not log out within the ${request.msg.parameter3} s (Parameter3) the target asked`, {
        session: s,
        send: () => undefined,
        answer: () => false,
        withinMs: ms,
        expect: DROPPED,
      });
      const drop = got.find((r) => r.msg.asyncEvent === AsyncEvent.CONNECTION_DROP);
      if (drop) {
        t.log(`AsyncEvent 2 before the drop: CID ${drop.msg.parameter1}, Time2Wait ${drop.msg.parameter2}, Time2Retain ${drop.msg.parameter3}`);
        checkHeader(t, drop);
        t.equal(drop.msg.parameter1, 0, 'Parameter1 of the AsyncEvent 2 (11.9.1: the CID of the connection to be dropped, 0 in this login)');
      }
    } finally {
      await stopped;
      await restart(t);
    }
  },
);

suite.test(
  'CommandAfterLogoutRequest',
  {
    doc: `As LogoutRequest, but before logging out the initiator sends a TEST UNIT READY (which it "SHOULD NOT" do, 11.9.1). "The target MAY reject
      any new I/O requests that it receives after this message with the reason code 'Waiting for Logout'" (11.9.1): the command should be either
      carried out (a SCSI Response "command completed at target", whatever its SCSI status) or Rejected with reason 0x0c, Waiting for Logout (11.17.1), within 3 s or Parameter3 seconds, whichever
      is shorter; another Reject reason or a dropped connection gives the initiator a wrong idea of why. Then the initiator logs out.`,
    clause: 'RFC 7143 11.9.1, RFC 7143 11.17.1',
    level: 'SHOULD',
    session: false,
    needs: ['targetControl'],
    timeout: 60,
  },
  async (t) => {
    const { s, raw, request, stopped } = await logoutRequested(t);
    try {
      const pdu = raw.scsiCommand({ cdb: scsi.testUnitReady() });
      const ms = Math.max(500, Math.min(3000, request.msg.parameter3 * 1000 - 500));
      t.log(`TEST UNIT READY (CmdSN ${pdu.cmdSN}) after the logout request`);
      await t.expectIscsi(`a TEST UNIT READY sent after the target asked for logout within ${request.msg.parameter3} s`, {
        session: s,
        send: (r) => r.send(pdu),
        answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === pdu.itt),
        withinMs: ms,
        expect: [ANSWER(Opcode.SCSI_RESPONSE, { itt: pdu.itt, response: 0 }), REJECT(iscsi.RejectReason.WAITING_FOR_LOGOUT)],
      });
      await s.close(Math.max(500, request.msg.parameter3 * 1000 - ms));
    } finally {
      await stopped;
      await restart(t);
    }
  },
);

suite.test(
  'Time2RetainZero',
  {
    doc: `A session negotiated with DefaultTime2Retain=0 (the initiator offers 0; min() makes it the result, 13.16) at ErrorRecoveryLevel 0 loses
      its only connection (TCP closed without Logout). "A value of 0 indicates that connection/task state is immediately discarded by the target"
      (13.16), so 1 s later a login naming the session's ISID and TSIH (adding a connection to it) should be refused with status 0x020a, "Session
      does not exist" (11.13.5), not as a second connection of a live session (0x0206) nor accepted.`,
    clause: 'RFC 7143 13.16, RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await t.login({ keys: { DefaultTime2Retain: '0' } });
    t.check(
      s.params.defaultTime2Retain === 0,
      `DefaultTime2Retain negotiated ${s.params.defaultTime2Retain} for an offer of 0 (13.16: min(), so 0 is the only answer)`,
    );
    if (s.params.errorRecoveryLevel !== 0) t.skip(`the session runs at ErrorRecoveryLevel ${s.params.errorRecoveryLevel}, not 0`);
    const { isid, tsih } = s.login;
    t.log(`closing TCP without Logout (TSIH ${tsih}), then logging in with that ISID and TSIH`);
    s.destroy();
    await t.sleep(1000);
    await t.expectLogin(
      `a login adding a connection to session TSIH ${tsih}, whose only connection dropped with DefaultTime2Retain=0`,
      { isid, tsih },
      LOGIN_STATUS(2, iscsi.LoginStatus.SESSION_DOES_NOT_EXIST & 0xff),
    );
  },
);

/** How many commands go out while ExpStatSN stays where it was. */
const UNACKNOWLEDGED = 24;

suite.test(
  'ExpStatSNUnacknowledged',
  {
    doc: `ExpStatSN only acknowledges status (11.3.3: "command responses up to ExpStatSN - 1 ... have been received"), and it is the initiator that
      acts on a large gap between StatSN and ExpStatSN, past a constant up to 2^31 - 1 (4.2.2.2); nothing lets a target hold status back until
      earlier status is acknowledged. The harness sends ${UNACKNOWLEDGED} TEST UNIT READY commands and a NOP-Out ping, one after the other, all
      carrying the ExpStatSN of the first (acknowledging nothing newer): each should be answered, with StatSN advancing by one per response (the
      initiator checks every StatSN). Then a ping with the ExpStatSN caught up must be answered too.`,
    clause: 'RFC 7143 4.2.2.2, RFC 7143 11.3.3',
    level: 'SHOULD',
    timeout: 60,
  },
  async (t) => {
    const raw = t.raw();
    const frozen = raw.expStatSN;
    t.log(`every PDU carries ExpStatSN ${frozen} from now on`);
    const stopAltering = raw.alter((pdu) => {
      if ('expStatSN' in pdu) (pdu as { expStatSN: number }).expStatSN = frozen;
      return pdu;
    });
    const ms = Math.min(5000, t.remainingMs());
    for (let i = 0; i < UNACKNOWLEDGED; i++) {
      await t.command(scsi.testUnitReady(), {
        what: `TEST UNIT READY ${i + 1} of ${UNACKNOWLEDGED} with ExpStatSN ${frozen} (${i} responses not acknowledged)`,
        timeoutMs: ms,
      });
    }
    t.log(`a NOP-Out ping with ExpStatSN ${frozen} (${UNACKNOWLEDGED} responses not acknowledged)`);
    await t.session.nop({ timeoutMs: ms });
    stopAltering();
    t.log(`ExpStatSN caught up (${raw.expStatSN})`);
    await t.session.nop({ timeoutMs: ms });
  },
);

export default suite;
