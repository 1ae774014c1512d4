/**
 * The full feature phase beyond SCSI commands (RFC 7143 4.2.2.1, 11.14-11.17): immediate commands and the
 * command window, PDUs the target must refuse (SNACK at ErrorRecoveryLevel 0, an opcode it does not
 * know, a Login Request after login, an ITT already in use), the logout variants at ErrorRecoveryLevel 0,
 * and the session-wide limits (a data segment beyond the target's MaxRecvDataSegmentLength, immediate data
 * beyond FirstBurstLength). Hand-built PDUs go through `t.raw()`; outcomes are checked by `t.expectIscsi`.
 *
 * Levels: the RFC defines Reject reasons and Logout response codes by the case they answer (11.17.1,
 * 11.15.1) without a sentence making the target send them, and a PDU breaking a rule that binds the
 * initiator (MaxRecvDataSegmentLength, FirstBurstLength, ITT uniqueness) has no prescribed answer: those
 * tests are SHOULD. The immediate-command rule of 4.2.2.1 and the logout answers at ERL 0 are MUST.
 */
import {
  ANSWER,
  defineSuite,
  DROPPED,
  iscsi,
  IscsiError,
  isRawEnd,
  NO_ANSWER,
  rawText,
  REJECT,
  scsi,
  type TestContext,
  type TestSession,
} from '../../harness/api.js';
import { throughOperational, throughSecurity } from './_login.js';

const suite = defineSuite('iSCSIFullFeature', { families: ['iSCSI'], clause: 'RFC 7143 4.2.2.1' });
const { Opcode, RESERVED_TAG } = iscsi;

/** A Reject, or the answer to the request carrying its ITT (any other PDU is not the answer). */
const answerTo = (itt: number) => (p: iscsi.AnyPdu) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === itt && p.opcode !== Opcode.R2T);

suite.test(
  'ImmediateCommand',
  {
    doc: `An immediate TEST UNIT READY (I=1) carries the CmdSN the next non-immediate command will carry, and "the CmdSN is not advanced after a
      command marked for immediate delivery is sent" (4.2.2.1): its SCSI Response must come with ExpCmdSN still equal to that CmdSN, and a
      non-immediate TEST UNIT READY with that CmdSN must then complete.`,
    clause: 'RFC 7143 4.2.2.1, RFC 7143 3.2.2.1',
    level: 'MUST',
    timeout: 30,
  },
  async (t) => {
    const raw = t.raw();
    const n = raw.numbers();
    const pdu = raw.scsiCommand({ cdb: scsi.testUnitReady(), immediate: true });
    t.log(`immediate TEST UNIT READY with CmdSN ${pdu.cmdSN} (ExpCmdSN ${n.expCmdSN})`);
    await t.expectIscsi('an immediate TEST UNIT READY', {
      send: (r) => r.send(pdu),
      answer: answerTo(pdu.itt),
      withinMs: 5000,
      expect: ANSWER(Opcode.SCSI_RESPONSE, { itt: pdu.itt, expCmdSN: n.cmdSN }),
    });
    t.log(`a non-immediate TEST UNIT READY with CmdSN ${n.cmdSN}`);
    await t.command(scsi.testUnitReady());
  },
);

suite.test(
  'SnackAtErl0',
  {
    doc: `At ErrorRecoveryLevel 0 (this session) a target supports no SNACK (11.16: SNACK support is mandatory only above level 0). A Data/R2T SNACK
      for a task that does not exist should be answered with a Reject (11.17.1: Protocol Error, or SNACK Reject), not silence.`,
    clause: 'RFC 7143 11.16, RFC 7143 11.17.1',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    t.check(raw.params.errorRecoveryLevel === 0, `the session negotiated ErrorRecoveryLevel ${raw.params.errorRecoveryLevel}, not 0`);
    const itt = raw.newItt();
    const snack: iscsi.SnackRequest = {
      opcode: Opcode.SNACK_REQUEST,
      type: 0,
      lun: 0n,
      itt,
      tttOrSnackTag: RESERVED_TAG,
      expStatSN: raw.expStatSN,
      begRun: 0,
      runLength: 0,
    };
    await t.expectIscsi('a SNACK at ErrorRecoveryLevel 0', { send: (r) => r.send(snack), answer: answerTo(itt), expect: REJECT() });
  },
);

suite.test(
  'UnknownOpcode',
  {
    doc: `An immediate PDU with opcode 0x0f, which no RFC defines for an initiator: the target should answer it with a Reject with reason 0x05,
      Command not supported (11.17.1), and keep the session (a NOP-Out ping is then answered).`,
    clause: 'RFC 7143 11.17.1, RFC 7143 11.2.1.2',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    const itt = raw.newItt();
    const bhs = Buffer.alloc(48);
    bhs[0] = 0x40 | 0x0f;
    bhs[1] = 0x80;
    bhs.writeUInt32BE(itt, 16);
    bhs.writeUInt32BE(raw.cmdSN, 24);
    bhs.writeUInt32BE(raw.expStatSN, 28);
    const bytes = iscsi.frameEncoded(bhs, undefined, { headerDigest: raw.params.headerDigest, dataDigest: raw.params.dataDigest });
    await t.expectIscsi('an immediate PDU with opcode 0x0f', {
      send: (r) => r.sendBytes(...bytes),
      answer: answerTo(itt),
      expect: REJECT(iscsi.RejectReason.COMMAND_NOT_SUPPORTED),
    });
    await t.session.nop({ timeoutMs: Math.min(5000, t.remainingMs()) });
  },
);

suite.test(
  'LoginInFullFeature',
  {
    doc: `A Login Request on a connection already in full feature phase: login belongs to a new connection (6.3). The target should refuse it with a
      Reject (Protocol Error) or drop the connection, not answer it as a login.`,
    clause: 'RFC 7143 6.3, RFC 7143 11.17.1',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    const s = t.session;
    const itt = raw.newItt();
    const req: iscsi.LoginRequest = {
      opcode: Opcode.LOGIN_REQUEST,
      immediate: true,
      transit: false,
      continue: false,
      csg: 1,
      nsg: 0,
      versionMax: 0,
      versionMin: 0,
      isid: s.login.isid,
      tsih: s.login.tsih,
      itt,
      cid: 0,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
      data: iscsi.encodeText([['MaxRecvDataSegmentLength', '8192']]),
    };
    await t.expectIscsi('a Login Request in full feature phase', {
      send: (r) => r.send(req),
      answer: answerTo(itt),
      expect: [REJECT(iscsi.RejectReason.PROTOCOL_ERROR), DROPPED],
    });
  },
);

suite.test(
  'IttInUse',
  {
    doc: `A WRITE (10) of one block without data waits for its Data-Out (the target sends an R2T); an immediate TEST UNIT READY with the same ITT
      breaks the rule that an ITT identifies one task in the session (11.2.1.8). The target should refuse it with a Reject, reason 0x07 Task in
      progress (11.17.1), not run it.`,
    clause: 'RFC 7143 11.2.1.8, RFC 7143 11.17.1',
    level: 'SHOULD',
    needs: ['sbc', 'capacity', 'dataloss'],
    timeout: 30,
  },
  async (t) => {
    const raw = t.raw();
    const bs = t.dev.blockSize;
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks: 1 }), write: true, expectedDataTransferLength: bs });
    const r2t = raw.waitFor((p) => p.opcode === Opcode.R2T && p.itt === w.itt, Math.min(5000, t.remainingMs()), 'the R2T for the WRITE (10)');
    raw.send(w);
    await r2t.catch((e: Error) => t.skip(`the target sent no R2T for a WRITE (10) without data (${e.message}); the test needs a task waiting for data`));
    const tur = raw.scsiCommand({ cdb: scsi.testUnitReady(), immediate: true, itt: w.itt });
    await t.expectIscsi(`an immediate TEST UNIT READY with the ITT 0x${w.itt.toString(16)} of a WRITE (10) still waiting for its data`, {
      send: (r) => r.send(tur),
      answer: (p) => p.opcode === Opcode.REJECT || (p.opcode === Opcode.SCSI_RESPONSE && p.itt === w.itt),
      expect: REJECT(iscsi.RejectReason.TASK_IN_PROGRESS),
    });
  },
);

/** A Logout Request built by hand (the session's own logout throws on refusal codes). */
function logoutPdu(t: TestContext, reason: number, cid: number): iscsi.LogoutRequest {
  const raw = t.raw();
  return { opcode: Opcode.LOGOUT_REQUEST, immediate: true, reason, itt: raw.newItt(), cid, cmdSN: raw.cmdSN, expStatSN: raw.expStatSN };
}

suite.test(
  'LogoutRecoveryAtErl0',
  {
    doc: `At ErrorRecoveryLevel 0 a Logout Request "remove the connection for recovery" (reason 2) asks for connection recovery the session does not
      have: the Logout Response should carry response 2, "connection recovery is not supported. If Logout reason code was recovery and target does
      not support it as indicated by the ErrorRecoveryLevel" (11.15.1), and the session goes on (a NOP-Out ping is then answered). SHOULD: 11.15.1
      lists what each response code means, and no sentence says the target MUST answer with one (11.14's MUSTs are about the pending commands).
      Skipped when the session did not negotiate ErrorRecoveryLevel 0.`,
    clause: 'RFC 7143 11.14.1, RFC 7143 11.15.1',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    if (raw.params.errorRecoveryLevel !== 0) t.skip(`the session negotiated ErrorRecoveryLevel ${raw.params.errorRecoveryLevel}, not 0`);
    const req = logoutPdu(t, iscsi.LogoutReason.REMOVE_CONNECTION_FOR_RECOVERY, 0);
    await t.expectIscsi('a Logout "remove the connection for recovery" at ErrorRecoveryLevel 0', {
      send: (r) => r.send(req),
      answer: answerTo(req.itt),
      expect: ANSWER(Opcode.LOGOUT_RESPONSE, { response: iscsi.LogoutResponseCode.RECOVERY_NOT_SUPPORTED }),
    });
    await t.session.nop({ timeoutMs: Math.min(5000, t.remainingMs()) });
  },
);

suite.test(
  'LogoutUnknownCid',
  {
    doc: `A Logout Request "close the connection" (reason 1) naming a CID the session does not have (0x7777): the Logout Response should carry
      response 1, "CID not found" (11.15.1), and this connection stays in full feature phase (a NOP-Out ping is then answered). SHOULD: 11.15.1
      lists what each response code means, and no sentence says the target MUST answer with one.`,
    clause: 'RFC 7143 11.14.1, RFC 7143 11.15.1',
    level: 'SHOULD',
  },
  async (t) => {
    const req = logoutPdu(t, iscsi.LogoutReason.CLOSE_CONNECTION, 0x7777);
    await t.expectIscsi('a Logout "close the connection" for CID 0x7777, which the session does not have', {
      send: (r) => r.send(req),
      answer: answerTo(req.itt),
      expect: ANSWER(Opcode.LOGOUT_RESPONSE, { response: iscsi.LogoutResponseCode.CID_NOT_FOUND }),
    });
    await t.session.nop({ timeoutMs: Math.min(5000, t.remainingMs()) });
  },
);

suite.test(
  'DataSegmentBeyondMaxRecv',
  {
    doc: `Log in declaring MaxRecvDataSegmentLength=16777215 (so any answer fits), then send a NOP-Out ping whose data segment is 512 bytes longer
      than the MaxRecvDataSegmentLength the target declared: "the transmitter ... is required to send PDUs with a data segment that does not exceed
      MaxRecvDataSegmentLength of the receiver" (13.12). The target should refuse the PDU (a Reject, or dropping the connection), not answer the ping.`,
    clause: 'RFC 7143 13.12',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    const s = await t.login({ keys: { MaxRecvDataSegmentLength: '16777215' } });
    const raw = t.raw(s);
    const limit = raw.params.maxSendDataSegmentLength;
    const itt = raw.newItt();
    const ping: iscsi.NopOut = {
      opcode: Opcode.NOP_OUT,
      immediate: true,
      lun: 0n,
      itt,
      ttt: RESERVED_TAG,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
      data: Buffer.alloc(limit + 512, 0x5a),
    };
    t.log(`the target declared MaxRecvDataSegmentLength=${limit}; a NOP-Out ping with ${limit + 512} bytes of data`);
    await t.expectIscsi(`a NOP-Out ping with a ${limit + 512}-byte data segment (the target's MaxRecvDataSegmentLength is ${limit})`, {
      session: s,
      send: (r) => r.send(ping),
      answer: answerTo(itt),
      withinMs: 5000,
      expect: [REJECT(), DROPPED],
    });
  },
);

suite.test(
  'ImmediateDataBeyondFirstBurst',
  {
    doc: `Log in offering FirstBurstLength=512 with ImmediateData=Yes; a WRITE (10) carrying more immediate data than the negotiated FirstBurstLength
      breaks 13.14 ("the maximum amount in bytes of unsolicited data an iSCSI initiator may send to the target during the execution of a single SCSI
      command"). The target should refuse it (a Reject, a CHECK CONDITION, or dropping the connection), not write the data with GOOD.`,
    clause: 'RFC 7143 13.14, RFC 7143 13.11',
    level: 'SHOULD',
    session: false,
    needs: ['sbc', 'capacity', 'dataloss'],
  },
  async (t) => {
    const s = await t.login({ keys: { FirstBurstLength: '512', ImmediateData: 'Yes' }, clearUnitAttentions: true });
    const raw = t.raw(s);
    const p = raw.params;
    if (!p.immediateData) t.skip('the target does not accept ImmediateData=Yes');
    const bs = t.dev.blockSize;
    const blocks = Math.max(1, Math.ceil((p.firstBurstLength + 1) / bs));
    const data = Buffer.alloc(blocks * bs, 0xa5);
    t.log(`FirstBurstLength=${p.firstBurstLength}; WRITE (10) of ${blocks} block(s) with ${data.length} bytes of immediate data`);
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks }), write: true, expectedDataTransferLength: data.length, data });
    await t.expectIscsi(`a WRITE (10) with ${data.length} bytes of immediate data (FirstBurstLength ${p.firstBurstLength})`, {
      session: s,
      send: (r) => r.send(w),
      answer: answerTo(w.itt),
      withinMs: 5000,
      expect: [REJECT(), DROPPED, ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.CHECK_CONDITION })],
    });
    t.forget(0, blocks);
  },
);

suite.test(
  'NopOutNoAnswer',
  {
    doc: `A NOP-Out with ITT 0xffffffff and TTT 0xffffffff (I=1) asks for nothing: "the Initiator Task Tag MUST be set to 0xffffffff" when no NOP-In
      is requested (11.18.1). The target should not answer it; a ping with a valid ITT is then answered.`,
    clause: 'RFC 7143 11.18.1, RFC 7143 11.19',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    const nop: iscsi.NopOut = {
      opcode: Opcode.NOP_OUT,
      immediate: true,
      lun: 0n,
      itt: RESERVED_TAG,
      ttt: RESERVED_TAG,
      cmdSN: raw.cmdSN,
      expStatSN: raw.expStatSN,
      data: Buffer.alloc(0),
    };
    await t.expectIscsi('a NOP-Out with ITT 0xffffffff (no answer requested)', {
      send: (r) => r.send(nop),
      answer: (p) => p.opcode === Opcode.NOP_IN && (p as iscsi.NopIn).ttt === RESERVED_TAG,
      withinMs: 2000,
      expect: NO_ANSWER,
    });
    await t.session.nop({ timeoutMs: Math.min(5000, t.remainingMs()) });
  },
);

suite.test(
  'CmdSNWrap',
  {
    doc: `Log in a session on a bare connection whose leading Login Request carries CmdSN 0xfffffffe, the session's initial command number (11.12.8),
      then send four TEST UNIT READYs with CmdSN 0xfffffffe, 0xffffffff, 0 and 1: sequence numbers are compared in serial number arithmetic (RFC 1982, 4.2.2.1),
      so the window wraps at 2^32 and every command must be answered, each answer with ExpCmdSN one past its CmdSN and MaxCmdSN at least ExpCmdSN - 1.`,
    clause: 'RFC 7143 4.2.2.1, RFC 7143 11.12.8, RFC 1982',
    level: 'MUST',
    session: false,
    timeout: 30,
  },
  async (t) => {
    const c = await t.connect();
    const start = 0xfffffffe;
    const st = await throughSecurity(t, c, { cmdSN: start });
    const ops: iscsi.KeyValue[] = [
      ['HeaderDigest', 'None'],
      ['DataDigest', 'None'],
      ['MaxRecvDataSegmentLength', '8192'],
      ['ErrorRecoveryLevel', '0'],
      ['MaxConnections', '1'],
    ];
    const { rsp } = await throughOperational(t, c, st, ops);
    t.log(`full feature phase: TSIH ${rsp.tsih}, ExpCmdSN 0x${rsp.expCmdSN.toString(16)}, MaxCmdSN 0x${rsp.maxCmdSN.toString(16)}`);
    let expStatSN = (rsp.statSN + 1) >>> 0;
    const lun = scsi.lunToBigInt(t.config.target.lun);
    for (let i = 0; i < 4; i++) {
      const sn = (start + i) >>> 0;
      const itt = 0x7700 + i;
      const cdb = Buffer.alloc(16);
      scsi.testUnitReady().copy(cdb);
      c.send({
        opcode: Opcode.SCSI_COMMAND,
        final: true,
        read: false,
        write: false,
        attr: 0,
        lun,
        itt,
        expectedDataTransferLength: 0,
        cmdSN: sn,
        expStatSN,
        cdb,
      });
      let got: iscsi.ScsiResponse | undefined;
      // Bounded: the target's own NOP-In pings and asynchronous messages are passed over, 8 at most.
      for (let k = 0; k < 8 && !got; k++) {
        const p = await c.next(5000);
        if (isRawEnd(p)) return t.fail(`TEST UNIT READY with CmdSN 0x${sn.toString(16)}: expected a SCSI Response, got ${rawText(p)}`);
        if (p.opcode === Opcode.SCSI_RESPONSE && p.itt === itt) got = p as iscsi.ScsiResponse;
      }
      if (!got) return t.fail(`TEST UNIT READY with CmdSN 0x${sn.toString(16)}: no SCSI Response among the next 8 PDUs`);
      expStatSN = (got.statSN + 1) >>> 0;
      const want = (sn + 1) >>> 0;
      t.log(`CmdSN 0x${sn.toString(16)}: SCSI Response status ${got.status}, ExpCmdSN 0x${got.expCmdSN.toString(16)}, MaxCmdSN 0x${got.maxCmdSN.toString(16)}`);
      t.check(
        got.expCmdSN === want,
        `the answer to CmdSN 0x${sn.toString(16)} carries ExpCmdSN 0x${got.expCmdSN.toString(16)}, expected 0x${want.toString(16)}`,
      );
      t.check(
        iscsi.snLessEq((got.expCmdSN - 1) >>> 0, got.maxCmdSN),
        `the answer to CmdSN 0x${sn.toString(16)} carries MaxCmdSN 0x${got.maxCmdSN.toString(16)} ` +
          `below ExpCmdSN - 1 (0x${((got.expCmdSN - 1) >>> 0).toString(16)})`,
      );
    }
  },
);

suite.test(
  'TextUnknownKey',
  {
    doc: `A Text Request in full feature phase offering a key the target cannot know (X-org.iscsi-test.Ffp=1): text negotiation follows the rules of
      login negotiation, and "the answer for a key not understood MUST be key=NotUnderstood" (6.2), so the final Text Response must carry
      X-org.iscsi-test.Ffp=NotUnderstood.`,
    clause: 'RFC 7143 6.2, RFC 7143 11.10, RFC 7143 11.11',
    level: 'MUST',
  },
  async (t) => {
    const key = 'X-org.iscsi-test.Ffp';
    let pairs: iscsi.KeyValue[];
    try {
      pairs = await t.session.text([[key, '1']], { timeoutMs: Math.min(10_000, t.remainingMs()) });
    } catch (e) {
      if (IscsiError.is(e, 'ISCSI_E_CLOSED'))
        t.skip(`the target dropped the connection at a Text Request (${e.message}); iSCSISendTargets.Simple checks that Text Requests are answered`);
      throw e;
    }
    t.log(`the target answered: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'nothing'}`);
    const a = pairs.find(([k]) => k === key);
    t.check(a !== undefined, `the target did not answer ${key}=1 in a Text Request; a key it does not understand must be answered with ${key}=NotUnderstood`);
    t.equal(a![1], 'NotUnderstood', `the target's answer to ${key}`);
  },
);

suite.test(
  'PingDataMaxSegment',
  {
    doc: `A NOP-Out ping whose data segment is as long as both sides allow (the smaller of the two MaxRecvDataSegmentLength values): the NOP-In must
      return the ping data whole, byte for byte (11.18, 11.19), in one PDU no longer than the initiator's MaxRecvDataSegmentLength.
      Quoted: "It MUST also duplicate up to the first MaxRecvDataSegmentLength bytes of the initiator-provided Ping Data" (11.19).`,
    clause: 'RFC 7143 11.18, RFC 7143 11.19, RFC 7143 13.12',
    level: 'MUST',
  },
  async (t) => {
    const raw = t.raw();
    const len = Math.min(raw.params.maxSendDataSegmentLength, raw.params.maxRecvDataSegmentLength);
    const data = Buffer.alloc(len);
    for (let i = 0; i < len; i++) data[i] = (i * 7 + 3) & 0xff;
    t.log(`NOP-Out ping with ${len} bytes of data`);
    const a = await t.session.nop({ data, timeoutMs: Math.min(10_000, t.remainingMs()) });
    const echoed = a.data ?? Buffer.alloc(0);
    let at = 0;
    while (at < Math.min(echoed.length, len) && echoed[at] === data[at]) at++;
    t.check(
      echoed.length === len && at === len,
      `the NOP-In returned ${echoed.length} bytes of the ${len}-byte ping data${at < Math.min(echoed.length, len) ? `, differing from byte ${at}` : ''}`,
    );
  },
);

/** A WRITE (10) of `blocks` blocks sent without data, and the first R2T the target answers it with (skips if none comes). */
async function writeWaitingForData(t: TestContext, s?: TestSession, blocks = 1): Promise<{ w: iscsi.ScsiCommand; r2t: iscsi.R2T }> {
  const raw = t.raw(s);
  const bs = t.dev.blockSize;
  const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks }), write: true, expectedDataTransferLength: blocks * bs });
  const r2t = raw.waitFor((p) => p.opcode === Opcode.R2T && p.itt === w.itt, Math.min(5000, t.remainingMs()), 'the R2T for the WRITE (10)');
  raw.send(w);
  const r = (await r2t.catch((e: Error) =>
    t.skip(`the target sent no R2T for a WRITE (10) without data (${e.message}); the test needs a task waiting for data`),
  )) as iscsi.R2T;
  t.log(`R2T: TTT 0x${r.ttt.toString(16)}, offset ${r.bufferOffset}, ${r.desiredDataTransferLength} bytes`);
  return { w, r2t: r };
}

suite.test(
  'DataOutUnknownTtt',
  {
    doc: `A WRITE (10) of one block without data gets an R2T; the Data-Out answering it carries a Target Transfer Tag the R2T did not (its TTT with
      the low bits flipped), where "the initiator MUST copy the Target Transfer Tag" of the R2T (11.7.4). The target should refuse the data (a Reject,
      a CHECK CONDITION, or dropping the connection), not write it with GOOD.`,
    clause: 'RFC 7143 11.7.4, RFC 7143 11.8.4, RFC 7143 11.17.1',
    level: 'SHOULD',
    needs: ['sbc', 'capacity', 'dataloss'],
    timeout: 30,
  },
  async (t) => {
    const { w, r2t } = await writeWaitingForData(t);
    const raw = t.raw();
    const d: iscsi.DataOut = {
      opcode: Opcode.DATA_OUT,
      final: true,
      lun: w.lun,
      itt: w.itt,
      ttt: (r2t.ttt ^ 0x5a5a) >>> 0,
      expStatSN: raw.expStatSN,
      dataSN: 0,
      bufferOffset: r2t.bufferOffset,
      data: Buffer.alloc(r2t.desiredDataTransferLength, 0x3c),
    };
    await t.expectIscsi(`a Data-Out with TTT 0x${d.ttt.toString(16)}, which no R2T carried`, {
      send: (r) => r.send(d),
      answer: answerTo(w.itt),
      withinMs: 5000,
      expect: [REJECT(), DROPPED, ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.CHECK_CONDITION })],
    });
    t.forget(0, 1);
  },
);

suite.test(
  'DataOutBeyondR2T',
  {
    doc: `Log in with MaxBurstLength=512, so an R2T asks for 512 bytes at most; a WRITE (10) of 1024 bytes or more without data gets an R2T for 512 at
      offset 0, and the Data-Out answering it carries twice the R2T's Desired Data Transfer Length (still within the Expected Data Transfer Length:
      the target's buffer is not overrun). The R2T asks for that many bytes (11.8.4), so the target should refuse the data (a Reject, a CHECK
      CONDITION, or dropping the connection), not complete the WRITE with GOOD.`,
    clause: 'RFC 7143 11.8.4, RFC 7143 11.7.5, RFC 7143 11.17.1',
    level: 'SHOULD',
    needs: ['sbc', 'capacity', 'dataloss'],
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await t.login({ keys: { MaxBurstLength: '512', FirstBurstLength: '512' }, clearUnitAttentions: true });
    const blocks = Math.max(1, Math.ceil(1024 / t.dev.blockSize));
    const { w, r2t } = await writeWaitingForData(t, s, blocks);
    const raw = t.raw(s);
    const len = r2t.desiredDataTransferLength * 2;
    if (r2t.bufferOffset + len > blocks * t.dev.blockSize)
      t.skip(
        `the R2T asks for ${r2t.desiredDataTransferLength} bytes at offset ` +
          `${r2t.bufferOffset}: twice that would run past the WRITE's ${blocks * t.dev.blockSize} bytes (MaxBurstLength=512 not taken?)`,
      );
    if (len > raw.params.maxSendDataSegmentLength)
      t.skip(
        `twice the R2T's length (${len} bytes) exceeds the target's MaxRecvDataSegmentLength; ` + `iSCSIFullFeature.DataSegmentBeyondMaxRecv checks that case`,
      );
    const d: iscsi.DataOut = {
      opcode: Opcode.DATA_OUT,
      final: true,
      lun: w.lun,
      itt: w.itt,
      ttt: r2t.ttt,
      expStatSN: raw.expStatSN,
      dataSN: 0,
      bufferOffset: r2t.bufferOffset,
      data: Buffer.alloc(len, 0x3d),
    };
    await t.expectIscsi(`a Data-Out of ${len} bytes answering an R2T for ${r2t.desiredDataTransferLength}`, {
      session: s,
      send: (r) => r.send(d),
      answer: answerTo(w.itt),
      withinMs: 5000,
      expect: [REJECT(), DROPPED, ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.CHECK_CONDITION })],
    });
    t.forget(0, blocks);
  },
);

suite.test(
  'LogoutCloseSession',
  {
    doc: `A Logout Request "close the session" (reason 0): the target must answer with a Logout Response of response 0 (closed successfully, 11.15.1),
      and it then half-closes the TCP connection (11.14: after the Logout Response the connection goes away), so the connection should close within 5
      s.`,
    clause: 'RFC 7143 11.14, RFC 7143 11.15.1',
    level: 'SHOULD',
  },
  async (t) => {
    const req = logoutPdu(t, iscsi.LogoutReason.CLOSE_SESSION, 0);
    await t.expectIscsi('a Logout "close the session"', {
      send: (r) => r.send(req),
      answer: answerTo(req.itt),
      expect: ANSWER(Opcode.LOGOUT_RESPONSE, { response: iscsi.LogoutResponseCode.SUCCESS }),
    });
    const closed = await t.session.waitClosed(Math.min(5000, t.remainingMs()));
    t.check(closed !== undefined, 'after its Logout Response to "close the session", the target kept the TCP connection open for 5 s');
  },
);

suite.test(
  'DiscoveryScsiCommand',
  {
    doc: `A TEST UNIT READY in a discovery session: a discovery session exists for SendTargets text requests and logout, not for SCSI commands (4.3,
      the session types of 13.21). The target should refuse the command with a Reject (or drop the connection), not execute it.`,
    clause: 'RFC 7143 4.3, RFC 7143 13.21, RFC 7143 11.17.1',
    level: 'SHOULD',
    session: false,
  },
  async (t) => {
    let s;
    try {
      s = await t.login({ sessionType: 'Discovery', chap: undefined, targetChap: undefined });
    } catch (e) {
      if (IscsiError.is(e, 'ISCSI_E_AUTH')) t.skip(`the portal requires authentication for discovery sessions (${e.message})`);
      throw e;
    }
    const raw = t.raw(s);
    const pdu = raw.scsiCommand({ cdb: scsi.testUnitReady(), immediate: true, lun: 0n });
    await t.expectIscsi('a TEST UNIT READY in a discovery session', {
      session: s,
      send: (r) => r.send(pdu),
      answer: answerTo(pdu.itt),
      expect: [REJECT(), DROPPED],
    });
  },
);

export default suite;
