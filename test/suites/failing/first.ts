/** Defects for the first suites: SPC basics, READ/WRITE at every CDB size, the iSCSI family. */
import { Asc, encodeLun, Op, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, INVALID_CDB, isModeSense, isRc16, isStdInquiry, isVpd, pageByte, type Cases } from './_support.js';

const RW: Record<string, number> = {
  Read10: Op.READ_10,
  Read12: Op.READ_12,
  Read16: Op.READ_16,
  Write10: Op.WRITE_10,
  Write12: Op.WRITE_12,
  Write16: Op.WRITE_16,
};

const CASES: Cases = {
  'TestUnitReady.Simple': {
    rules: () => [{ match: (c) => c[0] === Op.TEST_UNIT_READY, reply: () => CC(SenseKey.NOT_READY, Asc.LOGICAL_UNIT_NOT_READY_CAUSE_NOT_REPORTABLE) }],
    message: /TEST UNIT READY: expected GOOD, got CHECK CONDITION NOT READY/,
  },
  'Inquiry.Standard': {
    rules: () => [{ match: isStdInquiry, dataIn: (d) => ((d[3] = (d[3]! & 0xf0) | 0x01), d) }],
    message: /RESPONSE DATA FORMAT: expected 2, got 1/,
  },
  'Inquiry.AllocLength': {
    rules: () => [{ match: (c) => isStdInquiry(c) && c.readUInt16BE(3) === 100, dataIn: (d) => ((d[9] = 0x21), d) }],
    message: /ALLOC=100 returned data that differs/,
  },
  'Inquiry.EVPD': {
    rules: () => [{ match: (c) => isStdInquiry(c) && c[2] === 1, reply: () => ({ status: 0, data: Buffer.alloc(36) }) }],
    message: /expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'Inquiry.MandatoryVPDSBC': {
    rules: () => [{ match: isVpd(0x83), reply: INVALID_CDB }],
    message: /PAGE=0x83 .*expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  'Inquiry.SupportedVPD': {
    rules: () => [{ match: isVpd(0xb1), dataIn: (d) => ((d[1] = 0xb9), d) }],
    message: /PAGE CODE of VPD page 0xb1: expected 177, got 185/,
  },
  'Inquiry.VPDPageCodesSorted': { quirks: ['bad-vpd-sorting'], message: /not in ascending order/ },
  'Inquiry.BlockLimits': { rules: () => [{ match: isVpd(0xb0), dataIn: (d) => ((d[3] = 0x10), d) }], message: /bytes returned versus PAGE LENGTH \+ 4/ },
  'Inquiry.VersionDescriptors': { quirks: ['short-inquiry'], verdict: 'warn', message: /claims no version of SPC/ },
  'ModeSense6.AllPages': {
    rules: () => [{ match: isModeSense(0x3f), dataIn: (d) => ((d[0] = d[0]! + 8), d) }],
    message: /bytes returned versus MODE DATA LENGTH \+ 1/,
  },
  'ModeSense6.Control': {
    rules: () => [{ match: isModeSense(0x0a), dataIn: (d) => ((d[pageByte(d, 2)] = d[pageByte(d, 2)]! | 0xe0), d) }],
    message: /TST 7 is reserved/,
  },
  'ModeSense6.Control-D_SENSE': {
    rules: () => [{ match: isModeSense(0x0a), dataIn: (d) => ((d[pageByte(d, 2)] = d[pageByte(d, 2)]! ^ 0x04), d) }],
    message: /sense data format with D_SENSE=1 \(RESPONSE CODE 0x70\): expected "descriptor", got "fixed"/,
  },
  'ModeSense6.Control-SWP': { quirks: ['wp-ignored'], message: /WRITE\(10\) LBA=0 LEN=1: expected CHECK CONDITION DATA PROTECT\/WRITE PROTECTED.*got GOOD/ },
  'ModeSense6.Residuals': { quirks: ['wrong-residual'], message: /residual/ },
  'Read6.Simple': {
    quirks: ['readcap-off-by-one'],
    message: /READ\(6\) LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE/,
  },
  'Read6.BeyondEol': {
    quirks: ['no-lba-range-check'],
    message: /READ\(6\) LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  'Read6.TransferLength256': {
    rules: () => [{ match: (c) => c[0] === Op.READ_6 && c[4] === 0, reply: () => ({ status: 0, data: Buffer.alloc(8 * 512) }) }],
    message: /TRANSFER LENGTH 0: bytes of Data-In: expected 131072, got 4096/,
  },
  'ReadCapacity10.Simple': {
    quirks: ['readcap-off-by-one'],
    message: /READ\(10\) LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE/,
  },
  'ReadCapacity16.Simple': { quirks: ['readcap-off-by-one'], message: /READ\(16\) LBA=131072 LEN=1: expected GOOD/ },
  // One past the last LBA readable: the capacity claim is wrong. Refused without sense data: a defect that
  // Read10/16.BeyondEol report, not this test (one defect, one failure).
  'ReadCapacity10.Simple (next LBA readable)': {
    rules: () => [{ match: (c) => c[0] === Op.READ_10 && c.readUInt32BE(2) === 131072, reply: () => ({ status: 0, data: Buffer.alloc(512) }) }],
    message: /READ\(10\) LBA=131072 LEN=1 \(one past the last LBA: not readable\): expected CHECK CONDITION, got GOOD/,
  },
  'ReadCapacity16.Simple (next LBA readable)': {
    rules: () => [{ match: (c) => c[0] === Op.READ_16 && c.readBigUInt64BE(2) === 131072n, reply: () => ({ status: 0, data: Buffer.alloc(512) }) }],
    message: /READ\(16\) LBA=131072 LEN=1 \(one past the last LBA: not readable\): expected CHECK CONDITION, got GOOD/,
  },
  'ReadCapacity10.Simple (past the end without sense)': {
    verdict: 'pass',
    rules: () => [{ match: (c) => c[0] === Op.READ_10 && c.readUInt32BE(2) === 131072, reply: () => ({ status: 2 }) }],
  },
  'ReadCapacity16.Simple (past the end without sense)': {
    verdict: 'pass',
    rules: () => [{ match: (c) => c[0] === Op.READ_16 && c.readBigUInt64BE(2) === 131072n, reply: () => ({ status: 2 }) }],
  },
  'ReadCapacity16.Alloclen': {
    rules: () => [{ match: (c) => isRc16(c) && c.readUInt32BE(10) < 16, reply: INVALID_CDB }],
    message: /ALLOC=0: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  'ReadCapacity16.PI': {
    rules: () => [{ match: isRc16, dataIn: (d) => ((d[12] = d[12]! | 0x01), d) }],
    message: /PROT_EN without PROTECT: expected false, got true/,
  },
  'ReadCapacity16.Support': {
    rules: () => [{ match: isRc16, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE) }],
    message: /READ CAPACITY\(16\) is mandatory/,
  },
  'ReportLUNs.Simple': {
    rules: () => [{ match: (c) => c[0] === Op.REPORT_LUNS, dataIn: (d, _c, off) => (off === 0 && d.length >= 16 ? (encodeLun(5).copy(d, 8), d) : d) }],
    message: /lists 5(, [0-9]+)* but not LUN 0/,
  },
  'ReportLUNs.SelectReport': {
    rules: () => [{ match: (c) => c[0] === Op.REPORT_LUNS && c[2] === 5, reply: () => ({ status: 0, data: Buffer.alloc(16) }) }],
    message: /SELECT=5 .*got GOOD/,
  },
  'iSCSIcmdsn.iSCSICmdSnTooHigh': {
    quirks: ['cmdsn-window-ignored'],
    message: /CmdSN \d+ \(MaxCmdSN \+ 1\), which must be silently ignored: expected no answer within 3 s, got SCSI Response/,
  },
  'iSCSIcmdsn.iSCSICmdSnTooLow': {
    quirks: ['cmdsn-window-ignored'],
    message: /CmdSN \d+ \(ExpCmdSN - 1\), which must be silently ignored: expected no answer within 3 s, got SCSI Response/,
  },
  'iSCSIDigests.HeaderDigest': { rules: () => [{ match: isStdInquiry, corruptHeaderDigest: true }], message: /header digest/i },
  'iSCSIDigests.DataDigest': { rules: () => [{ match: isStdInquiry, corruptDataDigest: true }], message: /data digest/i },
  'iSCSILogin.UnknownKey': { quirks: ['login-unknown-key-silent'], message: /did not answer X-org\.iscsi-test\.Probe/ },
  'iSCSILogin.RepeatedKey': {
    quirks: ['login-repeated-key-ok'],
    message: /a login whose first request sent SessionType twice: expected Login Response status class 0x02, got the login accepted/,
  },
  'iSCSINegotiation.MaxRecvDataSegmentLength': {
    quirks: ['mrdsl-ignored'],
    message: /DataSegmentLength \d+ exceeds MaxRecvDataSegmentLength 512|MaxRecvDataSegmentLength=512 declared, the target sent SCSI Data-In/,
  },
  'iSCSINegotiation.MaxRecvDataSegmentLength4K': {
    quirks: ['mrdsl-ignored'],
    message: /DataSegmentLength \d+ exceeds MaxRecvDataSegmentLength 4096|MaxRecvDataSegmentLength=4096 declared/,
  },
  'iSCSINop.Simple': { quirks: ['nop-no-echo'], message: /NOP-In echoed 0 bytes/ },
  'iSCSISendTargets.Simple': { quirks: ['sendtargets-empty'], message: /did not name iqn\.2026-11\.org\.iscsi-test:selftest/ },
};

// The READ/WRITE sizes share their bodies; each still gets its own defect.
for (const s of ['Read10', 'Read12', 'Read16', 'Write10', 'Write12', 'Write16']) {
  const w = s.startsWith('Write');
  const op = RW[s]!;
  const cmd = `${w ? 'WRITE' : 'READ'}\\(${s.slice(-2)}\\)`;
  CASES[`${s}.Simple`] = {
    quirks: ['readcap-off-by-one'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE`),
  };
  CASES[`${s}.BeyondEol`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=\\d+ LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.ZeroBlocks`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.${w ? 'WriteProtect' : 'ReadProtect'}`] = {
    rules: () => [{ match: (c) => c[0] === op && (c[1]! & 0xe0) !== 0, reply: () => ({ status: 0, ...(w ? {} : { data: Buffer.alloc(512) }) }) }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 ${w ? 'WR' : 'RD'}PROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.DpoFua`] = {
    rules: () => [{ match: (c) => c[0] === op && (c[1]! & 0x18) !== 0, reply: INVALID_CDB }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`),
  };
  CASES[`${s}.MaxTransferLength`] = {
    quirks: ['no-transfer-length-limit'],
    message: /expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  };
}

export default CASES;
