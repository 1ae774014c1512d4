/**
 * Operational keys' defaults when the initiator never sends them (RFC 7143 13), read back where full feature
 * phase shows them. The login is driven by hand (`t.connect()`), since the embedded initiator always declares
 * its keys; the test then sends its command on the same bare connection, with the numbers the login left.
 */
import { ANSWER, defineSuite, iscsi, isRawEnd, minBlocks, rawText, scsi, type IscsiOutcome, type RawConnection, type TestContext } from '../../harness/api.js';
import { throughOperational, throughSecurity } from './_login.js';

const suite = defineSuite('iSCSIKeyDefaults', { families: ['iSCSI'], clause: 'RFC 7143 13.12' });
const { Opcode } = iscsi;

/** MaxRecvDataSegmentLength when not declared (13.12). */
const DEFAULT_MRDSL = 8192;
/** What the READ asks for: four times the default segment. */
const READ_BYTES = 4 * DEFAULT_MRDSL;
/** MaxBurstLength when not negotiated (13.13). */
const DEFAULT_MBL = 262144;
/** What the READ of the burst test asks for: two default bursts. */
const BURST_READ_BYTES = 2 * DEFAULT_MBL;

/** A READ (10) on a connection logged in by hand: its Data-In PDUs and the status that ended it. */
async function readOnRaw(t: TestContext, c: RawConnection, numbers: { cmdSN: number; expStatSN: number }, blocks: number, itt: number) {
  const cmd: iscsi.ScsiCommand = {
    opcode: Opcode.SCSI_COMMAND,
    immediate: false,
    final: true,
    read: true,
    write: false,
    attr: iscsi.TaskAttr.SIMPLE,
    lun: scsi.lunToBigInt(t.config.target.lun),
    itt,
    expectedDataTransferLength: blocks * t.dev.blockSize,
    cmdSN: numbers.cmdSN,
    expStatSN: numbers.expStatSN,
    cdb: scsi.read10({ lba: 0, blocks }),
  };
  t.log(`> READ(10) LBA=0 LEN=${blocks} (${cmd.expectedDataTransferLength} bytes), CmdSN ${cmd.cmdSN}`);
  c.send(cmd);
  const dataIn: iscsi.DataIn[] = [];
  // Bounded: each Data-In carries at least one byte of the READ, or the target breaks off.
  for (let i = 0; i <= cmd.expectedDataTransferLength; i++) {
    const p = await c.next(Math.min(10_000, t.remainingMs()));
    if (isRawEnd(p)) return { dataIn, end: rawText(p) };
    if (p.opcode === Opcode.DATA_IN && (p as iscsi.DataIn).itt === itt) {
      dataIn.push(p as iscsi.DataIn);
      if ((p as iscsi.DataIn).statusPresent) {
        numbers.expStatSN = ((p as iscsi.DataIn).statSN + 1) >>> 0;
        return { dataIn, end: 'status in the last Data-In', status: (p as iscsi.DataIn).status };
      }
    } else if (p.opcode === Opcode.SCSI_RESPONSE && (p as iscsi.ScsiResponse).itt === itt) {
      const r = p as iscsi.ScsiResponse;
      numbers.expStatSN = (r.statSN + 1) >>> 0;
      t.log(`< ${rawText(p)}`);
      return { dataIn, end: 'SCSI Response', status: r.status };
    } else t.log(`(ignored) ${rawText(p)}`);
  }
  return { dataIn, end: 'too many Data-In PDUs' };
}

suite.test(
  'MaxRecvDataSegmentLengthDefault',
  {
    doc: `Log in by hand without ever sending MaxRecvDataSegmentLength (the key is declarative, and its default is ${DEFAULT_MRDSL}, 13.12), then
      READ(10) ${READ_BYTES} bytes on that connection. The target must not send a data segment longer than the initiator's MaxRecvDataSegmentLength,
      here the default: every Data-In must carry at most ${DEFAULT_MRDSL} bytes, and all of them together the ${READ_BYTES} bytes.`,
    clause: 'RFC 7143 13.12, RFC 7143 11.7.2',
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity', minBlocks(64)],
  },
  async (t) => {
    const { dataIn, end, bytes } = await readWithDefaults(t, READ_BYTES);
    const over = dataIn.find((d) => (d.data?.length ?? 0) > DEFAULT_MRDSL);
    t.check(
      !over,
      `a Data-In of ${over?.data?.length} bytes (offset ${over?.bufferOffset}) on a connection whose initiator never declared MaxRecvDataSegmentLength (default ${DEFAULT_MRDSL})`,
    );
    checkComplete(t, dataIn, end, bytes, `MaxRecvDataSegmentLength left at its default ${DEFAULT_MRDSL}`);
  },
);

suite.test(
  'MaxBurstLengthDefault',
  {
    doc: `Log in by hand without ever sending MaxBurstLength (its default is ${DEFAULT_MBL}, 13.13; a value the target offers itself is agreed to),
      then READ(10) ${BURST_READ_BYTES} bytes on that connection. MaxBurstLength is the "maximum SCSI data payload in bytes in a Data-In ... iSCSI
      sequence", and the F bit marks "the last input (incoming) data PDU of a sequence" (11.7.1): no run of Data-In up to and including one with F=1
      may carry more than the MaxBurstLength in force, and all of them together must carry the ${BURST_READ_BYTES} bytes.`,
    clause: 'RFC 7143 13.13, RFC 7143 11.7.1',
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity', minBlocks(BURST_READ_BYTES / 512)],
    timeout: 60,
  },
  async (t: TestContext) => {
    const { dataIn, end, bytes, offered } = await readWithDefaults(t, BURST_READ_BYTES);
    const mbl = offered.get('MaxBurstLength');
    const limit = mbl === undefined ? DEFAULT_MBL : iscsi.parseNumber(mbl);
    if (limit === undefined) t.fail(`the target offered MaxBurstLength=${mbl}, not a number`);
    t.log(`MaxBurstLength in force: ${limit}${mbl === undefined ? ' (the default: nobody offered the key)' : ' (offered by the target)'}`);
    let run = 0;
    for (const d of dataIn) {
      run += d.data?.length ?? 0;
      t.check(
        run <= limit,
        `a Data-In sequence of more than ${limit} bytes (MaxBurstLength ${mbl === undefined ? 'left at its default' : 'as offered'}): ${run} bytes ` +
          `by offset ${d.bufferOffset + (d.data?.length ?? 0)} without the F bit that ends a sequence`,
      );
      if (d.final) run = 0;
    }
    checkComplete(t, dataIn, end, bytes, `MaxBurstLength ${limit}`);
  },
);

suite.test(
  'ImmediateDataDefault',
  {
    doc: `Log in by hand without ever sending ImmediateData or FirstBurstLength (defaults Yes and 65536, 13.11 and 13.14; skipped when the target
      offers ImmediateData=No itself, the outcome of the AND being No), clear any unit attention, then WRITE(10) two blocks at LBA 0 with F=1 and the
      first block as immediate data. With ImmediateData=Yes the target must take it: an R2T for the second block only (Buffer Offset one block,
      Desired Data Transfer Length one block, 11.8), then, once that block comes, GOOD; the blocks read back.`,
    clause: 'RFC 7143 13.11, RFC 7143 13.14, RFC 7143 11.8',
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(2)],
  },
  async (t: TestContext) => {
    const { c, st, offered } = await loginWithDefaults(t);
    if (offered.get('ImmediateData') === 'No') t.skip('the target offered ImmediateData=No itself: the AND of both sides is No, the default does not apply');
    const bs = t.dev.blockSize;
    const data = t.pattern(0, 2);
    const itt = 0x6c0001;
    const lun = scsi.lunToBigInt(t.config.target.lun);
    const w: iscsi.ScsiCommand = {
      opcode: Opcode.SCSI_COMMAND,
      immediate: false,
      final: true,
      read: false,
      write: true,
      attr: iscsi.TaskAttr.SIMPLE,
      lun,
      itt,
      expectedDataTransferLength: 2 * bs,
      cmdSN: st.cmdSN,
      expStatSN: st.expStatSN,
      cdb: scsi.write10({ lba: 0, blocks: 2 }),
      data: data.subarray(0, bs),
    };
    t.log(`> WRITE(10) LBA=0 LEN=2 with ${bs} bytes of immediate data, CmdSN ${w.cmdSN}`);
    c.send(w);
    const r2t = await answerOn(t, c, itt);
    t.checkIscsi(
      'a WRITE(10) of two blocks with the first as immediate data, ImmediateData never negotiated (default Yes)',
      r2t,
      ANSWER(Opcode.R2T, { bufferOffset: bs, desiredDataTransferLength: bs }),
    );
    const ttt = (r2t as { pdu: iscsi.R2T }).pdu.ttt;
    c.send({ opcode: Opcode.DATA_OUT, final: true, lun, itt, ttt, expStatSN: st.expStatSN, dataSN: 0, bufferOffset: bs, data: data.subarray(bs) });
    t.checkIscsi('the second block, sent for the R2T', await answerOn(t, c, itt), ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.GOOD }));
    t.remember(0, data, 'the WRITE(10) with immediate data');
  },
);

const { KEYS } = iscsi;

suite.test(
  'InitialR2TDefault',
  {
    doc: `Log in by hand without ever sending InitialR2T (its default is Yes, ${KEYS.InitialR2T.clause}; a key neither side sent keeps its default, 6.2;
      skipped when the target offers InitialR2T=No itself), clear any unit attention, then WRITE(10) one block at LBA 0 without immediate data and with
      F=0, followed by that block as unsolicited Data-Out (TTT 0xffffffff, F=1). With InitialR2T=Yes "only immediate data are accepted in the first
      burst" (${KEYS.ImmediateData.clause}): the target should not take the Data-Out. It may Reject the command or the Data-Out, drop the connection,
      or ask for the block with an R2T (answered, then GOOD); a SCSI Response without an R2T means it took data the session does not allow. The
      rule binds the initiator, so the level is SHOULD.`,
    clause: `${KEYS.InitialR2T.clause}, ${KEYS.ImmediateData.clause}, RFC 7143 6.2`,
    level: 'SHOULD',
    session: false,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(1)],
  },
  async (t: TestContext) => {
    const { c, st, offered } = await loginWithDefaults(t);
    if (offered.get('InitialR2T') === 'No') t.skip('the target offered InitialR2T=No itself: the OR of both sides is No, the default does not apply');
    const bs = t.dev.blockSize;
    const data = t.pattern(0, 1);
    const itt = 0x6c0011;
    const lun = scsi.lunToBigInt(t.config.target.lun);
    const w = writeCommand(t, st, itt, 1, { final: false });
    t.log(`> WRITE(10) LBA=0 LEN=1 with F=0, CmdSN ${w.cmdSN}, then ${bs} bytes of unsolicited Data-Out`);
    c.send(w);
    c.send({ opcode: Opcode.DATA_OUT, final: true, lun, itt, ttt: iscsi.RESERVED_TAG, expStatSN: st.expStatSN, dataSN: 0, bufferOffset: 0, data });
    const a = await answerOn(t, c, itt);
    if (a.kind === 'pdu' && a.pdu.opcode === Opcode.R2T) {
      const r2t = a.pdu as iscsi.R2T;
      t.log(`< R2T offset ${r2t.bufferOffset} length ${r2t.desiredDataTransferLength}: the unsolicited Data-Out was not taken`);
      const len = Math.max(0, Math.min(r2t.desiredDataTransferLength, bs - r2t.bufferOffset));
      const out = data.subarray(r2t.bufferOffset, r2t.bufferOffset + len);
      c.send({ opcode: Opcode.DATA_OUT, final: true, lun, itt, ttt: r2t.ttt, expStatSN: st.expStatSN, dataSN: 0, bufferOffset: r2t.bufferOffset, data: out });
      t.checkIscsi('the block, sent again for the R2T', await answerOn(t, c, itt), ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.GOOD }));
      t.remember(0, data, 'the WRITE(10) whose block came for the R2T');
      return;
    }
    t.forget(0, 1);
    const taken = a.kind === 'pdu' && a.pdu.opcode !== Opcode.REJECT;
    t.should(
      !taken,
      `a WRITE(10) with F=0 and its block as unsolicited Data-Out, InitialR2T never negotiated (default Yes): expected a Reject, an R2T for the ` +
        `block or the connection dropped, got ${a.kind === 'pdu' ? rawText(a.pdu) : a.kind}: the target took unsolicited data`,
    );
  },
);

suite.test(
  'MaxOutstandingR2TDefault',
  {
    doc: `Log in by hand without ever sending MaxOutstandingR2T (its default is 1, ${KEYS.MaxOutstandingR2T.clause}; a key neither side sent keeps
      its default, 6.2; the test skips when the target offers the key itself), clear any unit attention, then WRITE(10) one block more than the
      MaxBurstLength in force, without data, and send nothing more: MaxOutstandingR2T is the "maximum number of outstanding R2Ts per task", so the
      target should send one R2T and wait for its data; a second R2T for the WRITE within 1 s exceeds it (SHOULD, as iSCSISequence.MaxOutstandingR2T).`,
    clause: `${KEYS.MaxOutstandingR2T.clause}, RFC 7143 11.8, RFC 7143 6.2`,
    level: 'SHOULD',
    session: false,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(DEFAULT_MBL / 512 + 1)],
    timeout: 30,
  },
  async (t: TestContext) => {
    const { c, st, offered } = await loginWithDefaults(t);
    const own = offered.get('MaxOutstandingR2T');
    if (own !== undefined) t.skip(`the target offered MaxOutstandingR2T=${own} itself: the key was negotiated, the default does not apply`);
    const mbl = offered.has('MaxBurstLength') ? iscsi.parseNumber(offered.get('MaxBurstLength')!) : DEFAULT_MBL;
    if (mbl === undefined || mbl > 4 * DEFAULT_MBL)
      t.skip(`the target offered MaxBurstLength=${offered.get('MaxBurstLength')}: too large a WRITE for this test`);
    const bs = t.dev.blockSize;
    const blocks = Math.ceil(mbl / bs) + 1;
    if (blocks > t.dev.blocks) t.skip(`a WRITE of ${blocks} blocks does not fit the LUN`);
    const itt = 0x6c0021;
    const w = writeCommand(t, st, itt, blocks, { final: true });
    t.log(`> WRITE(10) LBA=0 LEN=${blocks} (${blocks * bs} bytes, MaxBurstLength ${mbl}) without data, CmdSN ${w.cmdSN}`);
    c.send(w);
    t.forget(0, blocks);
    const r2ts: iscsi.R2T[] = [];
    const until = Date.now() + 1000;
    // Bounded: 1 s after the WRITE, or as soon as a second R2T came; other PDUs are skipped.
    for (let i = 0; i < 64; i++) {
      const ms = r2ts.length === 0 ? Math.min(5000, t.remainingMs()) : until - Date.now();
      if (ms <= 0) break;
      const p = await c.next(ms);
      if (isRawEnd(p)) {
        if ('closed' in p) t.fail(`the connection closed after the WRITE(10) of ${blocks} blocks without data (${rawText(p)})`);
        break;
      }
      if (p.opcode === Opcode.R2T && (p as iscsi.R2T).itt === itt) r2ts.push(p as iscsi.R2T);
      else if ('itt' in p && p.itt === itt) t.fail(`the WRITE(10) of ${blocks} blocks without data was answered ${rawText(p)}, not an R2T`);
      else t.log(`(ignored) ${rawText(p)}`);
      if (r2ts.length > 1) break;
    }
    if (r2ts.length === 0) t.skip(`the target sent no R2T for a WRITE(10) of ${blocks} blocks without data within 5 s; the test needs a task waiting for data`);
    if (r2ts[0]!.desiredDataTransferLength >= blocks * bs) t.skip(`the first R2T asks for all ${blocks * bs} bytes: there is no second burst to hold back`);
    t.log(`R2Ts: ${r2ts.map((r) => `R2TSN ${r.r2tSN} offset ${r.bufferOffset} length ${r.desiredDataTransferLength}`).join('; ')}`);
    t.should(
      r2ts.length === 1,
      `MaxOutstandingR2T never negotiated (default 1): the target sent ${r2ts.length} R2Ts for the WRITE(10) before any data was sent, at most one may be outstanding`,
    );
  },
);

suite.test(
  'DataPDUInOrderDefault',
  {
    doc: `Log in by hand without ever sending DataPDUInOrder (its default is Yes, ${KEYS.DataPDUInOrder.clause}; a key neither side sent keeps its
      default, 6.2; skipped when the target offers the key itself), then READ(10) ${READ_BYTES} bytes on that connection (four data segments at the
      default MaxRecvDataSegmentLength). With DataPDUInOrder=Yes "data PDUs within sequences have to be at continuously increasing addresses and
      overlays are forbidden": within each Data-In sequence (up to a PDU with F=1) each PDU should start where the one before it ended. The sentence
      has no MUST, so the level is SHOULD.`,
    clause: `${KEYS.DataPDUInOrder.clause}, RFC 7143 11.7.1, RFC 7143 6.2`,
    level: 'SHOULD',
    session: false,
    needs: ['sbc', 'capacity', minBlocks(64)],
  },
  async (t: TestContext) => {
    const { dataIn, end, bytes, offered } = await readWithDefaults(t, READ_BYTES);
    if (offered.has('DataPDUInOrder')) t.skip(`the target offered DataPDUInOrder=${offered.get('DataPDUInOrder')} itself: the default does not apply`);
    checkComplete(t, dataIn, end, bytes, 'DataPDUInOrder left at its default Yes');
    let next: number | undefined;
    for (const d of dataIn) {
      if (next !== undefined && d.bufferOffset !== next) {
        t.should(
          false,
          `DataPDUInOrder never negotiated (default Yes): Data-In DataSN ${d.dataSN} starts at offset ${d.bufferOffset}, within a sequence whose ` +
            `PDU before it ended at ${next}`,
        );
        return;
      }
      next = d.final ? undefined : d.bufferOffset + (d.data?.length ?? 0);
    }
  },
);

suite.test(
  'DataSequenceInOrderDefault',
  {
    doc: `Log in by hand without ever sending DataSequenceInOrder (its default is Yes, ${KEYS.DataSequenceInOrder.clause}; a key neither side sent
      keeps its default, 6.2; skipped when the target offers the key itself), then READ(10) ${BURST_READ_BYTES} bytes on that connection (two
      sequences at the default MaxBurstLength, or as many as the MaxBurstLength the target offers makes). With DataSequenceInOrder=Yes data sequences
      "have to be transferred using continuously non-decreasing sequence offsets" (for a read, the smallest Buffer Offset of a Data-In sequence):
      each sequence's smallest offset should be above the one before it. The sentence has no MUST, so the level is SHOULD.`,
    clause: `${KEYS.DataSequenceInOrder.clause}, RFC 7143 11.7.1, RFC 7143 6.2`,
    level: 'SHOULD',
    session: false,
    needs: ['sbc', 'capacity', minBlocks(BURST_READ_BYTES / 512)],
    timeout: 60,
  },
  async (t: TestContext) => {
    const { dataIn, end, bytes, offered } = await readWithDefaults(t, BURST_READ_BYTES);
    if (offered.has('DataSequenceInOrder'))
      t.skip(`the target offered DataSequenceInOrder=${offered.get('DataSequenceInOrder')} itself: the default does not apply`);
    checkComplete(t, dataIn, end, bytes, 'DataSequenceInOrder left at its default Yes');
    // The smallest Buffer Offset of each sequence (PDUs up to one with F=1).
    const starts: number[] = [];
    let smallest = Infinity;
    for (const d of dataIn) {
      smallest = Math.min(smallest, d.bufferOffset);
      if (d.final || d === dataIn[dataIn.length - 1]) {
        starts.push(smallest);
        smallest = Infinity;
      }
    }
    t.log(`Data-In sequences start at ${starts.join(', ')}`);
    const back = starts.findIndex((s, i) => i > 0 && s <= starts[i - 1]!);
    t.should(
      back < 0,
      `DataSequenceInOrder never negotiated (default Yes): Data-In sequence ${back + 1} of the READ(10) starts at offset ${starts[back]}, ` +
        `not above the sequence before it (${starts[back - 1]})`,
    );
  },
);

/** FirstBurstLength when not negotiated (13.14). */
const DEFAULT_FBL = 65536;

suite.test(
  'FirstBurstLengthDefault',
  {
    doc: `Log in by hand offering InitialR2T=No and no other operational key, so that ImmediateData (default Yes) and FirstBurstLength (default
      ${DEFAULT_FBL}, ${KEYS.FirstBurstLength.clause}) are never negotiated (a key neither side sent keeps its default, 6.2; skipped when the target
      answers InitialR2T=Yes, offers ImmediateData=No or offers FirstBurstLength or a MaxBurstLength below ${DEFAULT_FBL}). Then WRITE(10) one block more
      than ${DEFAULT_FBL} bytes with F=0: the first block as immediate data, the rest of the first ${DEFAULT_FBL} bytes as unsolicited Data-Out (TTT
      0xffffffff), F=1 on the last. InitialR2T=No lets the initiator send data "as if it has received an initial R2T" for FirstBurstLength bytes
      (${KEYS.InitialR2T.clause}), as iSCSIDataOut.UnsolicitedFirstBurst checks with the key negotiated: the target must take them and ask for the last
      block with an R2T at Buffer Offset ${DEFAULT_FBL} (11.8); once it comes, GOOD, and the blocks read back.`,
    clause: `${KEYS.FirstBurstLength.clause}, ${KEYS.InitialR2T.clause}, RFC 7143 11.8, RFC 7143 6.2`,
    level: 'MUST',
    session: false,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(DEFAULT_FBL / 512 + 1)],
    timeout: 30,
  },
  async (t: TestContext) => {
    const { c, st, offered } = await loginWithDefaults(t, [['InitialR2T', 'No']]);
    if (offered.get('InitialR2T') !== 'No')
      t.skip(`the target answered InitialR2T=${offered.get('InitialR2T')} (13.10: the OR of both sides); no unsolicited data`);
    if (offered.get('ImmediateData') === 'No') t.skip('the target offered ImmediateData=No itself: the AND of both sides is No');
    if (offered.has('FirstBurstLength')) t.skip(`the target offered FirstBurstLength=${offered.get('FirstBurstLength')} itself: the default does not apply`);
    const mbl = offered.has('MaxBurstLength') ? iscsi.parseNumber(offered.get('MaxBurstLength')!) : DEFAULT_MBL;
    if (mbl === undefined || mbl < DEFAULT_FBL)
      t.skip(`the target offered MaxBurstLength=${offered.get('MaxBurstLength')}, below the default FirstBurstLength`);
    // The target's own receive limit: what it declared, or the default.
    const seg = iscsi.parseNumber(offered.get('MaxRecvDataSegmentLength') ?? String(DEFAULT_MRDSL)) ?? DEFAULT_MRDSL;
    const bs = t.dev.blockSize;
    if (bs > seg || DEFAULT_FBL % bs !== 0)
      t.skip(`a block of ${bs} bytes does not fit the test (MaxRecvDataSegmentLength ${seg}, FirstBurstLength ${DEFAULT_FBL})`);
    const blocks = DEFAULT_FBL / bs + 1;
    const data = t.pattern(0, blocks);
    const itt = 0x6c0031;
    const lun = scsi.lunToBigInt(t.config.target.lun);
    const w = { ...writeCommand(t, st, itt, blocks, { final: false }), data: data.subarray(0, bs) };
    t.log(`> WRITE(10) LBA=0 LEN=${blocks} with ${bs} bytes of immediate data and F=0, then unsolicited Data-Out up to ${DEFAULT_FBL}, CmdSN ${w.cmdSN}`);
    c.send(w);
    // Bounded: FirstBurstLength / one block PDUs at most.
    for (let at = bs, sn = 0; at < DEFAULT_FBL; sn++) {
      const end = Math.min(DEFAULT_FBL, at + seg - (seg % bs));
      const final = end === DEFAULT_FBL;
      c.send({
        opcode: Opcode.DATA_OUT,
        final,
        lun,
        itt,
        ttt: iscsi.RESERVED_TAG,
        expStatSN: st.expStatSN,
        dataSN: sn,
        bufferOffset: at,
        data: data.subarray(at, end),
      });
      at = end;
    }
    const r2t = await answerOn(t, c, itt);
    t.checkIscsi(
      `a WRITE(10) of ${blocks * bs} bytes whose first ${DEFAULT_FBL} came as immediate data and unsolicited Data-Out, FirstBurstLength never negotiated (default ${DEFAULT_FBL})`,
      r2t,
      ANSWER(Opcode.R2T, { bufferOffset: DEFAULT_FBL, desiredDataTransferLength: bs }),
    );
    const ttt = (r2t as { pdu: iscsi.R2T }).pdu.ttt;
    const last = data.subarray(DEFAULT_FBL);
    c.send({ opcode: Opcode.DATA_OUT, final: true, lun, itt, ttt, expStatSN: st.expStatSN, dataSN: 0, bufferOffset: DEFAULT_FBL, data: last });
    t.checkIscsi('the last block, sent for the R2T', await answerOn(t, c, itt), ANSWER(Opcode.SCSI_RESPONSE, { status: scsi.ScsiStatus.GOOD }));
    t.remember(0, data, 'the WRITE(10) with immediate and unsolicited data');
  },
);

suite.test(
  'DigestsDefault',
  {
    doc: `Log in by hand without ever sending HeaderDigest or DataDigest (the default of both is None, ${KEYS.HeaderDigest.clause}; a key neither side
      sent keeps its default, 6.2; skipped when the target offers either key itself), then send an immediate NOP-Out ping carrying 32 bytes of data,
      framed without digests. With both digests None no CRC32C follows a header or a data segment: the target should take the ping as framed and
      answer it with a NOP-In of the same ITT echoing the 32 bytes, which reads back intact only if the NOP-In carries no digest either. 13.1
      states the default without a MUST, so the level is SHOULD.`,
    clause: `${KEYS.HeaderDigest.clause}, RFC 7143 11.19, RFC 7143 6.2`,
    level: 'SHOULD',
    session: false,
  },
  async (t: TestContext) => {
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    const { pairs } = await throughOperational(t, c, st, []);
    const offered = new Map(pairs);
    for (const k of ['HeaderDigest', 'DataDigest'])
      if (offered.has(k)) t.skip(`the target offered ${k}=${offered.get(k)} itself: the key was negotiated, the default does not apply`);
    const itt = 0x6c0041;
    const data = Buffer.from('iscsi-test: no digests by default');
    const ping: iscsi.NopOut = {
      opcode: Opcode.NOP_OUT,
      immediate: true,
      lun: 0n,
      itt,
      ttt: iscsi.RESERVED_TAG,
      cmdSN: st.cmdSN,
      expStatSN: st.expStatSN,
      data,
    };
    t.log(`> NOP-Out ping ITT 0x${itt.toString(16)} with ${data.length} bytes, no digests`);
    c.send(ping);
    const a = await answerOn(t, c, itt);
    const what = `a NOP-Out ping on a connection whose login never negotiated HeaderDigest or DataDigest (default None)`;
    if (a.kind !== 'pdu' || a.pdu.opcode !== Opcode.NOP_IN) {
      const got = a.kind === 'pdu' ? rawText(a.pdu) : a.kind === 'closed' ? `the connection closed (${a.reason})` : `${a.kind}`;
      t.should(false, `${what}: expected a NOP-In echoing its data, got ${got}`);
      return;
    }
    const echo = a.pdu.data ?? Buffer.alloc(0);
    t.should(echo.equals(data), `${what}: the NOP-In echoed ${echo.length} bytes that differ from the ${data.length} sent (a digest in the way?)`);
  },
);

/** A WRITE(10) of `blocks` at LBA 0 without immediate data, with the numbers of a connection logged in by hand. */
function writeCommand(t: TestContext, st: { cmdSN: number; expStatSN: number }, itt: number, blocks: number, o: { final: boolean }): iscsi.ScsiCommand {
  return {
    opcode: Opcode.SCSI_COMMAND,
    immediate: false,
    final: o.final,
    read: false,
    write: true,
    attr: iscsi.TaskAttr.SIMPLE,
    lun: scsi.lunToBigInt(t.config.target.lun),
    itt,
    expectedDataTransferLength: blocks * t.dev.blockSize,
    cmdSN: st.cmdSN,
    expStatSN: st.expStatSN,
    cdb: scsi.write10({ lba: 0, blocks }),
  };
}

/** The target's next word on task `itt` (or a Reject, or the end of the connection), as an outcome to check. */
async function answerOn(t: TestContext, c: RawConnection, itt: number): Promise<IscsiOutcome> {
  // Bounded: PDUs of other tasks (pings) are skipped, a few at most.
  for (let i = 0; i < 16; i++) {
    const p = await c.next(Math.min(5000, t.remainingMs()));
    if (isRawEnd(p)) return 'closed' in p ? { kind: 'closed', reason: p.closed } : { kind: 'silence', ms: p.timeout };
    if (p.opcode === Opcode.REJECT || ('itt' in p && p.itt === itt)) return { kind: 'pdu', pdu: p };
    t.log(`(ignored) ${rawText(p)}`);
  }
  t.fail(`no answer on ITT 0x${itt.toString(16)} among 16 PDUs`);
}

/** Log in by hand offering no operational key but `keys` (agreeing to the target's offers), and clear unit attentions with a READ(10) of one block. */
async function loginWithDefaults(t: TestContext, keys: iscsi.KeyValue[] = []) {
  const c = await t.connect();
  const st = await throughSecurity(t, c);
  const { pairs } = await throughOperational(t, c, st, keys);
  t.log(`the target's operational-stage keys: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`);
  for (let i = 1; i <= 4; i++) {
    const r = await readOnRaw(t, c, st, 1, 0x6d0000 + i);
    st.cmdSN = (st.cmdSN + 1) >>> 0;
    if (r.status === scsi.ScsiStatus.GOOD) return { c, st, offered: new Map(pairs) };
  }
  t.fail('READ(10) of one block did not complete with GOOD in four tries on a connection logged in by hand');
}

/**
 * Log in by hand offering no operational key (the target's own offers agreed to), then READ(10) `want` bytes at
 * LBA 0 on the connection, again after a unit attention. Returns the Data-In, how the READ ended, the bytes
 * asked for and the keys the target sent in the operational stage.
 */
async function readWithDefaults(t: TestContext, want: number) {
  const blocks = Math.ceil(want / t.dev.blockSize);
  const c = await t.connect();
  const st = await throughSecurity(t, c);
  // The target's own declarations (its MaxRecvDataSegmentLength is its receive limit) and offers, which the login agrees to.
  const { pairs } = await throughOperational(t, c, st, []);
  // A new I_T nexus may first get a unit attention (CHECK CONDITION): the READ is sent again, a few times at most.
  let read = await readOnRaw(t, c, st, blocks, 0x6b0001);
  for (let i = 2; i <= 4 && read.status === scsi.ScsiStatus.CHECK_CONDITION; i++) {
    st.cmdSN = (st.cmdSN + 1) >>> 0;
    read = await readOnRaw(t, c, st, blocks, 0x6b0000 + i);
  }
  return { ...read, bytes: blocks * t.dev.blockSize, offered: new Map(pairs) };
}

/** The READ ended with status and its Data-In carried all of its bytes. */
function checkComplete(t: TestContext, dataIn: iscsi.DataIn[], end: string, bytes: number, what: string): void {
  const total = dataIn.reduce((n, d) => n + (d.data?.length ?? 0), 0);
  t.check(
    end === 'status in the last Data-In' || end === 'SCSI Response',
    `READ(10) of ${bytes} bytes with ${what}: after ${dataIn.length} Data-In (${total} bytes) ${end}`,
  );
  t.equal(total, bytes, `bytes of Data-In for the READ(10) of ${bytes} bytes`);
}

export default suite;
