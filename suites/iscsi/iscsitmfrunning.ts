/**
 * ABORT TASK of a task the device server is running (RFC 7143 11.5.1), beside iSCSITMF's tasks that wait for
 * their Data-Out or their CmdSN turn: the command has all it needs and the logical unit is working on it when
 * the abort comes. Whether a target is still running a READ when an immediate ABORT TASK right behind it
 * arrives depends on the target; a target that has already answered it leaves nothing to check, and the test
 * skips saying so (the reference target holds such commands when its LUN has a `Latency=`).
 */
import { defineSuite, iscsi, minBlocks, NO_ANSWER, scsi, type ScsiResult, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSITMFRunning', { families: ['iSCSI'], clause: 'RFC 7143 11.5.1' });

/** Blocks each READ(10) asks for: enough that a target reading a medium takes a while. */
const BLOCKS = 64;
/** How long the aborted task is watched for a late answer after the Function complete. */
const WATCH_MS = 3000;

suite.test(
  'AbortTaskRunning',
  {
    doc: `Two READ(10)s of ${BLOCKS} blocks (LBA 0 and ${BLOCKS}), simple tasks, then at once an immediate ABORT TASK of the first. If the first
      ended (its status came) before the TMF Response, it was not running when the abort came and the test skips. Otherwise the target was
      still running it: the answer must be Function complete ("If the Referenced Task Tag identifies a valid task leading to a successful
      termination, then targets must return the 'Function complete' response", 11.5.1), and no SCSI Response or Data-In for the aborted task may
      follow the TMF Response (watched for ${WATCH_MS / 1000} s); the second READ(10) must still complete with GOOD and its data, and a TEST UNIT
      READY on the same connection with GOOD.`,
    clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1',
    level: 'MUST',
    timeout: 60,
    needs: ['sbc', 'capacity', minBlocks(2 * BLOCKS)],
  },
  async (t: TestContext) => {
    const s = t.session;
    const bytes = BLOCKS * t.dev.blockSize;
    let abortedItt = -1;
    let sent!: () => void;
    const onWire = new Promise<void>((r) => (sent = r));
    let tmfAnswered = false;
    let endedBefore: string | undefined;
    const late: string[] = [];
    t.raw(s).watch((p) => {
      if (p.opcode === iscsi.Opcode.TASK_MGMT_RESPONSE) tmfAnswered = true;
      if (!('itt' in p) || p.itt !== abortedItt) return;
      const ends = p.opcode === iscsi.Opcode.SCSI_RESPONSE || (p.opcode === iscsi.Opcode.DATA_IN && (p as iscsi.DataIn).statusPresent);
      if (tmfAnswered && (p.opcode === iscsi.Opcode.SCSI_RESPONSE || p.opcode === iscsi.Opcode.DATA_IN)) late.push(iscsi.describePdu(p));
      else if (ends) endedBefore ??= p.opcode === iscsi.Opcode.SCSI_RESPONSE ? 'its SCSI Response came' : 'its status came in the last Data-In';
    });
    t.log(`> READ(10) LBA=0 LEN=${BLOCKS} and READ(10) LBA=${BLOCKS} LEN=${BLOCKS}, then ABORT TASK of the first`);
    const first = s.command({
      cdb: scsi.read10({ lba: 0, blocks: BLOCKS }),
      dataIn: bytes,
      timeoutMs: t.remainingMs() + 1000,
      onSent: (itt) => {
        abortedItt = itt;
        sent();
      },
    });
    first.catch(() => undefined);
    const second = s.command({ cdb: scsi.read10({ lba: BLOCKS, blocks: BLOCKS }), dataIn: bytes, timeoutMs: Math.min(20_000, t.remainingMs()) });
    second.catch(() => undefined);
    const out = await t.settle(onWire, Math.min(5000, t.remainingMs()));
    if (!out.done) t.fail('the first READ(10) was not sent within 5 s (the CmdSN window stayed closed)');
    const tmf = await s.abortTask(abortedItt, { timeoutMs: Math.min(10_000, t.remainingMs()) });
    const what = `ABORT TASK of READ(10) LBA=0 LEN=${BLOCKS} (ITT 0x${abortedItt.toString(16)})`;
    t.log(`< ${tmf.responseName}${endedBefore ? `, after the task's status: ${endedBefore}` : ', the task had no status yet'}`);
    if (endedBefore !== undefined) {
      const known = [iscsi.TmfResponse.TASK_DOES_NOT_EXIST, iscsi.TmfResponse.FUNCTION_COMPLETE] as number[];
      t.check(known.includes(tmf.response), `${what} after the task ended: expected Task does not exist, got ${tmf.response} (${tmf.responseName})`);
      t.skip(`the READ(10) ended (${endedBefore}) before the target answered the ABORT TASK (${tmf.responseName}): it was not running when the abort came`);
    }
    t.equal(tmf.response, iscsi.TmfResponse.FUNCTION_COMPLETE, `${what}, which the target was still running (no status yet)`);
    t.check(late.length === 0, `after the Function complete of the ${what} the target sent ${late[0]} for the aborted task`);
    await t.expectIscsi(`the READ(10) aborted by a Function complete, which must get no answer after it`, {
      send: () => undefined,
      answer: (p) => (p.opcode === iscsi.Opcode.SCSI_RESPONSE || p.opcode === iscsi.Opcode.DATA_IN) && 'itt' in p && p.itt === abortedItt,
      withinMs: WATCH_MS,
      expect: NO_ANSWER,
    });
    const other = await t.settle(second, Math.min(20_000, t.remainingMs()));
    if (!other.done) t.fail(`READ(10) LBA=${BLOCKS} LEN=${BLOCKS}, outstanding beside the aborted one, got no answer within 20 s`);
    if ('error' in other) t.fail(`READ(10) LBA=${BLOCKS} LEN=${BLOCKS}, outstanding beside the aborted one, ended without status: ${String(other.error)}`);
    const r: ScsiResult = other.value;
    t.check(
      r.status === scsi.ScsiStatus.GOOD && r.data.length === bytes,
      `READ(10) LBA=${BLOCKS} LEN=${BLOCKS}, outstanding beside the aborted one: expected GOOD with ${bytes} bytes, got status 0x${r.status.toString(16)} with ${r.data.length}`,
    );
    await t.command(scsi.testUnitReady());
  },
);

export default suite;
