/**
 * Operational keys' defaults when the initiator never sends them (RFC 7143 13), read back where full feature
 * phase shows them. The login is driven by hand (`t.connect()`), since the embedded initiator always declares
 * its keys; the test then sends its command on the same bare connection, with the numbers the login left.
 */
import { defineSuite, iscsi, isRawEnd, minBlocks, rawText, scsi, type RawConnection, type TestContext } from '../../harness/api.js';
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
