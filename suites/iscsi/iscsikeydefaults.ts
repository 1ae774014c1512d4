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
    const blocks = Math.ceil(READ_BYTES / t.dev.blockSize);
    const c = await t.connect();
    const st = await throughSecurity(t, c);
    // The target's own MaxRecvDataSegmentLength, if it declares one, is its receive limit, not the initiator's.
    await throughOperational(t, c, st, []);
    // A new I_T nexus may first get a unit attention (CHECK CONDITION): the READ is sent again, a few times at most.
    let read = await readOnRaw(t, c, st, blocks, 0x6b0001);
    for (let i = 2; i <= 4 && read.status === scsi.ScsiStatus.CHECK_CONDITION; i++) {
      st.cmdSN = (st.cmdSN + 1) >>> 0;
      read = await readOnRaw(t, c, st, blocks, 0x6b0000 + i);
    }
    const { dataIn, end } = read;
    const over = dataIn.find((d) => (d.data?.length ?? 0) > DEFAULT_MRDSL);
    t.check(
      !over,
      `a Data-In of ${over?.data?.length} bytes (offset ${over?.bufferOffset}) on a connection whose initiator never declared MaxRecvDataSegmentLength (default ${DEFAULT_MRDSL})`,
    );
    const total = dataIn.reduce((n, d) => n + (d.data?.length ?? 0), 0);
    t.check(
      end === 'status in the last Data-In' || end === 'SCSI Response',
      `READ(10) of ${blocks * t.dev.blockSize} bytes with MaxRecvDataSegmentLength left at its default ${DEFAULT_MRDSL}: after ${dataIn.length} Data-In ` +
        `(${total} bytes) ${end}`,
    );
    t.equal(total, blocks * t.dev.blockSize, `bytes of Data-In for the READ(10) of ${blocks} blocks`);
  },
);

export default suite;
