/**
 * Defects for the checks the strictness audit (issue 11) re-levelled: each shows the new verdict — a warning
 * where the standard says nothing stronger than "should", a skip where another test owns the defect.
 */
import { Asc, encodeDeviceIdentification, Op, parseDeviceIdentification, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, INVALID_CDB, isRc16, isStdInquiry, isVpd, type Cases } from './_support.js';

/** A protection field (bits 7-5 of CDB byte 1) of 001b-101b: passed on with the field cleared, so the target processes the command. */
const pi1to5 = (op: number) => (c: Buffer) => c[0] === op && c[1]! >> 5 >= 1 && c[1]! >> 5 <= 5;
const clearPi = (c: Buffer) => Buffer.from([c[0]!, c[1]! & 0x1f, ...c.subarray(2)]);

/** REPORT SUPPORTED OPERATION CODES, one command, for operation code `op`. */
const isRsocFor = (op: number) => (c: Buffer) => c[0] === Op.MAINTENANCE_IN && (c[1]! & 0x1f) === 0x0c && c[3] === op;

/** A T10 vendor ID based logical unit designator (type 1h) in binary code set 1h, added to the Device Identification page. */
const t10Binary = { protocolIdentifier: 0, codeSet: 1, piv: false, association: 0, designatorType: 1, designator: Buffer.from('ISCSITST\x00\x01\x02\x03') };

/** PERSISTENT RESERVE IN REPORT CAPABILITIES. */
const isPrinRc = (c: Buffer) => c[0] === Op.PERSISTENT_RESERVE_IN && (c[1]! & 0x1f) === 0x02;

/** GET LBA STATUS (SERVICE ACTION IN (16), service action 12h). */
const isGls = (c: Buffer) => c[0] === Op.SERVICE_ACTION_IN_16 && (c[1]! & 0x1f) === 0x12;
/** Every LBA status descriptor's PROVISIONING STATUS 0h (mapped or unknown) rewritten as 3h (mapped), which SBC-4 has for report types other than 00h. */
const mappedAs3 = (d: Buffer, _c: Buffer, off: number) => {
  if (off === 0) for (let at = 8 + 12; at < d.length; at += 16) if ((d[at]! & 0x0f) === 0) d[at] = (d[at]! & 0xf0) | 3;
  return d;
};

/** INQUIRY with EVPD 0 and a PAGE CODE: refused with CHECK CONDITION, here without sense data. */
const inquiryPageWithoutEvpd = (c: Buffer) => isStdInquiry(c) && c[2] !== 0;

/**
 * A Control mode page kept per I_T nexus, as the other nexus sees it: after a MODE SELECT (6), MODE SENSE (6) of the Control page answers with
 * D_SENSE flipped back (the test reads the new value on the nexus that changed it only through its own MODE SELECT), and no unit attention.
 */
function perNexusControlPage() {
  let selected = false;
  return [
    { match: (c: Buffer) => (c[0] === Op.MODE_SELECT_6 && (selected = true), false) },
    {
      match: (c: Buffer) => selected && c[0] === Op.MODE_SENSE_6 && (c[2]! & 0x3f) === 0x0a && c[2]! >> 6 === 0,
      dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length > 4 + d[3]! + 2 && (d[4 + d[3]! + 2] = d[4 + d[3]! + 2]! ^ 0x04), d),
      times: 1,
    },
  ];
}

const CASES: Cases = {
  // the Control page kept per I_T nexus: the other nexus still reads the old D_SENSE, so no MODE PARAMETERS CHANGED is due
  'UnitAttention.ModeParametersChanged (per I_T nexus policy)': {
    quirks: ['no-mode-change-ua'],
    rules: perNexusControlPage,
    verdict: 'skip',
    message: /the Control mode page has a per I_T nexus policy, so no unit attention is due/,
  },
  // MAXIMUM UNMAP LBA COUNT 1 on a LU without UNMAP (LBPU 0): 0 only "indicates" the command is not implemented
  'Inquiry.BlockLimits (unmap limit without UNMAP)': {
    rules: () => [{ match: isVpd(0xb0), dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length >= 24 && d.writeUInt32BE(1, 20), d) }],
    verdict: 'warn',
    message: /MAXIMUM UNMAP LBA COUNT is 1 without UNMAP support \(LBPU=0\), not 0/,
  },
  // CHECK CONDITION without sense data: iSCSIAutosense.CheckCondition fails for it ...
  'iSCSIAutosense.CheckCondition': {
    rules: () => [{ match: inquiryPageWithoutEvpd, reply: () => ({ status: 2 }) }],
    message: /INQUIRY EVPD=0 PAGE=01h: CHECK CONDITION without sense data \(SenseLength 0\)/,
  },
  // ... and a test that looks for a particular sense key skips, naming it (one defect, one failure)
  'Inquiry.EVPD (CHECK CONDITION without sense data)': {
    rules: () => [{ match: inquiryPageWithoutEvpd, reply: () => ({ status: 2 }) }],
    verdict: 'skip',
    message: /CHECK CONDITION without sense data, so its sense key and code cannot be judged \(iSCSIAutosense.CheckCondition checks/,
  },
  // READ CAPACITY (16) with ALLOCATION LENGTH 0 refused with INVALID FIELD IN CDB and no field pointer: the command is implemented (the
  // other lengths are answered, REPORT SUPPORTED OPERATION CODES lists it), so this is a refused field, a failure, not a reason to skip
  'ReadCapacity16.Alloclen (ALLOCATION LENGTH 0 refused, no field pointer)': {
    rules: () => [{ match: (c: Buffer) => isRc16(c) && c.readUInt32BE(10) === 0, reply: INVALID_CDB }],
    message: /READ CAPACITY\(16\).*expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  // PROVISIONING STATUS 3h (mapped) answering REPORT TYPE 00h: SBC-4 allows 3h only for the other report types
  'GetLBAStatus.Simple (PROVISIONING STATUS 3h for REPORT TYPE 00h)': {
    rules: () => [{ match: isGls, dataIn: mappedAs3 }],
    message: /PROVISIONING STATUS 3h \(mapped\), which SBC-4 does not allow for REPORT TYPE 00h/,
  },
  // LOGICAL UNIT RESET answered "Function rejected": iSCSITMF.LUNResetSimpleAsync fails for that; a test that needs the reset skips
  'Reserve6.LUNReset (LOGICAL UNIT RESET rejected)': {
    quirks: ['tmf-lun-reset-rejected'],
    verdict: 'skip',
    message: /not Function complete \(iSCSITMF.LUNResetSimpleAsync checks that answer\)/,
  },
  // a command the reservation table lists as allowed (REPORT LUNS) answered RESERVATION CONFLICT: "should complete normally"
  'ProutReserve.CommandsWE (an allowed command conflicts)': {
    rules: () => [{ match: (c: Buffer) => c[0] === Op.REPORT_LUNS && c.readUInt32BE(6) === 256, reply: () => ({ status: 0x18 }) }],
    verdict: 'warn',
    message: /REPORT LUNS from an unregistered nexus under WRITE EXCLUSIVE: RESERVATION CONFLICT, though the reservation table lists the command as allowed/,
  },
  // TMV set with an empty type mask: the mask indicates the supported types, and no sentence requires one
  'PrinReportCapabilities.Simple (TMV=1, no type)': {
    rules: () => [{ match: isPrinRc, dataIn: (d: Buffer) => (d.length >= 6 && ((d[3] = d[3]! | 0x80), d.writeUInt16BE(0, 4)), d) }],
    verdict: 'warn',
    message: /TMV=1 but the type mask names no reservation type/,
  },
  // EXCLUSIVE ACCESS left out of the type mask: the tests that need it skip, an optional type is no defect of theirs
  'ProutClear.UnitAttention (EXCLUSIVE ACCESS not supported)': {
    rules: () => [{ match: isPrinRc, dataIn: (d: Buffer) => (d.length >= 6 && ((d[3] = d[3]! | 0x80), (d[4] = d[4]! & ~0x08)), d) }],
    verdict: 'skip',
    message: /does not support reservation type EXCLUSIVE ACCESS/,
  },
  // AERC set in standard INQUIRY data of an SPC-5 device: an obsolete bit, which no sentence requires to be zero
  'Inquiry.Standard (obsolete AERC set)': {
    rules: () => [{ match: isStdInquiry, dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length > 3 && (d[3] = d[3]! | 0x80), d) }],
    verdict: 'warn',
    message: /AERC \(byte 3 bit 7\) is set, but it is obsolete/,
  },
  // a T10 vendor ID based designator in CODE SET 1h (binary): SPC fixes no CODE SET for designator type 1h
  'InquiryVPD83.DesignatorFormats (T10 vendor ID based, binary)': {
    rules: () => [
      {
        match: isVpd(0x83),
        dataIn: (d: Buffer, _c: Buffer, off: number) =>
          off === 0 ? encodeDeviceIdentification({ designators: [...parseDeviceIdentification(d).designators, t10Binary] }) : d,
      },
    ],
    verdict: 'warn',
    message: /a T10 vendor ID based designator has CODE SET 2h, got 1h/,
  },
  // SELECT REPORT 00h answered as 02h, so it lists the REPORT LUNS well known logical unit: no sentence forbids that
  'ReportLUNsSelect.WellKnownSplit (00h lists the well known LU)': {
    rules: () => [
      { match: (c: Buffer) => c[0] === Op.REPORT_LUNS && c[2] === 0, rewriteCdb: (c: Buffer) => Buffer.from([c[0]!, c[1]!, 0x02, ...c.subarray(3)]) },
    ],
    verdict: 'warn',
    message: /SELECT REPORT 00h lists the well known logical unit c101000000000000/,
  },
  // every POWER CONDITION refused: the field is not supported, which SBC-4 allows
  'StartStopUnit.PwrCnd (POWER CONDITION not supported)': {
    rules: () => [{ match: (c: Buffer) => c[0] === Op.START_STOP_UNIT && c[4]! >> 4 !== 0, reply: INVALID_CDB }],
    verdict: 'skip',
    message: /every POWER CONDITION value was refused with INVALID FIELD IN CDB/,
  },
  // DPOFUA is set and READ (10) takes DPO and FUA, but its usage data shows neither: an ignored bit may be 0
  'Read10.DpoFua (usage data without DPO and FUA)': {
    rules: () => [{ match: isRsocFor(Op.READ_10), dataIn: (d: Buffer) => (d.length > 5 && (d[5] = d[5]! & ~0x18), d) }],
    verdict: 'warn',
    message: /READ\(10\) CDB usage data byte 1 DPO bit is 0 though DPOFUA is set/,
  },
  // WRITE ATOMIC (16) answered as not implemented while the Block Limits page keeps its atomic limits
  'WriteAtomic16.VPD (atomic limits without the command)': {
    rules: () => [{ match: (c: Buffer) => c[0] === Op.WRITE_ATOMIC_16, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE) }],
    verdict: 'warn',
    message: /MAXIMUM ATOMIC TRANSFER LENGTH is \d+, but the device server does not implement WRITE ATOMIC \(16\)/,
  },
  // RDPROTECT/WRPROTECT 001b-101b taken on a LU without protection information support (INQUIRY PROTECT=0): "should" refuse
  'Read10.ReadProtect (PROTECT=0, values 1 to 5 accepted)': {
    rules: () => [{ match: pi1to5(Op.READ_10), rewriteCdb: clearPi }],
    verdict: 'warn',
    message: /READ\(10\) LBA=0 LEN=1 with RDPROTECT 1, 2, 3, 4, 5 completed with GOOD/,
  },
  'Write10.WriteProtect (PROTECT=0, values 1 to 5 accepted)': {
    rules: () => [{ match: pi1to5(Op.WRITE_10), rewriteCdb: clearPi }],
    verdict: 'warn',
    message: /WRITE\(10\) LBA=0 LEN=1 with WRPROTECT 1, 2, 3, 4, 5 completed with GOOD/,
  },
  // READ CAPACITY (16) not implemented: ReadCapacity16.Support fails (first.ts); the tests of its data skip, naming it
  'ReadCapacity16.Simple (not implemented)': {
    rules: () => [{ match: isRc16, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE) }],
    verdict: 'skip',
    message: /READ CAPACITY \(16\) is not implemented \(ReadCapacity16.Support checks that\)/,
  },
};

export default CASES;
