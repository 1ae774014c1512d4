/**
 * Command-window acknowledgement in every kind of target answer (RFC 7143 4.2.2.1, 11.x): each PDU the
 * target sends in full feature phase carries ExpCmdSN and MaxCmdSN, and ExpCmdSN "acknowledges all
 * commands up to it". An answer to a non-immediate request of CmdSN n therefore comes with ExpCmdSN past
 * n (the target has received n: it is answering it), an answer to an immediate request with ExpCmdSN at
 * least the CmdSN it carried; and "the target MUST NOT transmit a MaxCmdSN that is less than ExpCmdSN - 1".
 *
 * Levels: the MaxCmdSN sentence binds the target, but the embedded initiator already refuses any PDU that
 * breaks it (an ISCSI_E_PROTOCOL error in every test), so these tests add the acknowledgement, which the
 * RFC describes without a MUST: SHOULD. Hand-built requests go through `t.raw()`, and each answer is
 * read as it arrives (`raw.waitFor`), before the session acts on it.
 */
import { defineSuite, iscsi, scsi, type TestContext, type TestSession } from '../../harness/api.js';

const suite = defineSuite('iSCSISequence', { families: ['iSCSI'], clause: 'RFC 7143 4.2.2.1' });
const { Opcode, RESERVED_TAG } = iscsi;

type Windowed = iscsi.AnyPdu & { expCmdSN: number; maxCmdSN: number };

/**
 * Wait for the answer `pred` names, after `send`. These tests look at the window, not at whether the
 * request is answered: no answer (or a Reject) skips, naming `checkedBy`, the test that checks that.
 */
async function answer(t: TestContext, what: string, pred: (p: iscsi.AnyPdu) => boolean, send: () => void, checkedBy: string): Promise<Windowed> {
  const raw = t.raw();
  const got = raw.waitFor((p) => pred(p) || p.opcode === Opcode.REJECT, Math.min(5000, t.remainingMs()), what);
  send();
  const p = (await got.catch((e: Error) => t.skip(`${what}: no answer (${e.message}); ${checkedBy} checks that the target answers`))) as Windowed;
  if (p.opcode === Opcode.REJECT && !pred(p))
    t.skip(`${what}: the target answered with a Reject (reason 0x${(p as iscsi.Reject).reason.toString(16)}); ${checkedBy} checks that the target answers`);
  return p;
}

/**
 * Check the window an answer carries: ExpCmdSN acknowledges the request (past `cmdSN` for a non-immediate
 * one, at least `cmdSN` for an immediate one, or where `atLeast` says only that much can be asked) and
 * MaxCmdSN is not below ExpCmdSN - 1.
 */
function checkWindow(t: TestContext, what: string, p: Windowed, cmdSN: number, immediate: boolean, atLeast = immediate): void {
  const hex = (n: number) => `0x${n.toString(16)}`;
  t.log(`${what}: ExpCmdSN ${hex(p.expCmdSN)}, MaxCmdSN ${hex(p.maxCmdSN)} (the request carried CmdSN ${hex(cmdSN)}${immediate ? ', immediate' : ''})`);
  t.check(
    iscsi.snLessEq((p.expCmdSN - 1) >>> 0, p.maxCmdSN),
    `${what} carries MaxCmdSN ${hex(p.maxCmdSN)}, less than ExpCmdSN ${hex(p.expCmdSN)} - 1 (RFC 7143 4.2.2.1: the target MUST NOT)`,
  );
  const acknowledged = atLeast ? iscsi.snLessEq(cmdSN, p.expCmdSN) : iscsi.snLess(cmdSN, p.expCmdSN);
  t.should(
    acknowledged,
    `${what} carries ExpCmdSN ${hex(p.expCmdSN)}, which does not acknowledge the ${immediate ? 'immediate ' : ''}request it answers (CmdSN ` +
      `${hex(cmdSN)}): expected ${atLeast ? 'at least' : 'more than'} ${hex(cmdSN)}`,
  );
}

const spec = (doc: string, clause: string, extra: Record<string, unknown> = {}) => ({
  doc,
  clause: `RFC 7143 4.2.2.1, ${clause}`,
  level: 'SHOULD' as const,
  timeout: 30,
  ...extra,
});

suite.test(
  'ScsiResponseWindow',
  spec(
    `A non-immediate TEST UNIT READY with CmdSN n: its SCSI Response (11.4) must carry MaxCmdSN at least ExpCmdSN - 1 and should carry ExpCmdSN ` +
      `past n, acknowledging the command it answers (4.2.2.1).`,
    'RFC 7143 11.4.8',
  ),
  async (t) => {
    const raw = t.raw();
    const pdu = raw.scsiCommand({ cdb: scsi.testUnitReady() });
    const p = await answer(
      t,
      'the SCSI Response to a TEST UNIT READY',
      (a) => a.opcode === Opcode.SCSI_RESPONSE && a.itt === pdu.itt,
      () => raw.send(pdu),
      'TestUnitReady.Simple',
    );
    checkWindow(t, 'the SCSI Response to a TEST UNIT READY', p, pdu.cmdSN, false);
  },
);

suite.test(
  'DataInWindow',
  spec(
    `A non-immediate READ (10) of one block with CmdSN n: the Data-In PDU carrying the status (S=1, 11.7) must carry MaxCmdSN at least ExpCmdSN - 1 ` +
      `and should carry ExpCmdSN past n (4.2.2.1). Skips when the target sends the status in a separate SCSI Response (ScsiResponseWindow checks that kind).`,
    'RFC 7143 11.7.4',
    { needs: ['sbc', 'capacity'] },
  ),
  async (t) => {
    const raw = t.raw();
    const bs = t.dev.blockSize;
    const pdu = raw.scsiCommand({ cdb: scsi.read10({ lba: 0, blocks: 1 }), read: true, expectedDataTransferLength: bs });
    const isStatus = (a: iscsi.AnyPdu) =>
      'itt' in a && a.itt === pdu.itt && ((a.opcode === Opcode.DATA_IN && (a as iscsi.DataIn).statusPresent) || a.opcode === Opcode.SCSI_RESPONSE);
    const p = await answer(t, 'the status of a READ (10)', isStatus, () => raw.send(pdu), 'Read10.Simple');
    if (p.opcode === Opcode.SCSI_RESPONSE)
      t.skip('the target sent the READ (10) status in a SCSI Response, not in the last Data-In (ScsiResponseWindow checks that kind)');
    checkWindow(t, 'the Data-In with status (S=1) of a READ (10)', p, pdu.cmdSN, false);
  },
);

suite.test(
  'NopInWindow',
  spec(
    `A non-immediate NOP-Out ping (valid ITT, TTT 0xffffffff) with CmdSN n: the NOP-In answering it (11.19) must carry MaxCmdSN at least ExpCmdSN - 1 ` +
      `and should carry ExpCmdSN past n (4.2.2.1).`,
    'RFC 7143 11.18, RFC 7143 11.19',
  ),
  async (t) => {
    const raw = t.raw();
    const itt = raw.newItt();
    const cmdSN = raw.takeCmdSN();
    const nop: iscsi.NopOut = {
      opcode: Opcode.NOP_OUT,
      immediate: false,
      lun: 0n,
      itt,
      ttt: RESERVED_TAG,
      cmdSN,
      expStatSN: raw.expStatSN,
      data: Buffer.from('seq1'),
    };
    const p = await answer(
      t,
      'the NOP-In to a non-immediate ping',
      (a) => a.opcode === Opcode.NOP_IN && a.itt === itt,
      () => raw.send(nop),
      'iSCSINop.NonImmediate',
    );
    checkWindow(t, 'the NOP-In to a non-immediate ping', p, cmdSN, false);
  },
);

suite.test(
  'TextResponseWindow',
  spec(
    `A non-immediate Text Request (F=1) with CmdSN n offering a key the target cannot know: the Text Response (11.11) must carry MaxCmdSN at least ` +
      `ExpCmdSN - 1 and should carry ExpCmdSN past n (4.2.2.1).`,
    'RFC 7143 11.10, RFC 7143 11.11',
  ),
  async (t) => {
    const raw = t.raw();
    const itt = raw.newItt();
    const cmdSN = raw.takeCmdSN();
    const req: iscsi.TextRequest = {
      opcode: Opcode.TEXT_REQUEST,
      immediate: false,
      final: true,
      continue: false,
      lun: 0n,
      itt,
      ttt: RESERVED_TAG,
      cmdSN,
      expStatSN: raw.expStatSN,
      data: iscsi.encodeText([['X-org.iscsi-test.Seq', '1']]),
    };
    const p = await answer(
      t,
      'the Text Response to a non-immediate Text Request',
      (a) => a.opcode === Opcode.TEXT_RESPONSE && a.itt === itt,
      () => raw.send(req),
      'iSCSIFullFeature.TextUnknownKey',
    );
    checkWindow(t, 'the Text Response to a non-immediate Text Request', p, cmdSN, false);
  },
);

suite.test(
  'TmfResponseWindow',
  spec(
    `An immediate ABORT TASK for a task the session never started, carrying CmdSN n (not advanced): the Task Management Function Response (11.6) ` +
      `must carry MaxCmdSN at least ExpCmdSN - 1 and should carry ExpCmdSN at least n (4.2.2.1).`,
    'RFC 7143 11.5, RFC 7143 11.6',
  ),
  async (t) => {
    const raw = t.raw();
    const itt = raw.newItt();
    const n = raw.numbers();
    const lun = scsi.lunToBigInt(t.config.target.lun);
    const req: iscsi.TaskMgmtRequest = {
      opcode: Opcode.TASK_MGMT_REQUEST,
      immediate: true,
      function: iscsi.TmfFunction.ABORT_TASK,
      lun,
      itt,
      referencedTaskTag: raw.newItt() ^ 0x00ff0000,
      cmdSN: n.cmdSN,
      expStatSN: n.expStatSN,
      refCmdSN: n.cmdSN,
      expDataSN: 0,
    };
    const p = await answer(
      t,
      'the TMF Response to an ABORT TASK',
      (a) => a.opcode === Opcode.TASK_MGMT_RESPONSE && a.itt === itt,
      () => raw.send(req),
      'iSCSITMF.AbortTaskUnknown',
    );
    checkWindow(t, 'the TMF Response to an ABORT TASK', p, n.cmdSN, true);
  },
);

suite.test(
  'LogoutResponseWindow',
  spec(
    `An immediate Logout Request "close the session" carrying CmdSN n: the Logout Response (11.15) must carry MaxCmdSN at least ExpCmdSN - 1 and ` +
      `should carry ExpCmdSN at least n (4.2.2.1).`,
    'RFC 7143 11.14, RFC 7143 11.15',
  ),
  async (t) => {
    const raw = t.raw();
    const itt = raw.newItt();
    const n = raw.numbers();
    const req: iscsi.LogoutRequest = {
      opcode: Opcode.LOGOUT_REQUEST,
      immediate: true,
      reason: iscsi.LogoutReason.CLOSE_SESSION,
      itt,
      cid: 0,
      cmdSN: n.cmdSN,
      expStatSN: n.expStatSN,
    };
    const p = await answer(
      t,
      'the Logout Response to "close the session"',
      (a) => a.opcode === Opcode.LOGOUT_RESPONSE && a.itt === itt,
      () => raw.send(req),
      'iSCSIFullFeature.LogoutCloseSession',
    );
    checkWindow(t, 'the Logout Response to "close the session"', p, n.cmdSN, true);
  },
);

suite.test(
  'R2TWindow',
  spec(
    `A non-immediate WRITE (10) of one block without data, CmdSN n: the R2T asking for its data (11.8) must carry MaxCmdSN at least ExpCmdSN - 1 and ` +
      `should carry ExpCmdSN at least n (4.2.2.1): a target may ask for the data as the command arrives, before its command-order turn has moved ExpCmdSN ` +
      `past n, but an ExpCmdSN below n would say the command it answers was not yet expected. The data is then sent and the WRITE completes.`,
    'RFC 7143 11.8',
    { needs: ['sbc', 'capacity', 'dataloss', 'writable'] },
  ),
  async (t) => {
    const raw = t.raw();
    const bs = t.dev.blockSize;
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks: 1 }), write: true, expectedDataTransferLength: bs });
    const p = await answer(
      t,
      'the R2T for a WRITE (10)',
      (a) => (a.opcode === Opcode.R2T || a.opcode === Opcode.SCSI_RESPONSE) && a.itt === w.itt,
      () => raw.send(w),
      'iSCSIR2T.MaxBurstLength',
    );
    if (p.opcode !== Opcode.R2T) t.skip('the target answered the WRITE (10) without data with a SCSI Response, not an R2T');
    checkWindow(t, 'the R2T for a WRITE (10)', p, w.cmdSN, false, true);
    const r2t = p as iscsi.R2T;
    const data = t.pattern(0, 1);
    const d: iscsi.DataOut = {
      opcode: Opcode.DATA_OUT,
      final: true,
      lun: w.lun,
      itt: w.itt,
      ttt: r2t.ttt,
      expStatSN: raw.expStatSN,
      dataSN: 0,
      bufferOffset: 0,
      data,
    };
    await answer(
      t,
      'the SCSI Response to the WRITE (10)',
      (a) => a.opcode === Opcode.SCSI_RESPONSE && a.itt === w.itt,
      () => raw.send(d),
      'Write10.Simple',
    );
    t.remember(0, data, 'the WRITE (10) of R2TWindow');
  },
);

suite.test(
  'RejectWindow',
  spec(
    `An immediate SNACK at ErrorRecoveryLevel 0 for a task that does not exist, which the target refuses with a Reject ` +
      `(iSCSIFullFeature.SnackAtErl0): the Reject (11.17) must carry MaxCmdSN at least ExpCmdSN - 1 and should carry ExpCmdSN at least the session's current ` +
      `CmdSN (4.2.2.1).`,
    'RFC 7143 11.17',
  ),
  async (t) => {
    const raw = t.raw();
    if (raw.params.errorRecoveryLevel !== 0) t.skip(`the session negotiated ErrorRecoveryLevel ${raw.params.errorRecoveryLevel}; a SNACK is refused only at 0`);
    const n = raw.numbers();
    const itt = raw.newItt();
    const snack: iscsi.SnackRequest = {
      opcode: Opcode.SNACK_REQUEST,
      type: 0,
      lun: 0n,
      itt,
      tttOrSnackTag: RESERVED_TAG,
      expStatSN: n.expStatSN,
      begRun: 0,
      runLength: 0,
    };
    const got = raw.waitFor((p) => p.opcode === Opcode.REJECT, Math.min(5000, t.remainingMs()), 'a Reject of the SNACK');
    raw.send(snack);
    const p = (await got.catch((e: Error) =>
      t.skip(`the target sent no Reject for a SNACK at ErrorRecoveryLevel 0 (${e.message}); iSCSIFullFeature.SnackAtErl0 checks that`),
    )) as Windowed;
    checkWindow(t, 'the Reject of a SNACK', p, n.cmdSN, true);
  },
);

/** Log in with 512-byte bursts and solicited data only, so a WRITE of 2048 bytes or more needs several R2Ts. */
async function smallBursts(t: TestContext, maxOutstandingR2T: number): Promise<TestSession> {
  const s = await t.login({
    keys: { MaxBurstLength: '512', FirstBurstLength: '512', InitialR2T: 'Yes', ImmediateData: 'No', MaxOutstandingR2T: String(maxOutstandingR2T) },
    clearUnitAttentions: true,
  });
  const p = t.raw(s).params;
  if (p.maxBurstLength > 512) t.skip(`the target negotiated MaxBurstLength=${p.maxBurstLength}, not 512`);
  return s;
}

suite.test(
  'R2TSequence',
  {
    doc: `Log in with MaxBurstLength=512 and InitialR2T=Yes, then WRITE (10) 2048 bytes or more without data, answering each R2T with its data as it
      comes: the R2Ts are numbered by R2TSN from 0 within the command (11.8.2: "the R2T PDU input PDU number within the command"), and with
      DataSequenceInOrder=Yes (the default) each asks for the data that follows the last (13.19), so together they cover the transfer once, in order;
      the WRITE then completes with GOOD.`,
    clause: 'RFC 7143 11.8.2, RFC 7143 11.8.4, RFC 7143 13.19',
    level: 'SHOULD',
    needs: ['sbc', 'capacity', 'dataloss', 'writable'],
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await smallBursts(t, 1);
    const raw = t.raw(s);
    const bs = t.dev.blockSize;
    const blocks = Math.max(1, Math.ceil(2048 / bs));
    const data = t.pattern(0, blocks);
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks }), write: true, expectedDataTransferLength: data.length });
    const r2ts: iscsi.R2T[] = [];
    let status: iscsi.ScsiResponse | undefined;
    // Bounded: one R2T per 512 bytes at most, then the SCSI Response.
    const stop = raw.watch((p) => {
      if (p.opcode === Opcode.R2T && p.itt === w.itt) {
        const r = p as iscsi.R2T;
        r2ts.push(r);
        const len = Math.max(0, Math.min(r.desiredDataTransferLength, data.length - r.bufferOffset));
        raw.send({
          opcode: Opcode.DATA_OUT,
          final: true,
          lun: w.lun,
          itt: w.itt,
          ttt: r.ttt,
          expStatSN: raw.expStatSN,
          dataSN: 0,
          bufferOffset: r.bufferOffset,
          data: data.subarray(r.bufferOffset, r.bufferOffset + len),
        });
      }
    });
    try {
      const done = raw.waitFor(
        (p) => p.opcode === Opcode.SCSI_RESPONSE && p.itt === w.itt,
        Math.min(10_000, t.remainingMs()),
        'the SCSI Response to the WRITE (10)',
      );
      raw.send(w);
      status = (await done.catch((e: Error) =>
        t.fail(`a WRITE (10) of ${data.length} bytes answered R2T by R2T: no SCSI Response (${e.message}) after ${r2ts.length} R2T(s)`),
      )) as iscsi.ScsiResponse;
    } finally {
      stop();
    }
    t.log(`R2Ts: ${r2ts.map((r) => `R2TSN ${r.r2tSN} offset ${r.bufferOffset} length ${r.desiredDataTransferLength}`).join('; ')}; status ${status.status}`);
    t.check(r2ts.length > 0, `the target asked for none of the ${data.length} bytes with an R2T`);
    let offset = 0;
    r2ts.forEach((r, k) => {
      t.check(r.r2tSN === k, `R2T number ${k + 1} of the WRITE (10) carries R2TSN ${r.r2tSN}, expected ${k} (R2TSNs count from 0 within the command)`);
      t.check(
        r.bufferOffset === offset,
        `R2T number ${k + 1} asks for offset ${r.bufferOffset}, expected ${offset} (DataSequenceInOrder=Yes: each R2T follows the last)`,
      );
      offset += r.desiredDataTransferLength;
    });
    t.check(offset === data.length, `the R2Ts asked for ${offset} bytes in all, the WRITE (10) carries ${data.length}`);
    t.equal(status.status, scsi.ScsiStatus.GOOD, 'the status of the WRITE (10)');
    t.remember(0, data, 'the WRITE (10) of R2TSequence');
  },
);

suite.test(
  'MaxOutstandingR2T',
  {
    doc: `Log in with MaxOutstandingR2T=1, MaxBurstLength=512 and InitialR2T=Yes, then WRITE (10) 2048 bytes or more without data and send nothing
      more: MaxOutstandingR2T is the "maximum number of outstanding R2Ts per task" (13.17), so the target should send one R2T and wait for its data; a
      second R2T for the WRITE within 1 s exceeds it.`,
    clause: 'RFC 7143 13.17, RFC 7143 11.8',
    level: 'SHOULD',
    needs: ['sbc', 'capacity', 'dataloss', 'writable'],
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await smallBursts(t, 1);
    const raw = t.raw(s);
    if (raw.params.maxOutstandingR2T !== 1) t.skip(`the target negotiated MaxOutstandingR2T=${raw.params.maxOutstandingR2T}, not 1`);
    const bs = t.dev.blockSize;
    const blocks = Math.max(1, Math.ceil(2048 / bs));
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks }), write: true, expectedDataTransferLength: blocks * bs });
    // Every R2T for the WRITE counts, from the moment it is sent: a target may send them all at once.
    const r2ts: iscsi.R2T[] = [];
    const stop = raw.watch((p) => {
      if (p.opcode === Opcode.R2T && p.itt === w.itt) r2ts.push(p as iscsi.R2T);
    });
    try {
      const first = raw.waitFor((p) => p.opcode === Opcode.R2T && p.itt === w.itt, Math.min(5000, t.remainingMs()), 'the first R2T for the WRITE (10)');
      raw.send(w);
      const r = (await first.catch((e: Error) =>
        t.skip(`the target sent no R2T for a WRITE (10) without data (${e.message}); the test needs a task waiting for data`),
      )) as iscsi.R2T;
      if (r.desiredDataTransferLength >= blocks * bs)
        t.skip(`the first R2T asks for all ${blocks * bs} bytes: there is no second burst to hold back (iSCSIR2T.MaxBurstLength checks the burst size)`);
      await t.sleep(1000);
    } finally {
      stop();
    }
    t.log(`R2Ts within 1 s: ${r2ts.map((r) => `R2TSN ${r.r2tSN} offset ${r.bufferOffset} length ${r.desiredDataTransferLength}`).join('; ')}`);
    t.should(
      r2ts.length === 1,
      `with MaxOutstandingR2T=1 the target sent ${r2ts.length} R2Ts for the WRITE (10) before any data was sent: at most one may be outstanding`,
    );
    t.forget(0, blocks);
  },
);

export default suite;
