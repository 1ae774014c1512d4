/**
 * Data-Out beyond the R2T-solicited case (RFC 7143 11.7, 13.10, 13.14): unsolicited data with InitialR2T=No
 * up to FirstBurstLength, past it, and ended early by the F bit; a Data-Out for a task that has ended, and
 * one whose LUN is not its command's. Hand-built PDUs go through `t.raw()`; outcomes are checked by
 * `t.expectIscsi`.
 *
 * Levels: a WRITE whose data follows the negotiated rules must complete (MUST); data that breaks a rule
 * binding the initiator (FirstBurstLength, 11.7.4 on the LUN, a task that is over) has no prescribed
 * answer, so refusing it is SHOULD.
 */
import { ANSWER, defineSuite, DROPPED, iscsi, NO_ANSWER, REJECT, scsi, type TestContext, type TestSession } from '../../harness/api.js';

const suite = defineSuite('iSCSIDataOut', { families: ['iSCSI'], clause: 'RFC 7143 11.7' });
const { Opcode, RESERVED_TAG } = iscsi;
const GOOD_STATUS = scsi.ScsiStatus.GOOD;
const CHECK = scsi.ScsiStatus.CHECK_CONDITION;
const WRITE_NEEDS = ['sbc', 'capacity', 'dataloss', 'writable'] as const;

/** A Reject, or a PDU of the task with this ITT other than an R2T: what ends a WRITE's exchange. */
const endOf = (itt: number) => (p: iscsi.AnyPdu) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === itt && p.opcode !== Opcode.R2T);
/** A Reject, or any PDU of the task with this ITT (an R2T included). */
const anyOf = (itt: number) => (p: iscsi.AnyPdu) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === itt);

/**
 * Data-Out PDUs carrying `data[from, to)` of the WRITE `w`, each at most `seg` bytes, DataSN from `dataSN`,
 * the F bit on the last one when `final`.
 */
function dataOuts(w: iscsi.ScsiCommand, data: Buffer, o: { from: number; to: number; ttt: number; seg: number; dataSN?: number; final?: boolean }) {
  const out: iscsi.DataOut[] = [];
  let sn = o.dataSN ?? 0;
  for (let at = o.from; at < o.to; at += o.seg) {
    const end = Math.min(o.to, at + o.seg);
    out.push({
      opcode: Opcode.DATA_OUT,
      final: end === o.to && o.final !== false,
      lun: w.lun,
      itt: w.itt,
      ttt: o.ttt,
      expStatSN: 0,
      dataSN: sn++,
      bufferOffset: at,
      data: data.subarray(at, end),
    });
  }
  return out;
}

/** Send PDUs with the session's current ExpStatSN. */
function sendAll(raw: ReturnType<TestContext['raw']>, pdus: iscsi.DataOut[]): void {
  for (const p of pdus) raw.send({ ...p, expStatSN: raw.expStatSN });
}

/** A session with InitialR2T=No and ImmediateData=No (skips when the target keeps InitialR2T=Yes). */
async function unsolicitedSession(t: TestContext, firstBurst: number): Promise<TestSession> {
  const s = await t.login({ keys: { InitialR2T: 'No', ImmediateData: 'No', FirstBurstLength: String(firstBurst) }, clearUnitAttentions: true });
  const p = t.raw(s).params;
  if (p.initialR2T) t.skip('the target answered InitialR2T=Yes (13.10: the OR of both sides); unsolicited Data-Out is not allowed');
  t.log(`InitialR2T=No, FirstBurstLength=${p.firstBurstLength}, MaxBurstLength=${p.maxBurstLength}, MaxRecvDataSegmentLength=${p.maxSendDataSegmentLength}`);
  return s;
}

suite.test(
  'UnsolicitedFirstBurst',
  {
    doc: `Log in with InitialR2T=No and ImmediateData=No, then send a WRITE (10) with F=0 and, with no R2T, Data-Out PDUs (TTT 0xffffffff) carrying all of
      its data, as many blocks as fit FirstBurstLength, the F bit on the last one. InitialR2T=No lets the initiator send data "as if it has received an
      initial R2T" for FirstBurstLength bytes (13.10): the target must take the data and complete the WRITE with GOOD, and the blocks must read back.`,
    clause: 'RFC 7143 13.10, RFC 7143 13.14, RFC 7143 11.7.1',
    level: 'MUST',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const s = await unsolicitedSession(t, 8192);
    const raw = t.raw(s);
    const p = raw.params;
    const bs = t.dev.blockSize;
    const blocks = Math.floor(p.firstBurstLength / bs);
    if (blocks < 1) t.skip(`FirstBurstLength ${p.firstBurstLength} is less than a block (${bs} bytes)`);
    const data = t.pattern(0, blocks);
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks }), write: true, final: false, expectedDataTransferLength: data.length });
    const pdus = dataOuts(w, data, { from: 0, to: data.length, ttt: RESERVED_TAG, seg: p.maxSendDataSegmentLength });
    t.log(`WRITE (10) of ${blocks} block(s) with F=0, then ${pdus.length} unsolicited Data-Out PDU(s) of ${data.length} bytes in all`);
    await t.expectIscsi(`a WRITE (10) whose ${data.length} bytes all come as unsolicited Data-Out (FirstBurstLength ${p.firstBurstLength})`, {
      session: s,
      send: (r) => {
        r.send(w);
        sendAll(r, pdus);
      },
      answer: endOf(w.itt),
      withinMs: 5000,
      expect: ANSWER(Opcode.SCSI_RESPONSE, { status: GOOD_STATUS }),
    });
    t.remember(0, data, 'the unsolicited WRITE (10)');
  },
);

suite.test(
  'UnsolicitedBeyondFirstBurst',
  {
    doc: `Log in with InitialR2T=No, ImmediateData=No and FirstBurstLength=512, then send a WRITE (10) with F=0 longer than FirstBurstLength and all of its
      data as unsolicited Data-Out, with no R2T. FirstBurstLength is "the maximum amount in bytes of unsolicited data an iSCSI initiator may send to the
      target during the execution of a single SCSI command" (13.14): the target should refuse the data past it (a Reject, a CHECK CONDITION, or dropping
      the connection), not write it with GOOD.`,
    clause: 'RFC 7143 13.14, RFC 7143 13.10, RFC 7143 11.17.1',
    level: 'SHOULD',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const s = await unsolicitedSession(t, 512);
    const raw = t.raw(s);
    const p = raw.params;
    const bs = t.dev.blockSize;
    const blocks = Math.floor(p.firstBurstLength / bs) + 1;
    const data = Buffer.alloc(blocks * bs, 0x6b);
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks }), write: true, final: false, expectedDataTransferLength: data.length });
    const pdus = dataOuts(w, data, { from: 0, to: data.length, ttt: RESERVED_TAG, seg: p.maxSendDataSegmentLength });
    t.log(`WRITE (10) of ${blocks} block(s) with F=0, then ${data.length} bytes of unsolicited Data-Out in ${pdus.length} PDU(s)`);
    await t.expectIscsi(`${data.length} bytes of unsolicited Data-Out with FirstBurstLength ${p.firstBurstLength}`, {
      session: s,
      send: (r) => {
        r.send(w);
        sendAll(r, pdus);
      },
      answer: endOf(w.itt),
      withinMs: 5000,
      expect: [REJECT(), DROPPED, ANSWER(Opcode.SCSI_RESPONSE, { status: CHECK })],
    });
    t.forget(0, blocks);
  },
);

suite.test(
  'UnsolicitedFinalBit',
  {
    doc: `Log in with InitialR2T=No and ImmediateData=No and a FirstBurstLength of at least two blocks; send a WRITE (10) of two blocks with F=0 and only
      the first block as unsolicited data, in two Data-Out PDUs (DataSN 0 with F=0, DataSN 1 with F=1). The F bit ends the unsolicited burst (11.7.1) short
      of FirstBurstLength, so the target must ask for the rest: an R2T at Buffer Offset one block; the data sent for it, the WRITE must complete with GOOD
      and both blocks read back.`,
    clause: 'RFC 7143 11.7.1, RFC 7143 13.10, RFC 7143 11.8',
    level: 'MUST',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const s = await unsolicitedSession(t, Math.max(8192, 2 * bs));
    const raw = t.raw(s);
    const p = raw.params;
    if (p.firstBurstLength < 2 * bs) t.skip(`FirstBurstLength ${p.firstBurstLength} is less than two blocks: one block would fill the unsolicited burst`);
    const data = t.pattern(0, 2);
    const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks: 2 }), write: true, final: false, expectedDataTransferLength: data.length });
    const half = Math.min(bs / 2, p.maxSendDataSegmentLength);
    const first = dataOuts(w, data, { from: 0, to: bs, ttt: RESERVED_TAG, seg: half });
    t.log(`WRITE (10) of 2 blocks with F=0; unsolicited Data-Out of the first block in ${first.length} PDUs, F=1 on the last`);
    const o = await t.expectIscsi(`the unsolicited burst ended by the F bit after ${bs} of ${data.length} bytes (FirstBurstLength ${p.firstBurstLength})`, {
      session: s,
      send: (r) => {
        r.send(w);
        sendAll(r, first);
      },
      answer: anyOf(w.itt),
      withinMs: 5000,
      expect: ANSWER(Opcode.R2T, { bufferOffset: bs }),
    });
    let r2t = (o as { pdu: iscsi.R2T }).pdu;
    // Answer the R2Ts until the rest has gone (MaxBurstLength may split it), then the WRITE must end with GOOD.
    for (let sent = bs; ;) {
      t.check(
        r2t.bufferOffset === sent && r2t.desiredDataTransferLength > 0 && sent + r2t.desiredDataTransferLength <= data.length,
        `R2T asks for ${r2t.desiredDataTransferLength} bytes at offset ${r2t.bufferOffset}; ${sent} of the WRITE's ${data.length} bytes have gone`,
      );
      const to = sent + r2t.desiredDataTransferLength;
      const pdus = dataOuts(w, data, { from: sent, to, ttt: r2t.ttt, seg: p.maxSendDataSegmentLength });
      t.log(`R2T TTT 0x${r2t.ttt.toString(16)}: ${r2t.desiredDataTransferLength} bytes at offset ${sent}`);
      sent = to;
      const next = await t.expectIscsi(`the Data-Out answering the R2T for offset ${r2t.bufferOffset}`, {
        session: s,
        send: (r) => sendAll(r, pdus),
        answer: anyOf(w.itt),
        withinMs: 5000,
        expect: sent < data.length ? ANSWER(Opcode.R2T) : ANSWER(Opcode.SCSI_RESPONSE, { status: GOOD_STATUS }),
      });
      if (sent >= data.length) break;
      r2t = (next as { pdu: iscsi.R2T }).pdu;
    }
    t.remember(0, data, 'the WRITE (10) with a short unsolicited burst');
  },
);

/** A WRITE (10) of one block sent without data on `s`, and the R2T for it (skips if none comes). */
async function writeAwaitingData(t: TestContext, s: TestSession): Promise<{ w: iscsi.ScsiCommand; r2t: iscsi.R2T }> {
  const raw = t.raw(s);
  const bs = t.dev.blockSize;
  const w = raw.scsiCommand({ cdb: scsi.write10({ lba: 0, blocks: 1 }), write: true, expectedDataTransferLength: bs });
  const r2t = raw.waitFor((p) => p.opcode === Opcode.R2T && p.itt === w.itt, Math.min(5000, t.remainingMs()), 'the R2T for the WRITE (10)');
  raw.send(w);
  const r = (await r2t.catch((e: Error) =>
    t.skip(`the target sent no R2T for a WRITE (10) without data (${e.message}); iSCSIR2T.MaxBurstLength checks R2Ts`),
  )) as iscsi.R2T;
  t.log(`R2T: TTT 0x${r.ttt.toString(16)}, offset ${r.bufferOffset}, ${r.desiredDataTransferLength} bytes`);
  return { w, r2t: r };
}

suite.test(
  'DataOutFinishedTask',
  {
    doc: `A WRITE (10) of one block gets an R2T, its Data-Out and a SCSI Response; the same Data-Out (that ITT and TTT) is then sent again with other data.
      The task is over and the TTT was given back (11.7.4, 11.8.3), so the Data-Out belongs to no task: the target should drop it or Reject it (11.17.1), not
      answer the finished task again with a SCSI Response, and the block must keep the data of the WRITE.`,
    clause: 'RFC 7143 11.7.4, RFC 7143 11.17.1, RFC 7143 11.2.1.8',
    level: 'SHOULD',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const s = await t.login({ clearUnitAttentions: true });
    const { w, r2t } = await writeAwaitingData(t, s);
    const data = t.pattern(0, 1);
    const d = dataOuts(w, data, { from: 0, to: data.length, ttt: r2t.ttt, seg: data.length });
    await t.expectIscsi('the Data-Out answering the R2T', {
      session: s,
      send: (r) => sendAll(r, d),
      answer: endOf(w.itt),
      withinMs: 5000,
      expect: ANSWER(Opcode.SCSI_RESPONSE, { status: GOOD_STATUS }),
    });
    t.remember(0, data, 'the WRITE (10) before the stray Data-Out');
    const stale = dataOuts(w, Buffer.alloc(data.length, 0xee), { from: 0, to: data.length, ttt: r2t.ttt, seg: data.length });
    t.log(`the same Data-Out again (ITT 0x${w.itt.toString(16)}, TTT 0x${r2t.ttt.toString(16)}) with 0xee bytes`);
    await t.expectIscsi(`a Data-Out for the WRITE (10) that has ended (ITT 0x${w.itt.toString(16)})`, {
      session: s,
      send: (r) => sendAll(r, stale),
      answer: endOf(w.itt),
      withinMs: 2000,
      expect: [NO_ANSWER, REJECT(), DROPPED],
    });
  },
);

suite.test(
  'DataOutWrongLun',
  {
    doc: `A WRITE (10) of one block gets an R2T; the Data-Out answering it carries the right ITT and TTT but another LUN, where "the LUN field MUST hold a
      valid value and be consistent with whatever was specified with the command" when a TTT is given (11.7.4). The target should refuse the data (a
      Reject, a CHECK CONDITION, or dropping the connection), not complete the WRITE with GOOD.`,
    clause: 'RFC 7143 11.7.4, RFC 7143 11.17.1',
    level: 'SHOULD',
    session: false,
    needs: [...WRITE_NEEDS],
    timeout: 30,
  },
  async (t) => {
    const s = await t.login({ clearUnitAttentions: true });
    const { w, r2t } = await writeAwaitingData(t, s);
    const data = Buffer.alloc(t.dev.blockSize, 0x4c);
    // The LUN field's second byte holds the LUN of the flat and peripheral formats (SAM-5): flip its low bit.
    const d = dataOuts({ ...w, lun: w.lun ^ (1n << 48n) }, data, { from: 0, to: data.length, ttt: r2t.ttt, seg: data.length });
    t.log(`Data-Out with LUN field 0x${d[0]!.lun.toString(16).padStart(16, '0')} (the WRITE's: 0x${w.lun.toString(16).padStart(16, '0')})`);
    await t.expectIscsi(`a Data-Out answering the R2T with another LUN`, {
      session: s,
      send: (r) => sendAll(r, d),
      answer: endOf(w.itt),
      withinMs: 5000,
      expect: [REJECT(), DROPPED, ANSWER(Opcode.SCSI_RESPONSE, { status: CHECK })],
    });
    t.forget(0, 1);
  },
);

export default suite;
