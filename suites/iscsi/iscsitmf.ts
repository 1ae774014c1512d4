/** Task management over iSCSI (RFC 7143 11.5, 11.6). */
import { defineSuite, DROPPED, iscsi, IscsiError, minBlocks, NO_ANSWER, scsi, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSITMF', { families: ['iSCSI'], clause: 'RFC 7143 11.5.1' });

suite.test(
  'AbortTaskSimpleAsync',
  {
    doc: 'WRITE (10) 8 blocks at LBA 0 with known data first. Then, in a session with InitialR2T=Yes and ImmediateData=No, WRITE (10) the same 8 blocks with other data but hold back its Data-Out, so the task waits for data at the target, and ABORT TASK it: the answer must be Function complete. The held Data-Out is then sent after all: the aborted task must not come back to life, so no SCSI Response or Data-In for it may arrive within 3 s, and the blocks must still read back as first written.',
    clause: 'RFC 7143 11.5.1, RFC 7143 11.6.1',
    level: 'MUST',
    timeout: 30,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(8)],
  },
  async (t: TestContext) => {
    const blocks = 8;
    t.log('The blocks get known data first (read back after the test)');
    await t.command(scsi.write10({ lba: 0, blocks }));
    const s = await t.login({ keys: { InitialR2T: 'Yes', ImmediateData: 'No' }, clearUnitAttentions: true });
    const held: iscsi.DataOut[] = [];
    let solicited!: () => void;
    const r2t = new Promise<void>((r) => (solicited = r));
    const cdb = scsi.write10({ lba: 0, blocks });
    t.log('> WRITE(10) LBA=0 LEN=8 with its Data-Out held back');
    let itt = 0;
    const write = s.command({
      cdb,
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
    t.log(`< R2T; ABORT TASK ITT 0x${itt.toString(16)}`);
    const tmf = await s.abortTask(itt, { timeoutMs: Math.min(10_000, t.remainingMs()) });
    t.log(`< ${tmf.responseName}`);
    t.equal(tmf.response, iscsi.TmfResponse.FUNCTION_COMPLETE, 'ABORT TASK response for a WRITE waiting for its Data-Out');
    const w = await t.settle(write, 100);
    t.check(w.done && 'error' in w && IscsiError.is(w.error, 'ISCSI_E_ABORTED'), 'the aborted WRITE(10) was not ended by the ABORT TASK');
    t.log(`Send the held Data-Out (${held.length} PDU(s)) for the aborted task`);
    await t.expectIscsi('the held Data-Out of the aborted WRITE(10), whose task must not complete', {
      session: s,
      send: (raw) => {
        for (const d of held) raw.send({ ...d, expStatSN: raw.expStatSN });
      },
      answer: (p) => (p.opcode === iscsi.Opcode.SCSI_RESPONSE || p.opcode === iscsi.Opcode.DATA_IN) && 'itt' in p && p.itt === itt,
      withinMs: 3000,
      expect: [NO_ANSWER, DROPPED],
    });
    t.log('No answer: the task stayed aborted');
  },
);

export default suite;
