/**
 * Task management across I_T nexuses (SAM-5 7; RFC 7143 11.5.1): each nexus holds a WRITE (10) waiting for
 * its Data-Out at the target (InitialR2T=Yes, ImmediateData=No, the Data-Out held back), then one nexus sends
 * ABORT TASK SET (only its own tasks end), CLEAR TASK SET (every task of the logical unit ends, and the other
 * nexus is told: COMMANDS CLEARED BY ANOTHER INITIATOR with TAS 0, TASK ABORTED status with TAS 1) or
 * LOGICAL UNIT RESET (every task ends), or PREEMPT AND ABORT (the preempted nexus's tasks end, SPC-5).
 * Whether a task ended is seen by sending its held Data-Out after all: a live task completes GOOD, an ended
 * one must not answer.
 */
import {
  defineSuite,
  DROPPED,
  expectUnitAttention,
  GOOD,
  INVALID_FIELD_IN_CDB,
  iscsi,
  keepReservationsClean,
  minBlocks,
  NO_ANSWER,
  openNexus,
  opcode,
  prPreempt,
  prRegister,
  scsi,
  SPC5,
  taskManagement,
  UA_BUS_DEVICE_RESET,
  UA_COMMANDS_CLEARED,
  UA_REGISTRATIONS_PREEMPTED,
  UA_RESET_GENERIC,
  type ScsiResult,
  type Session,
  type TestContext,
} from '../../harness/api.js';
import { controlPage, selectControl } from './_control.js';

const suite = defineSuite('TaskSet', {
  families: ['SCSI'],
  clause: 'SAM-5 7',
  needs: ['sbc', 'capacity', 'dataloss', 'writable', 'twoInitiators', minBlocks(64)],
  level: 'MUST',
});

const KEYS = { InitialR2T: 'Yes', ImmediateData: 'No' };

interface Held {
  who: string;
  s: Session;
  itt: number;
  lba: number;
  data: Buffer;
  held: iscsi.DataOut[];
  write: Promise<ScsiResult>;
}

/** A session of initiator `n` where every WRITE waits for an R2T. */
const pathOf = (t: TestContext, n: 1 | 2) => openNexus(t, { initiator: n, login: { keys: KEYS } });

/** WRITE(10) of 8 blocks at `lba` on `s` with its Data-Out held back: the task waits for data at the target. */
async function holdWrite(t: TestContext, s: Session, lba: number, who: string): Promise<Held> {
  const held: iscsi.DataOut[] = [];
  let solicited!: () => void;
  const r2t = new Promise<void>((r) => (solicited = r));
  const data = t.pattern(lba, 8);
  let itt = 0;
  t.log(`> WRITE(10) LBA=${lba} LEN=8 from ${who}, its Data-Out held back`);
  const write = s.command({
    cdb: scsi.write10({ lba, blocks: 8 }),
    dataOut: data,
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
  if (!got.done) t.fail(`the target sent no R2T within 10 s for a WRITE(10) of 8 blocks from ${who} with InitialR2T=Yes and ImmediateData=No`);
  if ('error' in got) throw got.error;
  t.check(held.length > 0, `the WRITE(10) from ${who} ended before any R2T came`);
  return { who, s, itt, lba, data, held, write };
}

/** Send the held Data-Out of a task that is still alive: it must complete GOOD (and the data is then read back). */
async function completes(t: TestContext, h: Held): Promise<void> {
  t.log(`Send the held Data-Out of ${h.who}'s WRITE(10), which must still be alive`);
  const raw = t.raw(h.s);
  for (const d of h.held) raw.send({ ...d, expStatSN: raw.expStatSN });
  const r = await t.settle(h.write, 5000);
  if (!r.done) t.fail(`${h.who}'s WRITE(10) did not complete within 5 s of its Data-Out: a task function of another nexus ended it`);
  if ('error' in r) t.fail(`${h.who}'s WRITE(10) did not complete: ${(r.error as Error).message}`);
  t.equal(r.value.status, scsi.ScsiStatus.GOOD, `${h.who}'s WRITE(10) status once its Data-Out came`);
  t.remember(h.lba, h.data, `${h.who}'s WRITE(10)`);
}

/**
 * The task ended: its held Data-Out gets no SCSI Response (TAS 0), or its WRITE already ended with TASK
 * ABORTED status (TAS 1, for tasks of another nexus).
 */
async function ended(t: TestContext, h: Held, tasAllowed: boolean): Promise<void> {
  const early = await t.settle(h.write, 200);
  if (early.done && 'value' in early) {
    if (tasAllowed && early.value.status === scsi.ScsiStatus.TASK_ABORTED) return;
    t.fail(`${h.who}'s WRITE(10), which must have been aborted, ended with status 0x${early.value.status.toString(16)} before its Data-Out was sent`);
  }
  if (early.done) return; // the initiator ended it itself (a function of its own session)
  await t.expectIscsi(`the held Data-Out of ${h.who}'s aborted WRITE(10), which must not complete`, {
    session: h.s,
    send: (raw) => {
      for (const d of h.held) raw.send({ ...d, expStatSN: raw.expStatSN });
    },
    answer: (p) => (p.opcode === iscsi.Opcode.SCSI_RESPONSE || p.opcode === iscsi.Opcode.DATA_IN) && 'itt' in p && p.itt === h.itt,
    withinMs: 2000,
    expect: [NO_ANSWER, DROPPED],
  });
}

suite.test(
  'AbortTaskSetOwn',
  {
    doc: `Each I_T nexus holds a WRITE(10) waiting for its Data-Out. ABORT TASK SET from the first (Function complete) must end only the first nexus's
      task: the second nexus's WRITE(10) must still complete GOOD once its Data-Out is sent, and the first's must not complete (SAM-5 7: ABORT TASK
      SET aborts the tasks of the I_T nexus it came on).`,
    clause: 'SAM-5 7, RFC 7143 11.5.1',
    timeout: 60,
  },
  async (t) => {
    const [a, b] = [await pathOf(t, 1), await pathOf(t, 2)];
    const ha = await holdWrite(t, a, 0, 'the first nexus');
    const hb = await holdWrite(t, b, 16, 'the second nexus');
    await taskManagement(t, a, iscsi.TmfFunction.ABORT_TASK_SET, { owner: 'iSCSITMF.AbortTaskSetAsync' });
    await ended(t, ha, false);
    await completes(t, hb);
  },
);

suite.test(
  'ClearTaskSet',
  {
    doc: `Each I_T nexus holds a WRITE(10) waiting for its Data-Out. CLEAR TASK SET from the first (skipped when the target refuses it: the function
      is optional) must end both tasks (SAM-5 7); with TAS 0 in the Control mode page the second nexus's task ends silently and that nexus must then
      report a unit attention COMMANDS CLEARED BY ANOTHER INITIATOR, with TAS 1 its WRITE(10) ends with TASK ABORTED status.`,
    clause: `SAM-5 7, ${SPC5.CONTROL_PAGE}, RFC 7143 11.5.1`,
    timeout: 60,
  },
  async (t) => {
    const tas = t.dev.control?.tas ?? false;
    const [a, b] = [await pathOf(t, 1), await pathOf(t, 2)];
    const ha = await holdWrite(t, a, 0, 'the first nexus');
    const hb = await holdWrite(t, b, 16, 'the second nexus');
    await taskManagement(t, a, iscsi.TmfFunction.CLEAR_TASK_SET, { optional: true });
    await ended(t, ha, false);
    await ended(t, hb, tas);
    if (!tas) await expectUnitAttention(t, b, UA_COMMANDS_CLEARED, "the second nexus, whose task another nexus's CLEAR TASK SET ended");
  },
);

suite.test(
  'LUNReset',
  {
    doc: `Each I_T nexus holds a WRITE(10) waiting for its Data-Out. LOGICAL UNIT RESET from the first (Function complete) must end both tasks (SAM-5 6.3.3),
      and the second nexus must then report BUS DEVICE RESET FUNCTION OCCURRED (or the generic POWER ON, RESET, OR BUS DEVICE RESET OCCURRED).`,
    clause: 'SAM-5 6.3.3, RFC 7143 11.5.1',
    timeout: 60,
  },
  async (t) => {
    const [a, b] = [await pathOf(t, 1), await pathOf(t, 2)];
    const ha = await holdWrite(t, a, 0, 'the first nexus');
    const hb = await holdWrite(t, b, 16, 'the second nexus');
    await taskManagement(t, a, iscsi.TmfFunction.LOGICAL_UNIT_RESET, { owner: 'iSCSITMF.LUNResetSimpleAsync' });
    await ended(t, ha, false);
    await ended(t, hb, true);
    await expectUnitAttention(t, b, [UA_BUS_DEVICE_RESET, UA_RESET_GENERIC], 'the second nexus after LOGICAL UNIT RESET');
  },
);

suite.test(
  'PreemptAndAbort',
  {
    doc: `Both I_T nexuses register and the second holds a WRITE(10) waiting for its Data-Out; the first sends PERSISTENT RESERVE OUT PREEMPT AND
      ABORT naming the second's key: GOOD (skipped where it is answered INVALID FIELD IN CDB: not implemented), and the second nexus's task must be
      aborted (SPC-5 reservations, preempting and aborting), after which that nexus reports REGISTRATIONS PREEMPTED.`,
    clause: `${SPC5.RESERVATIONS}, ${SPC5.PERSISTENT_RESERVE_OUT}`,
    needs: [opcode(scsi.Op.PERSISTENT_RESERVE_OUT)],
    timeout: 60,
  },
  async (t) => {
    keepReservationsClean(t);
    const K1 = 0x7a5c_0000_0000_0001n;
    const K2 = 0x7a5c_0000_0000_0002n;
    const [a, b] = [await pathOf(t, 1), await pathOf(t, 2)];
    await prRegister(t, K1, { session: a });
    await prRegister(t, K2, { session: b });
    const hb = await holdWrite(t, b, 16, 'the second nexus');
    const r = await prPreempt(t, K1, K2, scsi.PrType.WRITE_EXCLUSIVE, { session: a, abort: true, expect: [GOOD, INVALID_FIELD_IN_CDB] });
    if (r.status !== scsi.ScsiStatus.GOOD) t.skip('target does not implement PERSISTENT RESERVE OUT PREEMPT AND ABORT (INVALID FIELD IN CDB)');
    await ended(t, hb, true);
    await expectUnitAttention(t, b, UA_REGISTRATIONS_PREEMPTED, 'the preempted nexus');
  },
);

/** TAS: byte 5, bit 6 of the Control mode page (byte 3 of its parameters). */
const TAS_AT = 3;
const TAS = 0x40;

/** TAS set to one through `s` with MODE SELECT (6), put back as it was in a clean-up; skips where TAS is not changeable. */
async function setTas(t: TestContext, s: Session): Promise<void> {
  const changeable = await controlPage(t, scsi.PageControl.CHANGEABLE, s);
  if (!changeable || changeable.length <= TAS_AT || !(changeable[TAS_AT]! & TAS)) t.skip('TAS of the Control mode page is not changeable');
  const cur = await controlPage(t, scsi.PageControl.CURRENT, s);
  if (!cur) return t.fail('MODE SENSE(6) returned no current Control mode page, though its changeable values were reported');
  const original = Buffer.from(cur);
  t.cleanup(async (c) => {
    await c.unitAttentions(c.session);
    await selectControl(c, original, `MODE SELECT(6) Control page TAS=${original[TAS_AT]! & TAS ? 1 : 0} (the original value)`);
  }, 'put the Control mode page back as it was');
  cur[TAS_AT] = cur[TAS_AT]! | TAS;
  await selectControl(t, cur, 'MODE SELECT(6) Control page TAS=1', s);
}

/** The task was aborted by another nexus with TAS=1: its WRITE must end with TASK ABORTED status. */
async function abortedWithStatus(t: TestContext, h: Held, by: string): Promise<void> {
  const r = await t.settle(h.write, 5000);
  if (!r.done) t.fail(`${h.who}'s WRITE(10), aborted by ${by} with TAS=1, got no status within 5 s: it must end with TASK ABORTED status`);
  if ('error' in r) t.fail(`${h.who}'s WRITE(10) did not end with a status: ${(r.error as Error).message}`);
  t.equal(scsi.statusName(r.value.status), 'TASK ABORTED', `${h.who}'s WRITE(10) status, aborted by ${by} with TAS=1`);
}

for (const [name, fn, what] of [
  ['ClearTaskSetTas', iscsi.TmfFunction.CLEAR_TASK_SET, 'CLEAR TASK SET'],
  ['LUNResetTas', iscsi.TmfFunction.LOGICAL_UNIT_RESET, 'LOGICAL UNIT RESET'],
] as const) {
  suite.test(
    name,
    {
      doc: `The first I_T nexus sets TAS to one in the Control mode page (skipped where it is not changeable; put back afterwards); each nexus then
        holds a WRITE(10) waiting for its Data-Out and the first sends ${what}${fn === iscsi.TmfFunction.CLEAR_TASK_SET ? ' (skipped where refused)' : ''}.
        Its own task must end without status, and the second nexus's WRITE(10) must end with TASK ABORTED status: with TAS one, commands aborted by
        the actions of another I_T nexus are completed with TASK ABORTED status (SPC-5 Control mode page).`,
      clause: `${SPC5.CONTROL_PAGE}, SAM-5 7, RFC 7143 11.5.1`,
      needs: ['controlPage'],
      timeout: 60,
    },
    async (t) => {
      const a = await pathOf(t, 1);
      await setTas(t, a);
      const b = await pathOf(t, 2);
      const ha = await holdWrite(t, a, 0, 'the first nexus');
      const hb = await holdWrite(t, b, 16, 'the second nexus');
      await taskManagement(t, a, fn, fn === iscsi.TmfFunction.CLEAR_TASK_SET ? { optional: true } : { owner: 'iSCSITMF.LUNResetSimpleAsync' });
      await ended(t, ha, false);
      await abortedWithStatus(t, hb, `the first nexus's ${what}`);
    },
  );
}

suite.test(
  'PreemptAndAbortTas',
  {
    doc: `The first I_T nexus sets TAS to one in the Control mode page (skipped where it is not changeable; put back afterwards); both nexuses register
      and the second holds a WRITE(10) waiting for its Data-Out; the first sends PERSISTENT RESERVE OUT PREEMPT AND ABORT naming the second's key
      (skipped where answered INVALID FIELD IN CDB). The second nexus's WRITE(10), aborted by the actions of another I_T nexus, must end with TASK
      ABORTED status (SPC-5 Control mode page).`,
    clause: `${SPC5.CONTROL_PAGE}, ${SPC5.RESERVATIONS}`,
    needs: ['controlPage', opcode(scsi.Op.PERSISTENT_RESERVE_OUT)],
    timeout: 60,
  },
  async (t) => {
    keepReservationsClean(t);
    const K1 = 0x7a5c_0000_0000_0011n;
    const K2 = 0x7a5c_0000_0000_0012n;
    const a = await pathOf(t, 1);
    await setTas(t, a);
    const b = await pathOf(t, 2);
    await prRegister(t, K1, { session: a });
    await prRegister(t, K2, { session: b });
    const hb = await holdWrite(t, b, 16, 'the second nexus');
    const r = await prPreempt(t, K1, K2, scsi.PrType.WRITE_EXCLUSIVE, { session: a, abort: true, expect: [GOOD, INVALID_FIELD_IN_CDB] });
    if (r.status !== scsi.ScsiStatus.GOOD) t.skip('target does not implement PERSISTENT RESERVE OUT PREEMPT AND ABORT (INVALID FIELD IN CDB)');
    await abortedWithStatus(t, hb, "the first nexus's PREEMPT AND ABORT");
  },
);

export default suite;
