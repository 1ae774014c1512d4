/**
 * Every PDU of RFC 7143 section 11, both directions, as table rows in the manner of mqtt-packet:
 * each row holds a PDU object and its wire bytes written by hand from the RFC diagram (wire.ts), and is
 * checked three ways: generate (encode(object) == bytes), parse (decode(bytes) deep-equals object) and
 * mirror (decode(encode(object)) deep-equals object).
 */
import { strict as assert } from 'node:assert';
import {
  AnyPdu,
  AsyncEvent,
  decodePdu,
  describePdu,
  encodeHeader,
  encodePdu,
  expectOpcode,
  getField,
  LoginStatus,
  LogoutReason,
  LogoutResponseCode,
  Opcode,
  parseAll,
  Pdu,
  RejectReason,
  setField,
  SnackType,
  TaskAttr,
  TmfFunction,
  TmfResponse,
} from '../../../protocol/iscsi/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import { ahsWire, bidiAhs, diagrams, extCdbAhs, splitPdu } from './diagrams.js';
import { bhsStart, wire } from './wire.js';

const EMPTY = Buffer.alloc(0);
const bytes = (n: number, first = 0xa0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (first + i) & 0xff));
const text = (s: string): Buffer => Buffer.from(s, 'latin1');

/** What the decoder gives back for an object: `data` always present, `immediate` only when set. */
function asDecoded(p: AnyPdu): AnyPdu {
  const out = { ...p, data: p.data ?? EMPTY } as AnyPdu & { immediate?: boolean };
  if (!out.immediate) delete out.immediate;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The rows

interface Row {
  name: string;
  pdu: AnyPdu;
  wire: Buffer;
  /** When the decoder's object differs from the input by design (short CDB padded to 16 bytes). */
  decoded?: AnyPdu;
}

const rows: Row[] = [];
const add = (name: string, pdu: AnyPdu, bytesOnWire: Buffer, decoded?: AnyPdu) =>
  rows.push(decoded ? { name, pdu, wire: bytesOnWire, decoded } : { name, pdu, wire: bytesOnWire });

const MAX32 = 0xffffffff;
const MAXLUN = 0xffffffffffffffffn;

// NOP-Out / NOP-In (11.18, 11.19)
add(
  '11.18 NOP-Out ping: I bit, TTT 0xffffffff, no data',
  { opcode: Opcode.NOP_OUT, immediate: true, lun: 0n, itt: 0x11223344, ttt: MAX32, cmdSN: 5, expStatSN: 7 },
  diagrams.nopOut({ immediate: true, lun: 0n, itt: 0x11223344, ttt: MAX32, cmdSN: 5, expStatSN: 7 }),
);
for (const n of [1, 2, 3, 4, 5, 8]) {
  const data = bytes(n);
  add(
    `11.18 NOP-Out with ${n}-byte ping data (${(4 - (n % 4)) % 4} pad bytes, 11.2.3)`,
    { opcode: Opcode.NOP_OUT, lun: 0x0001000000000000n, itt: n, ttt: MAX32, cmdSN: 100 + n, expStatSN: 9, data },
    diagrams.nopOut({ lun: 0x0001000000000000n, itt: n, ttt: MAX32, cmdSN: 100 + n, expStatSN: 9, data }),
  );
}
add(
  '11.18 NOP-Out with every field at its maximum (64-bit LUN, 0xffffffff)',
  { opcode: Opcode.NOP_OUT, immediate: true, lun: MAXLUN, itt: MAX32, ttt: MAX32, cmdSN: MAX32, expStatSN: MAX32 },
  diagrams.nopOut({ immediate: true, lun: MAXLUN, itt: MAX32, ttt: MAX32, cmdSN: MAX32, expStatSN: MAX32 }),
);
add(
  '11.19 NOP-In answering a ping, 3 bytes of data echoed',
  { opcode: Opcode.NOP_IN, lun: 0x0102030405060708n, itt: 0xa1b2c3d4, ttt: MAX32, statSN: 0x10, expCmdSN: 0x20, maxCmdSN: 0x30, data: bytes(3) },
  diagrams.nopIn({ lun: 0x0102030405060708n, itt: 0xa1b2c3d4, ttt: MAX32, statSN: 0x10, expCmdSN: 0x20, maxCmdSN: 0x30, data: bytes(3) }),
);
add(
  '11.19 NOP-In sent by the target on its own: ITT 0xffffffff, a TTT',
  { opcode: Opcode.NOP_IN, lun: 0n, itt: MAX32, ttt: 0x0000beef, statSN: MAX32, expCmdSN: 1, maxCmdSN: MAX32 },
  diagrams.nopIn({ lun: 0n, itt: MAX32, ttt: 0xbeef, statSN: MAX32, expCmdSN: 1, maxCmdSN: MAX32 }),
);

// SCSI Command (11.3)
const read10 = Buffer.from('28000000000000000200000000000000', 'hex');
// RFC 3720 Appendix B.4 prints this READ(10) command PDU as a CRC example. Read against the 11.3
// diagram: byte 0 = 0x01 (no I bit), byte 1 = 0xc0 = F|R, ATTR 0; ITT 0x14000000, EDTL 0x400, CmdSN 0x14,
// ExpStatSN 0x18, CDB 28 00 .. (READ(10) of 2 blocks at LBA 0).
add(
  '11.3 SCSI Command READ(10): the RFC 3720 B.4 example PDU, byte for byte',
  {
    opcode: Opcode.SCSI_COMMAND,
    final: true,
    read: true,
    write: false,
    attr: TaskAttr.UNTAGGED,
    lun: 0n,
    itt: 0x14000000,
    expectedDataTransferLength: 0x400,
    cmdSN: 0x14,
    expStatSN: 0x18,
    cdb: read10,
  },
  wire()
    .hex('01 c0 00 00  00 00 00 00  00 00 00 00  00 00 00 00  14 00 00 00  00 00 04 00  00 00 00 14  00 00 00 18')
    .hex('28 00 00 00  00 00 00 00  02 00 00 00  00 00 00 00')
    .build(),
);
{
  const cdb = Buffer.from('2a000000100000000800', 'hex');
  const data = bytes(5, 0x30);
  add(
    '11.3 SCSI Command WRITE(10), 10-byte CDB zero-padded to 16, 5 bytes of immediate data, ATTR=SIMPLE',
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: false,
      write: true,
      attr: TaskAttr.SIMPLE,
      lun: 0x0001000000000000n,
      itt: 7,
      expectedDataTransferLength: 4096,
      cmdSN: 42,
      expStatSN: 43,
      cdb,
      data,
    },
    diagrams.scsiCommand({ final: true, read: false, write: true, attr: 1, lun: 0x0001000000000000n, itt: 7, edtl: 4096, cmdSN: 42, expStatSN: 43, cdb, data }),
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: false,
      write: true,
      attr: TaskAttr.SIMPLE,
      lun: 0x0001000000000000n,
      itt: 7,
      expectedDataTransferLength: 4096,
      cmdSN: 42,
      expStatSN: 43,
      cdb: Buffer.concat([cdb, Buffer.alloc(6)]),
      data,
    },
  );
}
for (const attr of [0, 1, 2, 3, 4]) {
  const cdb = bytes(16, 0x40);
  add(
    `11.3 SCSI Command ATTR=${attr}, F=0 (more immediate data follows), I bit`,
    {
      opcode: Opcode.SCSI_COMMAND,
      immediate: true,
      final: false,
      read: false,
      write: true,
      attr,
      lun: 3n,
      itt: 0x100 + attr,
      expectedDataTransferLength: 512,
      cmdSN: attr,
      expStatSN: 0,
      cdb,
      data: bytes(4),
    },
    diagrams.scsiCommand({
      immediate: true,
      final: false,
      read: false,
      write: true,
      attr,
      lun: 3n,
      itt: 0x100 + attr,
      edtl: 512,
      cmdSN: attr,
      expStatSN: 0,
      cdb,
      data: bytes(4),
    }),
  );
}
{
  const cdb = bytes(32, 0x7f); // a 32-byte variable-length CDB
  add(
    '11.3 + 11.2.2.3 SCSI Command with a 32-byte CDB: Extended CDB AHS (AHSLength 17, 5 words)',
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: true,
      write: false,
      attr: TaskAttr.ORDERED,
      lun: 1n,
      itt: 0xcafe,
      expectedDataTransferLength: 8192,
      cmdSN: 1000,
      expStatSN: 2000,
      cdb,
    },
    diagrams.scsiCommand({
      final: true,
      read: true,
      write: false,
      attr: 2,
      lun: 1n,
      itt: 0xcafe,
      edtl: 8192,
      cmdSN: 1000,
      expStatSN: 2000,
      cdb,
      ahs: [extCdbAhs(cdb)],
    }),
  );
}
{
  const cdb = bytes(17, 0x60);
  add(
    '11.2.2.3 Extended CDB AHS for a 17-byte CDB: AHSLength 2, padded to 8 bytes',
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: false,
      write: false,
      attr: 0,
      lun: 0n,
      itt: 1,
      expectedDataTransferLength: 0,
      cmdSN: 1,
      expStatSN: 1,
      cdb,
    },
    diagrams.scsiCommand({ final: true, read: false, write: false, attr: 0, lun: 0n, itt: 1, edtl: 0, cmdSN: 1, expStatSN: 1, cdb, ahs: [extCdbAhs(cdb)] }),
  );
}
{
  const cdb = bytes(16, 0x10);
  add(
    '11.3 + 11.2.2.4 bidirectional SCSI Command: R and W, Bidirectional Read-Data Length AHS, 2 bytes of data',
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: true,
      write: true,
      attr: TaskAttr.SIMPLE,
      lun: 5n,
      itt: 9,
      expectedDataTransferLength: 2,
      cmdSN: 3,
      expStatSN: 4,
      cdb,
      bidiReadLength: 0x00010000,
      data: bytes(2),
    },
    diagrams.scsiCommand({
      final: true,
      read: true,
      write: true,
      attr: 1,
      lun: 5n,
      itt: 9,
      edtl: 2,
      cmdSN: 3,
      expStatSN: 4,
      cdb,
      ahs: [bidiAhs(0x10000)],
      data: bytes(2),
    }),
  );
}
{
  const cdb = bytes(32, 0x01);
  add(
    '11.3 SCSI Command with both AHS: Extended CDB then bidirectional read length 0xffffffff',
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: true,
      write: true,
      attr: 0,
      lun: MAXLUN,
      itt: MAX32,
      expectedDataTransferLength: MAX32,
      cmdSN: MAX32,
      expStatSN: MAX32,
      cdb,
      bidiReadLength: MAX32,
    },
    diagrams.scsiCommand({
      final: true,
      read: true,
      write: true,
      attr: 0,
      lun: MAXLUN,
      itt: MAX32,
      edtl: MAX32,
      cmdSN: MAX32,
      expStatSN: MAX32,
      cdb,
      ahs: [extCdbAhs(cdb), bidiAhs(MAX32)],
    }),
  );
}
{
  const cdb = bytes(16, 0x20);
  const specific = Buffer.from([0x00, 0xde, 0xad, 0xbe, 0xef]);
  add(
    '11.2.2 an AHS of a non-iSCSI extension type (60) is kept as ahs',
    {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: false,
      write: false,
      attr: 0,
      lun: 0n,
      itt: 2,
      expectedDataTransferLength: 0,
      cmdSN: 2,
      expStatSN: 2,
      cdb,
      ahs: [{ type: 60, specific }],
    },
    diagrams.scsiCommand({
      final: true,
      read: false,
      write: false,
      attr: 0,
      lun: 0n,
      itt: 2,
      edtl: 0,
      cmdSN: 2,
      expStatSN: 2,
      cdb,
      ahs: [ahsWire(60, specific)],
    }),
  );
}

// SCSI Response (11.4)
const respBase = { response: 0, status: 0, itt: 0x55, snackTag: 0, statSN: 10, expCmdSN: 11, maxCmdSN: 20, expDataSN: 0, bidiResidual: 0, residual: 0 };
const respObj = (
  o: Partial<{
    bidiOverflow: boolean;
    bidiUnderflow: boolean;
    overflow: boolean;
    underflow: boolean;
    response: number;
    status: number;
    snackTag: number;
    expDataSN: number;
    bidiReadResidualCount: number;
    residualCount: number;
    data: Buffer;
  }>,
): Pdu => ({
  opcode: Opcode.SCSI_RESPONSE,
  bidiOverflow: false,
  bidiUnderflow: false,
  overflow: false,
  underflow: false,
  response: 0,
  status: 0,
  itt: 0x55,
  snackTag: 0,
  statSN: 10,
  expCmdSN: 11,
  maxCmdSN: 20,
  expDataSN: 0,
  bidiReadResidualCount: 0,
  residualCount: 0,
  ...o,
});
add('11.4 SCSI Response GOOD, no data', respObj({}), diagrams.scsiResponse(respBase));
{
  // 11.4.7: SenseLength (2 bytes) then the sense data: fixed format, ILLEGAL REQUEST / LBA OUT OF RANGE.
  const sense = wire().u16(18).hex('70 00 05 00 00 00 00 0a 00 00 00 00 21 00 00 00 00 00').build();
  add(
    '11.4.7 SCSI Response CHECK CONDITION with SenseLength + 18 bytes of sense data, ExpDataSN',
    respObj({ status: 0x02, expDataSN: 3, data: sense }),
    diagrams.scsiResponse({ ...respBase, status: 0x02, expDataSN: 3, data: sense }),
  );
}
add(
  '11.4.5 SCSI Response o: bidirectional read residual overflow',
  respObj({ bidiOverflow: true, bidiReadResidualCount: 100 }),
  diagrams.scsiResponse({ ...respBase, o: true, bidiResidual: 100 }),
);
add(
  '11.4.5 SCSI Response u: bidirectional read residual underflow',
  respObj({ bidiUnderflow: true, bidiReadResidualCount: 0x1000 }),
  diagrams.scsiResponse({ ...respBase, u: true, bidiResidual: 0x1000 }),
);
add(
  '11.4.5 SCSI Response O: residual overflow',
  respObj({ overflow: true, residualCount: 512 }),
  diagrams.scsiResponse({ ...respBase, O: true, residual: 512 }),
);
add(
  '11.4.5 SCSI Response U: residual underflow, count 0xffffffff',
  respObj({ underflow: true, residualCount: MAX32 }),
  diagrams.scsiResponse({ ...respBase, U: true, residual: MAX32 }),
);
add(
  '11.4.3 SCSI Response "Target Failure" (0x01), SNACK Tag, BUSY',
  respObj({ response: 0x01, status: 0x08, snackTag: 0xabcdef01 }),
  diagrams.scsiResponse({ ...respBase, response: 0x01, status: 0x08, snackTag: 0xabcdef01 }),
);

// Task management (11.5, 11.6)
for (const [name, fn] of Object.entries(TmfFunction)) {
  add(
    `11.5.1 TMF Request function ${fn} (${name})`,
    {
      opcode: Opcode.TASK_MGMT_REQUEST,
      immediate: true,
      function: fn,
      lun: 0x0002000000000000n,
      itt: 0x70 + fn,
      referencedTaskTag: fn === 1 || fn === 8 ? 0x33 : MAX32,
      cmdSN: 50,
      expStatSN: 60,
      refCmdSN: fn === 1 ? 49 : 0,
      expDataSN: fn === 8 ? 4 : 0,
    },
    diagrams.tmfRequest({
      immediate: true,
      fn,
      lun: 0x0002000000000000n,
      itt: 0x70 + fn,
      rtt: fn === 1 || fn === 8 ? 0x33 : MAX32,
      cmdSN: 50,
      expStatSN: 60,
      refCmdSN: fn === 1 ? 49 : 0,
      expDataSN: fn === 8 ? 4 : 0,
    }),
  );
}
for (const [name, response] of Object.entries(TmfResponse)) {
  add(
    `11.6.1 TMF Response ${response} (${name})`,
    { opcode: Opcode.TASK_MGMT_RESPONSE, response, itt: 0x71, statSN: 61, expCmdSN: 51, maxCmdSN: 80 },
    diagrams.tmfResponse({ response, itt: 0x71, statSN: 61, expCmdSN: 51, maxCmdSN: 80 }),
  );
}

// Data-Out, Data-In, R2T (11.7, 11.8)
for (const n of [1, 2, 3, 4, 5]) {
  add(
    `11.7 Data-Out, F=${n === 5 ? 1 : 0}, ${n} bytes of data`,
    { opcode: Opcode.DATA_OUT, final: n === 5, lun: 1n, itt: 0x99, ttt: 0x1234, expStatSN: 77, dataSN: n - 1, bufferOffset: n * 1000, data: bytes(n, 0xe0) },
    diagrams.dataOut({ final: n === 5, lun: 1n, itt: 0x99, ttt: 0x1234, expStatSN: 77, dataSN: n - 1, offset: n * 1000, data: bytes(n, 0xe0) }),
  );
}
add(
  '11.7 Data-Out unsolicited (TTT 0xffffffff), maximum offset',
  { opcode: Opcode.DATA_OUT, final: true, lun: MAXLUN, itt: MAX32, ttt: MAX32, expStatSN: MAX32, dataSN: MAX32, bufferOffset: MAX32, data: bytes(4) },
  diagrams.dataOut({ final: true, lun: MAXLUN, itt: MAX32, ttt: MAX32, expStatSN: MAX32, dataSN: MAX32, offset: MAX32, data: bytes(4) }),
);
const dataInObj = (
  o: Partial<{
    final: boolean;
    acknowledge: boolean;
    overflow: boolean;
    underflow: boolean;
    statusPresent: boolean;
    status: number;
    ttt: number;
    residualCount: number;
    data: Buffer;
  }>,
): Pdu => ({
  opcode: Opcode.DATA_IN,
  final: false,
  acknowledge: false,
  overflow: false,
  underflow: false,
  statusPresent: false,
  status: 0,
  lun: 0n,
  itt: 0x42,
  ttt: MAX32,
  statSN: 0,
  expCmdSN: 5,
  maxCmdSN: 36,
  dataSN: 2,
  bufferOffset: 8192,
  residualCount: 0,
  ...o,
});
const dataInBase = { status: 0, lun: 0n, itt: 0x42, ttt: MAX32, statSN: 0, expCmdSN: 5, maxCmdSN: 36, dataSN: 2, offset: 8192, residual: 0 };
add('11.7 Data-In, no flags, 3 bytes', dataInObj({ data: bytes(3) }), diagrams.dataIn({ ...dataInBase, data: bytes(3) }));
add('11.7.2 Data-In F only', dataInObj({ final: true, data: bytes(4) }), diagrams.dataIn({ ...dataInBase, F: true, data: bytes(4) }));
add(
  '11.7.2 Data-In A (acknowledge, ERL>0) with a TTT',
  dataInObj({ acknowledge: true, ttt: 0x777, data: bytes(1) }),
  diagrams.dataIn({ ...dataInBase, A: true, ttt: 0x777, data: bytes(1) }),
);
add(
  '11.7.4 Data-In F+S, status GOOD, StatSN',
  { ...dataInObj({ final: true, statusPresent: true, data: bytes(2) }), statSN: 12 } as Pdu,
  diagrams.dataIn({ ...dataInBase, F: true, S: true, statSN: 12, data: bytes(2) }),
);
add(
  '11.7.5 Data-In F+S+U, residual underflow 0x200',
  dataInObj({ final: true, statusPresent: true, underflow: true, residualCount: 0x200, data: bytes(5) }),
  diagrams.dataIn({ ...dataInBase, F: true, S: true, U: true, residual: 0x200, data: bytes(5) }),
);
add(
  '11.7.5 Data-In F+S+O, residual overflow, status 0x18 (RESERVATION CONFLICT byte)',
  dataInObj({ final: true, statusPresent: true, overflow: true, status: 0x18, residualCount: 7, data: bytes(4) }),
  diagrams.dataIn({ ...dataInBase, F: true, S: true, O: true, status: 0x18, residual: 7, data: bytes(4) }),
);
add(
  '11.8 R2T, maximum Desired Data Transfer Length',
  {
    opcode: Opcode.R2T,
    lun: 0x0001000000000000n,
    itt: 0x10,
    ttt: 0x20,
    statSN: 30,
    expCmdSN: 40,
    maxCmdSN: 50,
    r2tSN: 1,
    bufferOffset: 65536,
    desiredDataTransferLength: MAX32,
  },
  diagrams.r2t({ lun: 0x0001000000000000n, itt: 0x10, ttt: 0x20, statSN: 30, expCmdSN: 40, maxCmdSN: 50, r2tSN: 1, offset: 65536, ddtl: MAX32 }),
);

// Asynchronous Message (11.9)
{
  // 11.9.4: SenseLength, sense data (UNIT ATTENTION), then iSCSI event data.
  const data = wire().u16(18).hex('70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00').hex('01 02 03').build();
  add(
    '11.9 Async Message event 0 (SCSI async event): LUN, sense data and event data (pad 1)',
    {
      opcode: Opcode.ASYNC_MESSAGE,
      lun: 0x0003000000000000n,
      statSN: 8,
      expCmdSN: 9,
      maxCmdSN: 10,
      asyncEvent: AsyncEvent.SCSI_ASYNC_EVENT,
      asyncVCode: 0,
      parameter1: 0,
      parameter2: 0,
      parameter3: 0,
      data,
    },
    diagrams.asyncMessage({ lun: 0x0003000000000000n, statSN: 8, expCmdSN: 9, maxCmdSN: 10, event: 0, vcode: 0, p1: 0, p2: 0, p3: 0, data }),
  );
}
const asyncRows: Array<[string, number, number, number, number, number]> = [
  ['event 1 (logout requested), Parameter3 = seconds to logout', AsyncEvent.LOGOUT_REQUESTED, 0, 0, 0, 30],
  ['event 2 (connection drop): CID, Time2Wait, Time2Retain', AsyncEvent.CONNECTION_DROP, 0, 0x0002, 5, 20],
  ['event 3 (session drop): Time2Wait, Time2Retain', AsyncEvent.SESSION_DROP, 0, 0, 2, 0xffff],
  ['event 4 (renegotiate), Parameter3 = seconds to negotiate', AsyncEvent.RENEGOTIATE, 0, 0, 0, 60],
  ['event 255 (vendor) with AsyncVCode', AsyncEvent.VENDOR, 0xa5, 0xffff, 0xffff, 0xffff],
];
for (const [name, ev, vc, p1, p2, p3] of asyncRows) {
  add(
    `11.9.1 Async Message ${name}`,
    {
      opcode: Opcode.ASYNC_MESSAGE,
      lun: 0n,
      statSN: 100,
      expCmdSN: 101,
      maxCmdSN: 132,
      asyncEvent: ev,
      asyncVCode: vc,
      parameter1: p1,
      parameter2: p2,
      parameter3: p3,
    },
    diagrams.asyncMessage({ lun: 0n, statSN: 100, expCmdSN: 101, maxCmdSN: 132, event: ev, vcode: vc, p1, p2, p3 }),
  );
}

// Text (11.10, 11.11)
{
  const data = text('SendTargets=All\0');
  add(
    '11.10 Text Request F=1 C=0, SendTargets=All, TTT 0xffffffff, I bit',
    { opcode: Opcode.TEXT_REQUEST, immediate: true, final: true, continue: false, lun: 0n, itt: 0x600, ttt: MAX32, cmdSN: 3, expStatSN: 4, data },
    diagrams.textRequest({ immediate: true, final: true, cont: false, lun: 0n, itt: 0x600, ttt: MAX32, cmdSN: 3, expStatSN: 4, data }),
  );
  add(
    '11.10 Text Request F=0 C=1 (text continues), a TTT',
    { opcode: Opcode.TEXT_REQUEST, final: false, continue: true, lun: 0n, itt: 0x601, ttt: 0x0abc, cmdSN: 4, expStatSN: 5, data: text('X-a=') },
    diagrams.textRequest({ final: false, cont: true, lun: 0n, itt: 0x601, ttt: 0x0abc, cmdSN: 4, expStatSN: 5, data: text('X-a=') }),
  );
  const resp = text('TargetName=iqn.2024-01.org.example:t1\0TargetAddress=10.0.0.1:3260,1\0');
  add(
    '11.11 Text Response F=1, SendTargets answer',
    { opcode: Opcode.TEXT_RESPONSE, final: true, continue: false, lun: 0n, itt: 0x600, ttt: MAX32, statSN: 4, expCmdSN: 4, maxCmdSN: 35, data: resp },
    diagrams.textResponse({ final: true, cont: false, lun: 0n, itt: 0x600, ttt: MAX32, statSN: 4, expCmdSN: 4, maxCmdSN: 35, data: resp }),
  );
  add(
    '11.11 Text Response F=0 C=1 with a TTT',
    { opcode: Opcode.TEXT_RESPONSE, final: false, continue: true, lun: 0n, itt: 0x601, ttt: 0x55aa, statSN: 5, expCmdSN: 5, maxCmdSN: 36, data: text('Ta') },
    diagrams.textResponse({ final: false, cont: true, lun: 0n, itt: 0x601, ttt: 0x55aa, statSN: 5, expCmdSN: 5, maxCmdSN: 36, data: text('Ta') }),
  );
}

// Login (11.12, 11.13)
{
  const data = text('InitiatorName=iqn.2024-01.org.example:i1\0AuthMethod=None\0');
  add(
    '11.12 Login Request CSG=0 NSG=1 T=1, ISID type 01 (OUI), TSIH 0',
    {
      opcode: Opcode.LOGIN_REQUEST,
      immediate: true,
      transit: true,
      continue: false,
      csg: 0,
      nsg: 1,
      versionMax: 0,
      versionMin: 0,
      isid: 0x400001370000,
      tsih: 0,
      itt: 0,
      cid: 1,
      cmdSN: 1,
      expStatSN: 0,
      data,
    },
    diagrams.loginRequest({ T: true, C: false, csg: 0, nsg: 1, vmax: 0, vmin: 0, isid: 0x400001370000, tsih: 0, itt: 0, cid: 1, cmdSN: 1, expStatSN: 0, data }),
  );
  add(
    '11.12 Login Request C=1 (text continues), CSG=1, NSG=0 as sent when T=0',
    {
      opcode: Opcode.LOGIN_REQUEST,
      immediate: true,
      transit: false,
      continue: true,
      csg: 1,
      nsg: 0,
      versionMax: 0,
      versionMin: 0,
      isid: 0x800012345678,
      tsih: 0x1234,
      itt: 2,
      cid: 0xffff,
      cmdSN: 2,
      expStatSN: 1,
      data: text('MaxBurstLength=2'),
    },
    diagrams.loginRequest({
      T: false,
      C: true,
      csg: 1,
      nsg: 0,
      vmax: 0,
      vmin: 0,
      isid: 0x800012345678,
      tsih: 0x1234,
      itt: 2,
      cid: 0xffff,
      cmdSN: 2,
      expStatSN: 1,
      data: text('MaxBurstLength=2'),
    }),
  );
  add(
    '11.12 Login Request CSG=1 NSG=3 T=1, maximum ISID, TSIH, versions',
    {
      opcode: Opcode.LOGIN_REQUEST,
      immediate: true,
      transit: true,
      continue: false,
      csg: 1,
      nsg: 3,
      versionMax: 0xff,
      versionMin: 0xff,
      isid: 0xffffffffffff,
      tsih: 0xffff,
      itt: MAX32,
      cid: 0xffff,
      cmdSN: MAX32,
      expStatSN: MAX32,
    },
    diagrams.loginRequest({
      T: true,
      C: false,
      csg: 1,
      nsg: 3,
      vmax: 0xff,
      vmin: 0xff,
      isid: 0xffffffffffff,
      tsih: 0xffff,
      itt: MAX32,
      cid: 0xffff,
      cmdSN: MAX32,
      expStatSN: MAX32,
    }),
  );
}
const loginRespRows: Array<[string, number, string]> = [
  ['success', LoginStatus.SUCCESS, 'TargetPortalGroupTag=1\0'],
  ['0x0101 target moved temporarily, with TargetAddress', LoginStatus.TARGET_MOVED_TEMPORARILY, 'TargetAddress=192.0.2.7:3260,2\0'],
  ['0x0201 authentication failure', LoginStatus.AUTHENTICATION_FAILURE, ''],
  ['0x0203 not found', LoginStatus.NOT_FOUND, ''],
  ['0x0300 target error', LoginStatus.TARGET_ERROR, ''],
  ['0x0302 out of resources', LoginStatus.OUT_OF_RESOURCES, ''],
];
for (const [name, st, body] of loginRespRows) {
  const cls = st >> 8;
  const detail = st & 0xff;
  const data = body ? text(body) : undefined;
  const ok = st === 0;
  add(
    `11.13.5 Login Response status ${name}`,
    {
      opcode: Opcode.LOGIN_RESPONSE,
      transit: ok,
      continue: false,
      csg: 1,
      nsg: ok ? 3 : 0,
      versionMax: 0,
      versionActive: 0,
      isid: 0x400001370000,
      tsih: ok ? 0x0101 : 0,
      itt: 0x20,
      statSN: 0x1000,
      expCmdSN: 2,
      maxCmdSN: 2,
      statusClass: cls,
      statusDetail: detail,
      ...(data ? { data } : {}),
    },
    diagrams.loginResponse({
      T: ok,
      C: false,
      csg: 1,
      nsg: ok ? 3 : 0,
      vmax: 0,
      vactive: 0,
      isid: 0x400001370000,
      tsih: ok ? 0x0101 : 0,
      itt: 0x20,
      statSN: 0x1000,
      expCmdSN: 2,
      maxCmdSN: 2,
      cls,
      detail,
      ...(data ? { data } : {}),
    }),
  );
}
add(
  '11.13 Login Response C=1, CSG=0 NSG=0 (security stage continues)',
  {
    opcode: Opcode.LOGIN_RESPONSE,
    transit: false,
    continue: true,
    csg: 0,
    nsg: 0,
    versionMax: 0,
    versionActive: 0,
    isid: 0x400001370000,
    tsih: 0,
    itt: 0x21,
    statSN: 1,
    expCmdSN: 1,
    maxCmdSN: 1,
    statusClass: 0,
    statusDetail: 0,
    data: text('CHAP_A=5\0'),
  },
  diagrams.loginResponse({
    T: false,
    C: true,
    csg: 0,
    nsg: 0,
    vmax: 0,
    vactive: 0,
    isid: 0x400001370000,
    tsih: 0,
    itt: 0x21,
    statSN: 1,
    expCmdSN: 1,
    maxCmdSN: 1,
    cls: 0,
    detail: 0,
    data: text('CHAP_A=5\0'),
  }),
);

// Logout (11.14, 11.15)
for (const [name, reason] of Object.entries(LogoutReason)) {
  add(
    `11.14.1 Logout Request reason ${reason} (${name})`,
    { opcode: Opcode.LOGOUT_REQUEST, immediate: true, reason, itt: 0x300 + reason, cid: reason === 0 ? 0 : 7, cmdSN: 90, expStatSN: 91 },
    diagrams.logoutRequest({ immediate: true, reason, itt: 0x300 + reason, cid: reason === 0 ? 0 : 7, cmdSN: 90, expStatSN: 91 }),
  );
}
for (const [name, response] of Object.entries(LogoutResponseCode)) {
  const t2w = response === 0 ? 0 : 2;
  const t2r = response === 0 ? 0 : 0xffff;
  add(
    `11.15.1 Logout Response ${response} (${name}), Time2Wait ${t2w}, Time2Retain ${t2r}`,
    { opcode: Opcode.LOGOUT_RESPONSE, response, itt: 0x301, statSN: 92, expCmdSN: 91, maxCmdSN: 120, time2Wait: t2w, time2Retain: t2r },
    diagrams.logoutResponse({ response, itt: 0x301, statSN: 92, expCmdSN: 91, maxCmdSN: 120, t2w, t2r }),
  );
}

// SNACK (11.16)
const snackRows: Array<[string, number, bigint, number, number, number, number]> = [
  ['type 0 (Data/R2T): ITT, TTT 0xffffffff, BegRun, RunLength', SnackType.DATA_R2T, 1n, 0x42, MAX32, 3, 2],
  ['type 1 (Status): ITT 0xffffffff, BegRun = first StatSN', SnackType.STATUS, 0n, MAX32, MAX32, 1000, 0],
  ['type 2 (DataACK): LUN, TTT of the A-bit Data-In', SnackType.DATA_ACK, 2n, MAX32, 0x777, 9, 0],
  ['type 3 (R-Data): SNACK Tag, BegRun 0, RunLength 0', SnackType.R_DATA, 1n, 0x42, 0x51ac, 0, 0],
];
for (const [name, type, lun, itt, tag, begRun, runLength] of snackRows) {
  add(
    `11.16.1 SNACK ${name}`,
    { opcode: Opcode.SNACK_REQUEST, type, lun, itt, tttOrSnackTag: tag, expStatSN: 55, begRun, runLength },
    diagrams.snack({ type, lun, itt, tag, expStatSN: 55, begRun, runLength }),
  );
}

// Reject (11.17)
{
  const rejected = diagrams.nopOut({ immediate: true, lun: 0n, itt: 0x11223344, ttt: MAX32, cmdSN: 5, expStatSN: 7 });
  add(
    '11.17 Reject "Invalid PDU field" carrying the rejected 48-byte header as data',
    { opcode: Opcode.REJECT, reason: RejectReason.INVALID_PDU_FIELD, statSN: 8, expCmdSN: 6, maxCmdSN: 37, dataSNOrR2TSN: 0, data: rejected },
    diagrams.reject({ reason: 0x09, statSN: 8, expCmdSN: 6, maxCmdSN: 37, sn: 0, data: rejected }),
  );
  add(
    '11.17.1 Reject "Protocol Error" with DataSN/R2TSN',
    { opcode: Opcode.REJECT, reason: RejectReason.PROTOCOL_ERROR, statSN: 1, expCmdSN: 2, maxCmdSN: 3, dataSNOrR2TSN: 0x44, data: rejected },
    diagrams.reject({ reason: 0x04, statSN: 1, expCmdSN: 2, maxCmdSN: 3, sn: 0x44, data: rejected }),
  );
}
for (const [name, reason] of Object.entries(RejectReason)) {
  add(
    `11.17.1 Reject reason 0x${reason.toString(16)} (${name})`,
    { opcode: Opcode.REJECT, reason, statSN: MAX32, expCmdSN: MAX32, maxCmdSN: MAX32, dataSNOrR2TSN: MAX32 },
    diagrams.reject({ reason, statSN: MAX32, expCmdSN: MAX32, maxCmdSN: MAX32, sn: MAX32 }),
  );
}

// ---------------------------------------------------------------------------------------------

describe('protocol/iscsi PDU codec (RFC 7143 section 11)', () => {
  describe('generate: encode(object) equals the bytes written from the RFC diagram', () => {
    for (const r of rows) {
      it(r.name, () => assert.equal(encodePdu(r.pdu).toString('hex'), r.wire.toString('hex')));
    }
  });

  describe('parse: decode(hand-built bytes) deep-equals the object', () => {
    for (const r of rows) {
      it(r.name, () => {
        const { header, data } = splitPdu(r.wire);
        assert.deepStrictEqual(decodePdu(header, data), asDecoded(r.decoded ?? r.pdu));
        // And through the streaming parser, which also strips the padding.
        assert.deepStrictEqual(parseAll(r.wire), [asDecoded(r.decoded ?? r.pdu)]);
      });
    }
  });

  describe('mirror: decode(encode(object)) deep-equals the object', () => {
    for (const r of rows) {
      it(r.name, () => assert.deepStrictEqual(parseAll(encodePdu(r.pdu)), [asDecoded(r.decoded ?? r.pdu)]));
    }
  });

  it('covers every opcode of RFC 7143 11.1.1 in both directions', () => {
    const seen = new Set(rows.map((r) => r.pdu.opcode));
    for (const op of Object.values(Opcode)) assert.ok(seen.has(op), `no row for opcode 0x${op.toString(16)}`);
  });

  it('11.12: a Login Request carries the I bit (byte 0 = 0x43) even when the object omits it', () => {
    const pdu: Pdu = {
      opcode: Opcode.LOGIN_REQUEST,
      transit: true,
      continue: false,
      csg: 0,
      nsg: 1,
      versionMax: 0,
      versionMin: 0,
      isid: 0x400001370000,
      tsih: 0,
      itt: 0,
      cid: 0,
      cmdSN: 0,
      expStatSN: 0,
    };
    assert.equal(encodePdu(pdu)[0], 0x43);
    // A negative test may still send it without, by saying so.
    assert.equal(encodePdu({ ...pdu, immediate: false })[0], 0x03);
  });

  it('11.2.2: decodes the bidirectional AHS before the Extended CDB AHS as well', () => {
    const cdb = bytes(20, 0x50);
    const b = diagrams.scsiCommand({
      final: true,
      read: true,
      write: true,
      attr: 0,
      lun: 0n,
      itt: 1,
      edtl: 0,
      cmdSN: 0,
      expStatSN: 0,
      cdb,
      ahs: [bidiAhs(77), extCdbAhs(cdb)],
    });
    const pdu = decodePdu(splitPdu(b).header);
    assert.deepStrictEqual((pdu as { cdb: Buffer }).cdb, cdb);
    assert.equal((pdu as { bidiReadLength?: number }).bidiReadLength, 77);
  });

  it('an undefined opcode (vendor 0x1c) decodes to an UnknownPdu kept whole, and re-encodes to the same bytes', () => {
    const b = bhsStart({ opcode: 0x1c, immediate: true, byte1: 0x81, byte2: 2, byte3: 3, dsl: 3 })
      .u64(9n)
      .u32(0x12345678)
      .hex('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c')
      .at(48)
      .append(bytes(3))
      .pad4()
      .build();
    const [pdu] = parseAll(b);
    assert.ok(pdu && 'unknown' in pdu);
    assert.equal(pdu.opcode, 0x1c);
    assert.equal(pdu.itt, 0x12345678);
    assert.equal(pdu.immediate, true);
    assert.equal(pdu.bhs.toString('hex'), b.subarray(0, 48).toString('hex'));
    assert.deepStrictEqual(pdu.data, bytes(3));
    assert.equal(encodePdu(pdu).toString('hex'), b.toString('hex'));
  });

  describe('E_RANGE: values that do not fit their field are refused, never truncated', () => {
    const nop = { opcode: Opcode.NOP_OUT, lun: 0n, itt: 0, ttt: 0, cmdSN: 0, expStatSN: 0 } as const;
    const tmf = {
      opcode: Opcode.TASK_MGMT_REQUEST,
      function: 1,
      lun: 0n,
      itt: 0,
      referencedTaskTag: 0,
      cmdSN: 0,
      expStatSN: 0,
      refCmdSN: 0,
      expDataSN: 0,
    } as const;
    const login = {
      opcode: Opcode.LOGIN_REQUEST,
      immediate: true,
      transit: false,
      continue: false,
      csg: 0,
      nsg: 0,
      versionMax: 0,
      versionMin: 0,
      isid: 0,
      tsih: 0,
      itt: 0,
      cid: 0,
      cmdSN: 0,
      expStatSN: 0,
    } as const;
    const cmd = {
      opcode: Opcode.SCSI_COMMAND,
      final: true,
      read: false,
      write: false,
      attr: 0,
      lun: 0n,
      itt: 0,
      expectedDataTransferLength: 0,
      cmdSN: 0,
      expStatSN: 0,
      cdb: Buffer.alloc(16),
    } as const;
    const cases: Array<[string, AnyPdu]> = [
      ['u32 ITT 2^32', { ...nop, itt: 2 ** 32 }],
      ['u32 ITT -1', { ...nop, itt: -1 }],
      ['u32 ITT 1.5', { ...nop, itt: 1.5 }],
      ['u32 CmdSN NaN', { ...nop, cmdSN: NaN }],
      ['u64 LUN 2^64', { ...nop, lun: 2n ** 64n }],
      ['u64 LUN -1', { ...nop, lun: -1n }],
      ['ATTR 8 (3 bits)', { ...cmd, attr: 8 }],
      ['TMF function 128 (7 bits)', { ...tmf, function: 128 }],
      ['TMF function 2^32 (must not wrap to 0)', { ...tmf, function: 2 ** 32 }],
      ['TMF function 2^32+1 (must not wrap to 1)', { ...tmf, function: 2 ** 32 + 1 }],
      ['TMF function -1', { ...tmf, function: -1 }],
      ['Login CSG 4 (2 bits)', { ...login, csg: 4 }],
      ['Login NSG 4 (2 bits)', { ...login, nsg: 4 }],
      ['Login ISID 2^48', { ...login, isid: 2 ** 48 }],
      ['Login TSIH 0x10000', { ...login, tsih: 0x10000 }],
      ['Login CID 0x10000', { ...login, cid: 0x10000 }],
      ['Login Version-max 256', { ...login, versionMax: 256 }],
      ['SNACK type 16 (4 bits)', { opcode: Opcode.SNACK_REQUEST, type: 16, lun: 0n, itt: 0, tttOrSnackTag: 0, expStatSN: 0, begRun: 0, runLength: 0 }],
      ['Logout reason 128 (7 bits)', { opcode: Opcode.LOGOUT_REQUEST, reason: 128, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }],
      [
        'Logout Response Time2Wait 0x10000',
        { opcode: Opcode.LOGOUT_RESPONSE, response: 0, itt: 0, statSN: 0, expCmdSN: 0, maxCmdSN: 0, time2Wait: 0x10000, time2Retain: 0 },
      ],
      ['SCSI Response status 256', { ...respObj({}), status: 256 } as AnyPdu],
      [
        'Async Parameter1 0x10000',
        {
          opcode: Opcode.ASYNC_MESSAGE,
          lun: 0n,
          statSN: 0,
          expCmdSN: 0,
          maxCmdSN: 0,
          asyncEvent: 0,
          asyncVCode: 0,
          parameter1: 0x10000,
          parameter2: 0,
          parameter3: 0,
        },
      ],
      ['bidirectional read length 2^32 (must not wrap to 0)', { ...cmd, bidiReadLength: 2 ** 32 }],
      ['bidirectional read length -1', { ...cmd, bidiReadLength: -1 }],
      ['AHS-Specific of 0x10000 bytes (AHSLength is 16 bits)', { ...nop, ahs: [{ type: 60, specific: Buffer.alloc(0x10000) }] }],
      [
        'AHS total over 255 words (TotalAHSLength is 8 bits)',
        {
          ...nop,
          ahs: [
            { type: 60, specific: Buffer.alloc(600) },
            { type: 61, specific: Buffer.alloc(600) },
          ],
        },
      ],
      ['a CDB too long for TotalAHSLength', { ...cmd, cdb: Buffer.alloc(16 + 1020) }],
      ['data segment of 2^24 bytes (DataSegmentLength is 24 bits)', { ...nop, data: Buffer.alloc(0x1000000) }],
      ['an opcode with no field table and no bhs', { opcode: 0x1c, itt: 0 } as unknown as AnyPdu],
    ];
    for (const [name, pdu] of cases) {
      it(name, () =>
        assert.throws(
          () => encodePdu(pdu),
          (e: unknown) => IscsiError.is(e, 'E_RANGE'),
        ),
      );
    }
    it('a negative DataSegmentLength given to encodeHeader', () =>
      assert.throws(
        () => encodeHeader(nop, -1),
        (e: unknown) => IscsiError.is(e, 'E_RANGE'),
      ));
    it('the largest values that do fit are accepted (24-bit DataSegmentLength, 255 AHS words)', () => {
      assert.equal(encodeHeader(nop, 0xffffff).readUIntBE(5, 3), 0xffffff);
      const h = encodeHeader({ ...nop, ahs: [{ type: 60, specific: Buffer.alloc(1017) }] });
      assert.equal(h[4], 255);
      assert.equal(h.length, 48 + 1020);
    });
  });

  describe('decode errors are ISCSI_E_PROTOCOL', () => {
    const good = diagrams.scsiCommand({
      final: true,
      read: false,
      write: false,
      attr: 0,
      lun: 0n,
      itt: 1,
      edtl: 0,
      cmdSN: 0,
      expStatSN: 0,
      cdb: bytes(32),
      ahs: [extCdbAhs(bytes(32))],
    });
    const cases: Array<[string, Buffer]> = [
      ['a header shorter than 48 bytes', good.subarray(0, 47)],
      ['TotalAHSLength larger than the AHS present', good.subarray(0, 60)],
      ['an AHSLength running past TotalAHSLength', Buffer.from(good).fill(0xff, 48, 50)],
    ];
    for (const [name, header] of cases) {
      it(name, () =>
        assert.throws(
          () => decodePdu(header),
          (e: unknown) => IscsiError.is(e, 'ISCSI_E_PROTOCOL'),
        ),
      );
    }
  });

  describe('raw field edits and description', () => {
    it('setField/getField address the RFC position of a named field', () => {
      const h = encodeHeader({
        opcode: Opcode.R2T,
        lun: 0n,
        itt: 1,
        ttt: 2,
        statSN: 3,
        expCmdSN: 4,
        maxCmdSN: 5,
        r2tSN: 6,
        bufferOffset: 7,
        desiredDataTransferLength: 8,
      });
      setField(h, 'desiredDataTransferLength', 0xdeadbeef);
      assert.equal(h.subarray(44, 48).toString('hex'), 'deadbeef');
      assert.equal(getField(h, 'r2tSN'), 6);
      setField(h, 'lun', 0x0102030405060708n);
      assert.equal(h.subarray(8, 16).toString('hex'), '0102030405060708');
      assert.throws(
        () => setField(h, 'noSuchField', 1),
        (e: unknown) => IscsiError.is(e, 'E_RANGE'),
      );
      assert.throws(
        () => getField(h, 'cdb'),
        (e: unknown) => IscsiError.is(e, 'E_RANGE'),
      );
      assert.throws(
        () => setField(h, 'itt', 2 ** 32),
        (e: unknown) => IscsiError.is(e, 'E_RANGE'),
      );
    });
    it('describePdu names the PDU and its fields', () => {
      const s = describePdu({ opcode: Opcode.NOP_OUT, immediate: true, lun: 0n, itt: 0x10, ttt: MAX32, cmdSN: 5, expStatSN: 6, data: bytes(3) });
      assert.match(s, /^NOP-Out \(I\)/);
      assert.match(s, /itt=0x00000010/);
      assert.match(s, /ttt=0xffffffff/);
      assert.match(s, /cmdSN=5/);
      assert.match(s, /data=3/);
    });
    it('expectOpcode narrows, or throws ISCSI_E_PROTOCOL naming both opcodes', () => {
      const [nopIn] = parseAll(diagrams.nopIn({ lun: 0n, itt: 1, ttt: MAX32, statSN: 0, expCmdSN: 0, maxCmdSN: 0 }));
      assert.equal(expectOpcode(nopIn!, Opcode.NOP_IN, 'ping').opcode, Opcode.NOP_IN);
      assert.throws(
        () => expectOpcode(nopIn!, Opcode.LOGIN_RESPONSE, 'login'),
        (e: unknown) => IscsiError.is(e, 'ISCSI_E_PROTOCOL') && /Login Response/.test(e.message) && /NOP-In/.test(e.message),
      );
    });
  });
});
