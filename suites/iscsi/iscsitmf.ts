/** Task management over iSCSI (RFC 7143 11.5, 11.6). */
import {
  ANSWER,
  defineSuite,
  DROPPED,
  iscsi,
  IscsiError,
  minBlocks,
  NO_ANSWER,
  scsi,
  type TestContext,
  type TestSession,
  type TmfResult,
} from '../../harness/api.js';

const suite = defineSuite('iSCSITMF', { families: ['iSCSI'], exclusive: true, clause: 'RFC 7143 11.5.1' });

suite.test(
  'AbortTaskSimpleAsync',
  {
    doc: `WRITE (10) 8 blocks at LBA 0 with known data first. Then, in a session with InitialR2T=Yes and ImmediateData=No, WRITE (10) the same 8
      blocks with other data but hold back its Data-Out, so the task waits for data at the target, and ABORT TASK it: the answer must be Function
      complete. The held Data-Out is then sent after all: the aborted task must not come back to life, so no SCSI Response or Data-In for it may
      arrive within 3 s, and the blocks must still read back as first written.
      Quoted: "if the Referenced Task Tag identifies a valid task leading to a successful termination, then targets must return the "Function complete" response" (11.6.1).`,
    clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1',
    level: 'MUST',
    timeout: 30,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(8)],
  },
  async (t: TestContext) => {
    const w = await heldWrite(t);
    t.log(`< R2T; ABORT TASK ITT 0x${w.itt.toString(16)}`);
    const tmf = await w.s.abortTask(w.itt, { timeoutMs: Math.min(10_000, t.remainingMs()) });
    t.log(`< ${tmf.responseName}`);
    t.equal(tmf.response, iscsi.TmfResponse.FUNCTION_COMPLETE, 'ABORT TASK response for a WRITE waiting for its Data-Out');
    await staysEnded(t, w, 'the aborted WRITE(10)');
  },
);

suite.test(
  'LUNResetSimpleAsync',
  {
    doc: `WRITE (10) 8 blocks at LBA 0 with known data first. Then, in a session with InitialR2T=Yes and ImmediateData=No, WRITE (10) the same 8
      blocks with other data but hold back its Data-Out, so the task waits for data at the target, and send LOGICAL UNIT RESET for the LUN: the answer
      must be Function complete within 10 s, the reset ending every task of the logical unit. The held Data-Out is then sent after all: the task must
      not come back to life, so no SCSI Response or Data-In for it may arrive within 3 s, and the blocks must still read back as first written.`,
    clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1',
    level: 'MUST',
    timeout: 30,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(8)],
  },
  async (t: TestContext) => {
    const w = await heldWrite(t);
    t.log(`< R2T; LOGICAL UNIT RESET`);
    const tmf = await w.s.lunReset(undefined, Math.min(10_000, t.remainingMs()));
    t.log(`< ${tmf.responseName}`);
    t.equal(tmf.response, iscsi.TmfResponse.FUNCTION_COMPLETE, 'LOGICAL UNIT RESET response with a WRITE waiting for its Data-Out');
    await staysEnded(t, w, 'the WRITE(10) the LUN RESET ended');
    // The reset leaves a unit attention for every nexus: drain it before the read-back.
    await t.unitAttentions();
  },
);

suite.test(
  'LogoutDuringIOAsync',
  {
    doc: `In a session with InitialR2T=Yes and ImmediateData=No, WRITE (10) 8 blocks at LBA 0 (it completes with GOOD), then queue nine more WRITE
      (10)s of 8 blocks (LBA 8 to 79) whose Data-Out the initiator holds back, so that each waits for its data at the target after its R2T; then
      Logout with reason "close the session". The target "MUST terminate all pending commands" on such a Logout: it must answer it with a Logout
      Response within 10 s without waiting for the data (response 0, closed successfully, is a SHOULD: 11.15.1 defines the codes, no MUST
      picks one), and send no SCSI Response or Data-In for any of the nine after it
      (watched for 3 s); the first WRITE's blocks read back as written.`,
    clause: 'RFC 7143 11.14, RFC 7143 11.15.1',
    level: 'MUST',
    session: false,
    timeout: 60,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(80)],
  },
  async (t: TestContext) => {
    const s = await t.login({ keys: { InitialR2T: 'Yes', ImmediateData: 'No' }, clearUnitAttentions: true });
    await t.command(scsi.write10({ lba: 0, blocks: 8 }), { session: s });
    const itts = new Set<number>();
    const solicited = new Set<number>();
    let allSolicited!: () => void;
    const nine = new Promise<void>((r) => (allSolicited = r));
    t.log('> nine WRITE(10)s of 8 blocks (LBA 8..79) with their Data-Out held back');
    for (let i = 1; i < 10; i++) {
      let itt = 0;
      const w = s.command({
        cdb: scsi.write10({ lba: 8 * i, blocks: 8 }),
        dataOut: t.pattern(8 * i, 8),
        timeoutMs: t.remainingMs() + 1000,
        onSent: (x) => itts.add((itt = x)),
        alterDataOut: () => {
          solicited.add(itt);
          if (solicited.size === 9) allSolicited();
          return null;
        },
      });
      w.catch(() => undefined);
    }
    const got = await t.settle(nine, Math.min(10_000, t.remainingMs()));
    if (!got.done) t.fail(`the target sent R2Ts for only ${solicited.size} of nine WRITE(10)s of 8 blocks within 10 s (InitialR2T=Yes, ImmediateData=No)`);
    const late: string[] = [];
    let loggedOut = false;
    t.raw(s).watch((p) => {
      if (p.opcode === iscsi.Opcode.LOGOUT_RESPONSE) loggedOut = true;
      else if (loggedOut && 'itt' in p && itts.has(p.itt)) late.push(iscsi.describePdu(p));
    });
    const what = 'a Logout (close the session) with nine WRITE(10)s waiting for their Data-Out, whose commands the target must terminate';
    const o = await t.expectIscsi(what, {
      session: s,
      send: () => s.logout(iscsi.LogoutReason.CLOSE_SESSION, Math.min(10_000, t.remainingMs())),
      answer: (p) => p.opcode === iscsi.Opcode.LOGOUT_RESPONSE,
      withinMs: 10_000,
      expect: ANSWER(iscsi.Opcode.LOGOUT_RESPONSE),
    });
    // 11.15.1 defines the codes ("3 - cleanup failed for various reasons" among them) but no sentence makes 0 a MUST.
    const code = o.kind === 'pdu' ? (o.pdu as iscsi.LogoutResponse).response : undefined;
    t.should(code === iscsi.LogoutResponseCode.SUCCESS, `${what}: Logout Response ${code}, not 0 (connection or session closed successfully, 11.15.1)`);
    await s.waitClosed(Math.min(3000, t.remainingMs()));
    t.check(late.length === 0, `after its Logout Response the target answered a WRITE(10) the Logout terminated: ${late[0]}`);
  },
);

/** One TMF with its answer checked against the RFC 7143 11.6.1 response codes `want`. */
async function tmfAnswer(
  t: TestContext,
  what: string,
  send: () => Promise<TmfResult>,
  want: readonly number[],
  level: 'must' | 'should' = 'must',
): Promise<number> {
  t.log(`> ${what}`);
  const r = await send();
  t.log(`< ${r.responseName}`);
  const names = want.map((w) => `${w} (${iscsi.TMF_RESPONSE_NAMES[w]})`).join(' or ');
  const msg = `${what}: expected response ${names}, got ${r.response} (${r.responseName})`;
  if (level === 'must') t.check(want.includes(r.response), msg);
  else t.should(want.includes(r.response), msg);
  return r.response;
}

const NOT_EXIST = [iscsi.TmfResponse.TASK_DOES_NOT_EXIST];

suite.test(
  'AbortTaskFinished',
  {
    doc: `TEST UNIT READY completes; then ABORT TASK with its ITT and its CmdSN as RefCmdSN, now below ExpCmdSN: the task no longer exists and its
      CmdSN is outside the window, so the target "must return the Task does not exist response" (1); a TEST UNIT READY must then still complete.`,
    clause: 'RFC 7143 11.6.1, RFC 7143 11.5.1',
    level: 'MUST',
  },
  async (t) => {
    let itt = 0;
    let cmdSN = 0;
    await t.command(scsi.testUnitReady(), { raw: { onSent: (i, c) => ((itt = i), (cmdSN = c)) } });
    await tmfAnswer(
      t,
      `ABORT TASK of the finished TEST UNIT READY (ITT 0x${itt.toString(16)}, RefCmdSN ${cmdSN})`,
      () => t.session.taskManagement(iscsi.TmfFunction.ABORT_TASK, { referencedTaskTag: itt, refCmdSN: cmdSN, timeoutMs: Math.min(10_000, t.remainingMs()) }),
      NOT_EXIST,
    );
    await t.command(scsi.testUnitReady());
  },
);

suite.test(
  'AbortTaskUnknown',
  {
    doc: `ABORT TASK with a Referenced Task Tag the session never used and RefCmdSN ExpCmdSN - 1 (outside the window): the target "must return the
      Task does not exist response" (1).`,
    clause: 'RFC 7143 11.6.1, RFC 7143 11.5.1',
    level: 'MUST',
  },
  async (t) => {
    await t.command(scsi.testUnitReady());
    const raw = t.raw();
    const itt = raw.newItt();
    const ref = (raw.expCmdSN - 1) >>> 0;
    await tmfAnswer(
      t,
      `ABORT TASK of an unknown task (ITT 0x${itt.toString(16)}, RefCmdSN ${ref}, ExpCmdSN ${raw.expCmdSN})`,
      () => t.session.taskManagement(iscsi.TmfFunction.ABORT_TASK, { referencedTaskTag: itt, refCmdSN: ref, timeoutMs: Math.min(10_000, t.remainingMs()) }),
      NOT_EXIST,
    );
  },
);

suite.test(
  'AbortTaskNotReceived',
  {
    doc: `The initiator takes a CmdSN for a command it never sends, then sends ABORT TASK (immediate, its own CmdSN the next one) for an unused ITT
      with that CmdSN as RefCmdSN: it is within the window and less than the request's CmdSN, so the target "must consider the CmdSN as received and
      return the Function complete response" (0); the gap is then closed, so a TEST UNIT READY with the next CmdSN must complete within 5 s.`,
    clause: 'RFC 7143 11.6.1, RFC 7143 11.5.1',
    level: 'MUST',
    timeout: 30,
  },
  async (t) => {
    const raw = t.raw();
    const itt = raw.newItt();
    const ref = raw.takeCmdSN();
    await tmfAnswer(
      t,
      `ABORT TASK of a command never sent (ITT 0x${itt.toString(16)}, RefCmdSN ${ref}, the request's CmdSN ${raw.cmdSN})`,
      () => t.session.taskManagement(iscsi.TmfFunction.ABORT_TASK, { referencedTaskTag: itt, refCmdSN: ref, timeoutMs: Math.min(10_000, t.remainingMs()) }),
      [iscsi.TmfResponse.FUNCTION_COMPLETE],
    );
    const next = raw.cmdSN;
    const r = await t.settle(t.command(scsi.testUnitReady()), Math.min(5000, t.remainingMs()));
    if (!r.done)
      t.fail(`TEST UNIT READY with CmdSN ${next} was not answered within 5 s: the target did not consider CmdSN ${ref} received after the ABORT TASK`);
    if ('error' in r) throw r.error;
  },
);

suite.test(
  'AbortTaskQueued',
  {
    doc: `The initiator leaves a CmdSN gap (takes CmdSN n and sends nothing with it), then sends TEST UNIT READY with CmdSN n+1, which the target must
      hold until n comes; ABORT TASK of it (RefCmdSN n+1) must be answered Function complete, the task existing. A TEST UNIT READY with CmdSN n then
      fills the gap and must complete, and the aborted one must not: no SCSI Response for it within 3 s.
      Quoted: "if the Referenced Task Tag identifies a valid task leading to a successful termination, then targets must return the "Function complete" response" (11.6.1).`,
    clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1, RFC 7143 4.2.2.1',
    level: 'MUST',
    timeout: 30,
  },
  async (t) => {
    const raw = t.raw();
    const gap = raw.takeCmdSN();
    const queued = raw.scsiCommand({ cdb: scsi.testUnitReady() });
    t.log(`CmdSN ${gap} left unsent; TEST UNIT READY ITT 0x${queued.itt.toString(16)} with CmdSN ${queued.cmdSN} waits behind it`);
    raw.send(queued);
    await tmfAnswer(
      t,
      `ABORT TASK of the queued TEST UNIT READY (ITT 0x${queued.itt.toString(16)}, RefCmdSN ${queued.cmdSN})`,
      () =>
        t.session.taskManagement(iscsi.TmfFunction.ABORT_TASK, {
          referencedTaskTag: queued.itt,
          refCmdSN: queued.cmdSN,
          timeoutMs: Math.min(10_000, t.remainingMs()),
        }),
      [iscsi.TmfResponse.FUNCTION_COMPLETE],
    );
    const filler = raw.scsiCommand({ cdb: scsi.testUnitReady(), cmdSN: gap });
    const filled = raw.waitFor(
      (p) => p.opcode === iscsi.Opcode.SCSI_RESPONSE && p.itt === filler.itt,
      Math.min(5000, t.remainingMs()),
      'the answer to the TEST UNIT READY filling the gap',
    );
    filled.catch(() => undefined);
    await t.expectIscsi(`TEST UNIT READY with CmdSN ${gap} after the ABORT TASK of the one queued behind it, which must not complete`, {
      send: (r) => r.send(filler),
      answer: (p) => (p.opcode === iscsi.Opcode.SCSI_RESPONSE || p.opcode === iscsi.Opcode.REJECT) && 'itt' in p && p.itt === queued.itt,
      withinMs: 3000,
      expect: NO_ANSWER,
    });
    const f = await t.settle(filled, 100);
    t.check(f.done && 'value' in f, `the TEST UNIT READY with CmdSN ${gap}, filling the gap, was not answered`);
    await t.command(scsi.testUnitReady());
  },
);

suite.test(
  'TaskReassignErl0',
  {
    doc: `TASK REASSIGN (function 8) in a session at ErrorRecoveryLevel 0: reassigning a task to a new connection is part of connection recovery,
      which ErrorRecoveryLevel 0 does not have, so the target should answer "Task allegiance reassignment not supported" (4) or "Task management
      function not supported" (5), never "Function complete".`,
    clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1, RFC 7143 7.1.5',
    level: 'SHOULD',
  },
  async (t) => {
    const itt = t.raw().newItt();
    const got = await tmfAnswer(
      t,
      `TASK REASSIGN of ITT 0x${itt.toString(16)} at ErrorRecoveryLevel 0`,
      () => t.session.taskManagement(iscsi.TmfFunction.TASK_REASSIGN, { referencedTaskTag: itt, timeoutMs: Math.min(10_000, t.remainingMs()) }),
      [iscsi.TmfResponse.TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED, iscsi.TmfResponse.FUNCTION_NOT_SUPPORTED],
      'should',
    );
    t.check(
      got !== iscsi.TmfResponse.FUNCTION_COMPLETE,
      `TASK REASSIGN at ErrorRecoveryLevel 0 answered Function complete: no connection recovery exists at that level to reassign a task to`,
    );
  },
);

suite.test(
  'UnknownLun',
  {
    doc: `ABORT TASK SET and LOGICAL UNIT RESET addressed to a LUN that REPORT LUNS does not list (the highest single-level LUN, 16383, or lower):
      there is no task set to act on, so the target should answer "LUN does not exist" (2), and must not answer "Function complete".`,
    clause: 'RFC 7143 11.6.1, RFC 7143 11.5.1',
    level: 'SHOULD',
  },
  async (t) => {
    const r = await t.command(scsi.reportLuns({ alloc: 16384 }));
    const listed = new Set(scsi.parseReportLuns(r.data).luns);
    let lun = 16383;
    while (listed.has(lun) && lun > 0) lun--;
    for (const fn of [iscsi.TmfFunction.ABORT_TASK_SET, iscsi.TmfFunction.LOGICAL_UNIT_RESET]) {
      const what = `${iscsi.TMF_FUNCTION_NAMES[fn]} to LUN ${lun}, which REPORT LUNS does not list`;
      const got = await tmfAnswer(
        t,
        what,
        () => t.session.taskManagement(fn, { lun, timeoutMs: Math.min(10_000, t.remainingMs()) }),
        [iscsi.TmfResponse.LUN_DOES_NOT_EXIST],
        'should',
      );
      t.check(got !== iscsi.TmfResponse.FUNCTION_COMPLETE, `${what}: answered Function complete for a logical unit that does not exist`);
    }
  },
);

for (const [name, fn] of [
  ['AbortTaskSetAsync', iscsi.TmfFunction.ABORT_TASK_SET],
  ['ClearTaskSetAsync', iscsi.TmfFunction.CLEAR_TASK_SET],
] as const) {
  const fname = iscsi.TMF_FUNCTION_NAMES[fn]!;
  suite.test(
    name,
    {
      doc: `WRITE (10) 8 blocks at LBA 0 with known data first. Then, in a session with InitialR2T=Yes and ImmediateData=No, WRITE (10) the same 8
        blocks with other data but hold back its Data-Out, so the task waits for data at the target, and send ${fname} for the LUN: the answer must be
        Function complete within 10 s, the function ending the tasks of the task set. The held Data-Out is then sent after all: the task must not come
        back to life, so no SCSI Response or Data-In for it may arrive within 3 s, and the blocks must still read back as first written. Quoted: "The
        response to ABORT TASK SET and CLEAR TASK SET MUST only be issued by the target after all of the commands affected have been received" (11.6.1).`,
      clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1',
      level: 'MUST',
      timeout: 30,
      needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(8)],
    },
    async (t: TestContext) => {
      const w = await heldWrite(t);
      t.log(`> ${fname}`);
      const r = await w.s.taskManagement(fn, { timeoutMs: Math.min(10_000, t.remainingMs()) });
      t.log(`< ${r.responseName}`);
      if (r.response === iscsi.TmfResponse.FUNCTION_NOT_SUPPORTED) t.skip(`the target does not support ${fname} (Task management function not supported)`);
      const tmf = await tmfAnswer(t, `${fname} with a WRITE waiting for its Data-Out`, async () => r, [iscsi.TmfResponse.FUNCTION_COMPLETE]);
      if (tmf === iscsi.TmfResponse.FUNCTION_COMPLETE) await staysEnded(t, w, `the WRITE(10) the ${fname} ended`);
      if (fn === iscsi.TmfFunction.CLEAR_TASK_SET) await t.unitAttentions();
    },
  );
}

/** A WRITE (10) of 8 blocks at LBA 0 whose Data-Out is held back (the target waits for it after its R2T). */
interface HeldWrite {
  s: TestSession;
  itt: number;
  held: iscsi.DataOut[];
  write: Promise<unknown>;
}

/**
 * Write known data to LBA 0..7 (read back after the test), then, in a session with InitialR2T=Yes and
 * ImmediateData=No, start a WRITE (10) of those blocks and hold its Data-Out back once the R2T came.
 */
async function heldWrite(t: TestContext): Promise<HeldWrite> {
  const blocks = 8;
  t.log('The blocks get known data first (read back after the test)');
  await t.command(scsi.write10({ lba: 0, blocks }));
  const s = await t.login({ keys: { InitialR2T: 'Yes', ImmediateData: 'No' }, clearUnitAttentions: true });
  const held: iscsi.DataOut[] = [];
  let solicited!: () => void;
  const r2t = new Promise<void>((r) => (solicited = r));
  t.log('> WRITE(10) LBA=0 LEN=8 with its Data-Out held back');
  let itt = 0;
  const write = s.command({
    cdb: scsi.write10({ lba: 0, blocks }),
    dataOut: t.pattern(0, blocks),
    timeoutMs: t.remainingMs() + 1000,
    onSent: (i) => (itt = i),
    alterDataOut: (d) => {
      held.push(d);
      solicited();
      return null;
    },
  });
  write.catch(() => undefined);
  const got = await t.settle(Promise.race([r2t, write]), Math.min(10_000, t.remainingMs()));
  if (!got.done) t.fail('the target sent no R2T for a WRITE(10) of 8 blocks with InitialR2T=Yes and ImmediateData=No within 10 s');
  if ('error' in got) throw got.error;
  t.check(held.length > 0, `the WRITE(10) ended before any R2T came`);
  return { s, itt, held, write };
}

/** After a task management function ended the held WRITE: sending its Data-Out must not bring it back. */
async function staysEnded(t: TestContext, w: HeldWrite, what: string): Promise<void> {
  const ended = await t.settle(w.write, 100);
  t.check(ended.done && 'error' in ended && IscsiError.is(ended.error, 'ISCSI_E_ABORTED'), `${what} was not ended by the task management function`);
  t.log(`Send the held Data-Out (${w.held.length} PDU(s)) for the ended task`);
  await t.expectIscsi(`the held Data-Out of ${what}, whose task must not complete`, {
    session: w.s,
    send: (raw) => {
      for (const d of w.held) raw.send({ ...d, expStatSN: raw.expStatSN });
    },
    answer: (p) => (p.opcode === iscsi.Opcode.SCSI_RESPONSE || p.opcode === iscsi.Opcode.DATA_IN) && 'itt' in p && p.itt === w.itt,
    withinMs: 3000,
    expect: [NO_ANSWER, DROPPED],
  });
  t.log('No answer: the task stayed ended');
}

export default suite;
