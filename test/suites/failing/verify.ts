/**
 * Defects for VERIFY (10/12/16), WRITE AND VERIFY (10/12/16), ORWRITE, COMPARE AND WRITE, WRITE ATOMIC (16),
 * and Read10.Async / Write10.Async.
 */
import { Asc, Op, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, INVALID_CDB, isVpd, type Cases } from './_support.js';

const GOOD = () => ({ status: 0 });
const MISCOMPARE = () => CC(SenseKey.MISCOMPARE, Asc.MISCOMPARE_DURING_VERIFY);
const bytchk = (c: Buffer) => (c[1]! >> 1) & 3;
const protect = (c: Buffer) => (c[1]! & 0xe0) !== 0;

const CASES: Cases = {};

for (const [size, op] of [
  ['10', Op.VERIFY_10],
  ['12', Op.VERIFY_12],
  ['16', Op.VERIFY_16],
] as const) {
  const s = `Verify${size}`;
  const cmd = `VERIFY\\(${size}\\)`;
  const is = (c: Buffer) => c[0] === op;
  CASES[`${s}.Simple`] = {
    rules: () => [{ match: (c) => is(c) && bytchk(c) === 1, reply: MISCOMPARE }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=1: expected GOOD, got CHECK CONDITION MISCOMPARE`),
  };
  CASES[`${s}.BeyondEol`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.ZeroBlocks`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.VerifyProtect`] = {
    rules: () => [{ match: (c) => is(c) && protect(c), reply: GOOD }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 VRPROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.Flags`] = {
    rules: () => [{ match: (c) => is(c) && bytchk(c) === 2, reply: GOOD }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=2: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.Dpo`] = {
    rules: () => [{ match: (c) => is(c) && (c[1]! & 0x10) !== 0, reply: INVALID_CDB }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`),
  };
  CASES[`${s}.Mismatch`] = {
    quirks: ['verify-no-compare'],
    message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=1: expected CHECK CONDITION MISCOMPARE/MISCOMPARE DURING VERIFY.*, got GOOD`),
  };
  CASES[`${s}.MismatchNoCmp`] = {
    rules: () => [{ match: (c) => is(c) && bytchk(c) === 0, reply: MISCOMPARE }],
    message: new RegExp(`${cmd} LBA=0 LEN=1: expected GOOD, got CHECK CONDITION MISCOMPARE`),
  };
  CASES[`${s}.MiscompareOffset`] = {
    quirks: ['miscompare-no-offset'],
    verdict: 'warn',
    message: /BYTCHK=1 with byte 0 changed: MISCOMPARE without a valid INFORMATION field/,
  };
  CASES[`${s}.BytchkSingleBlock`] = {
    quirks: ['verify-no-compare'],
    message: new RegExp(`${cmd} LBA=0 LEN=8 BYTCHK=3: expected CHECK CONDITION MISCOMPARE.*, got GOOD`),
  };
  CASES[`${s}.DataOutLength`] = {
    quirks: ['wrong-residual'],
    message: new RegExp(`${cmd} LBA=0 LEN=2 BYTCHK=1 with EDTL 512 \\(the CDB calls for 1024 bytes\\): GOOD without a residual overflow`),
  };
  CASES[`${s}.ReservedBits`] = {
    quirks: ['ignore-reserved-bits'],
    verdict: 'warn',
    message: new RegExp(`VERIFY\\(${size}\\) with a reserved CDB bit set completed with GOOD`),
  };
  CASES[`${s}.MaxTransferLength`] = {
    quirks: ['no-transfer-length-limit'],
    message: new RegExp(`${cmd} LBA=0 LEN=16385 BYTCHK=1: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
}

for (const [size, op] of [
  ['10', Op.WRITE_AND_VERIFY_10],
  ['12', Op.WRITE_AND_VERIFY_12],
  ['16', Op.WRITE_AND_VERIFY_16],
] as const) {
  const s = `WriteVerify${size}`;
  const cmd = `WRITE AND VERIFY\\(${size}\\)`;
  const is = (c: Buffer) => c[0] === op;
  CASES[`${s}.Simple`] = {
    quirks: ['readcap-off-by-one'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE`),
  };
  CASES[`${s}.BeyondEol`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.ZeroBlocks`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.WriteProtect`] = {
    rules: () => [{ match: (c) => is(c) && protect(c), reply: GOOD }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 WRPROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.Flags`] = {
    rules: () => [{ match: (c) => is(c) && bytchk(c) === 3, reply: GOOD }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=3: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.Dpo`] = {
    rules: () => [{ match: (c) => is(c) && (c[1]! & 0x10) !== 0, reply: INVALID_CDB }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`),
  };
  CASES[`${s}.DataOutLength`] = {
    quirks: ['wrong-residual'],
    message: new RegExp(`${cmd} LBA=0 LEN=2 with EDTL 512 \\(the CDB calls for 1024 bytes\\): GOOD without a residual overflow`),
  };
  CASES[`${s}.ReservedBits`] = {
    quirks: ['ignore-reserved-bits'],
    verdict: 'warn',
    message: new RegExp(`WRITE AND VERIFY\\(${size}\\) with a reserved CDB bit set completed with GOOD`),
  };
  CASES[`${s}.MaxTransferLength`] = {
    quirks: ['no-transfer-length-limit'],
    message: new RegExp(`${cmd} LBA=0 LEN=16385: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
}

const isOr = (c: Buffer) => c[0] === Op.ORWRITE_16;
Object.assign(CASES, {
  'OrWrite.Simple': {
    quirks: ['orwrite-no-or'],
    message: /data integrity: LBA \d+ does not read back what ORWRITE\(16\) LBA=\d+ LEN=\d+ \(the OR of the old and new data\) wrote/,
  },
  'OrWrite.Verify': {
    quirks: ['orwrite-no-or'],
    message: /WRITE\(16\) then ORWRITE\(16\) LBA=0 LEN=1: the blocks must hold the OR of both: LBA 0 does not hold what it should/,
  },
  'OrWrite.BeyondEol': {
    quirks: ['no-lba-range-check'],
    message: /ORWRITE\(16\) LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  'OrWrite.ZeroBlocks': {
    quirks: ['no-lba-range-check'],
    message: /ORWRITE\(16\) LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  'OrWrite.Protect': {
    rules: () => [{ match: (c: Buffer) => isOr(c) && protect(c), reply: GOOD }],
    message: /ORWRITE\(16\) LBA=0 LEN=1 ORPROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'OrWrite.DpoFua': {
    rules: () => [{ match: (c: Buffer) => isOr(c) && (c[1]! & 0x18) !== 0, reply: INVALID_CDB }],
    message: /ORWRITE\(16\) LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  'OrWrite.ReservedBits': { quirks: ['ignore-reserved-bits'], verdict: 'warn', message: /ORWRITE\(16\) with a reserved CDB bit set completed with GOOD/ },
  'OrWrite.DataOutLength': {
    quirks: ['wrong-residual'],
    message: /ORWRITE\(16\) LBA=0 LEN=2 with EDTL 512 \(the CDB calls for 1024 bytes\): GOOD without a residual overflow/,
  },
  'OrWrite.MaxTransferLength': {
    quirks: ['no-transfer-length-limit'],
    message: /ORWRITE\(16\) LBA=0 LEN=16385: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
} satisfies Cases);

const isCaw = (c: Buffer) => c[0] === Op.COMPARE_AND_WRITE;
Object.assign(CASES, {
  'CompareAndWrite.Simple': {
    rules: () => [{ match: isCaw, reply: MISCOMPARE }],
    message: /COMPARE AND WRITE LBA=0 LEN=1: expected GOOD, got CHECK CONDITION MISCOMPARE/,
  },
  'CompareAndWrite.DpoFua': {
    rules: () => [{ match: (c: Buffer) => isCaw(c) && (c[1]! & 0x18) !== 0, reply: INVALID_CDB }],
    message: /COMPARE AND WRITE LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  'CompareAndWrite.Miscompare': {
    quirks: ['caw-no-compare'],
    message: /COMPARE AND WRITE LBA=0 LEN=1: expected CHECK CONDITION MISCOMPARE\/MISCOMPARE DURING VERIFY.*, got GOOD/,
  },
  'CompareAndWrite.MiscompareSense': {
    quirks: ['miscompare-no-offset'],
    message: /COMPARE AND WRITE LBA=0 LEN=1 with byte 0 of the verify instance changed: MISCOMPARE without a valid INFORMATION field/,
  },
  'CompareAndWrite.Unwritten': {
    quirks: ['caw-no-compare'],
    message: /COMPARE AND WRITE LBA=1 LEN=1: expected CHECK CONDITION MISCOMPARE\/MISCOMPARE DURING VERIFY.*, got GOOD/,
  },
  'CompareAndWrite.InvalidDataOutSize': {
    rules: () => [{ match: (c: Buffer) => isCaw(c) && c[13] === 3, reply: GOOD }],
    message: /COMPARE AND WRITE LBA=0 LEN=3 with EDTL 2048 \(the CDB calls for 3072 bytes\): GOOD without a residual overflow/,
  },
  // Processed with the overflow signalled (FCP-4 9.4.2 (a)): a warning, not a failure.
  'CompareAndWrite.InvalidDataOutSize (processed with overflow)': {
    verdict: 'warn',
    rules: () => [{ match: (c: Buffer) => isCaw(c) && c[13] === 3, reply: () => ({ status: 0, spdtl: 3072 }), times: 1 }],
    message: /GOOD with a residual overflow: processed without 1024 bytes/,
  },
  'CompareAndWrite.MaxCompareAndWriteLength': {
    quirks: ['no-transfer-length-limit'],
    message: /COMPARE AND WRITE LBA=0 LEN=129: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'CompareAndWrite.BeyondEol': {
    quirks: ['no-lba-range-check'],
    message: /COMPARE AND WRITE LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got CHECK CONDITION MISCOMPARE/,
  },
  'CompareAndWrite.ZeroBlocks': {
    quirks: ['no-lba-range-check'],
    message: /COMPARE AND WRITE LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  'CompareAndWrite.WriteProtect': {
    rules: () => [{ match: (c: Buffer) => isCaw(c) && protect(c), reply: GOOD }],
    message: /COMPARE AND WRITE LBA=0 LEN=1 WRPROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'CompareAndWrite.ReservedBits': {
    quirks: ['ignore-reserved-bits'],
    verdict: 'warn',
    message: /COMPARE AND WRITE with a reserved CDB bit set completed with GOOD/,
  },
} satisfies Cases);

const isAtomic = (c: Buffer) => c[0] === Op.WRITE_ATOMIC_16;
Object.assign(CASES, {
  'WriteAtomic16.Simple': {
    quirks: ['readcap-off-by-one'],
    message: /WRITE ATOMIC\(16\) LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE/,
  },
  'WriteAtomic16.BeyondEol': {
    quirks: ['no-lba-range-check'],
    message: /WRITE ATOMIC\(16\) LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  'WriteAtomic16.ZeroBlocks': {
    quirks: ['no-lba-range-check'],
    message: /WRITE ATOMIC\(16\) LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  'WriteAtomic16.WriteProtect': {
    rules: () => [{ match: (c: Buffer) => isAtomic(c) && protect(c), reply: GOOD }],
    message: /WRITE ATOMIC\(16\) LBA=0 LEN=1 WRPROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'WriteAtomic16.DpoFua': {
    rules: () => [{ match: (c: Buffer) => isAtomic(c) && (c[1]! & 0x18) !== 0, reply: INVALID_CDB }],
    message: /WRITE ATOMIC\(16\) LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  // Block Limits claims a MAXIMUM ATOMIC TRANSFER LENGTH of 65536 blocks, beyond MAXIMUM TRANSFER LENGTH
  'WriteAtomic16.VPD': {
    rules: () => [{ match: isVpd(0xb0), dataIn: (d: Buffer) => (d.length >= 48 && d.writeUInt32BE(0x10000, 44), d) }],
    message: /MAXIMUM ATOMIC TRANSFER LENGTH 65536 exceeds MAXIMUM TRANSFER LENGTH 16384/,
  },
  'WriteAtomic16.MaxAtomicTransferLength': {
    quirks: ['no-transfer-length-limit'],
    message: /WRITE ATOMIC\(16\) LBA=0 LEN=2049: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'WriteAtomic16.AtomicBoundary': {
    rules: () => [{ match: (c: Buffer) => isAtomic(c) && c.readUInt16BE(10) !== 0, reply: GOOD }],
    message: /WRITE ATOMIC\(16\) LBA=0 LEN=1 BOUNDARY=1: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'WriteAtomic16.ReservedBits': {
    quirks: ['ignore-reserved-bits'],
    verdict: 'warn',
    message: /WRITE ATOMIC\(16\) with a reserved CDB bit set completed with GOOD/,
  },
  'WriteAtomic16.DataOutLength': {
    quirks: ['wrong-residual'],
    message: /WRITE ATOMIC\(16\) LBA=0 LEN=2 with EDTL 1536 \(the CDB calls for 1024 bytes\): GOOD without a residual underflow/,
  },
} satisfies Cases);

const read10At = (lba: number) => (c: Buffer) => c[0] === Op.READ_10 && c.readUInt32BE(2) === lba && c.readUInt16BE(7) === 8;
Object.assign(CASES, {
  // one of the queued READs gets another block's data
  'Read10.Async': {
    rules: () => [{ match: read10At(4000), dataIn: (d: Buffer) => ((d[17] = d[17]! ^ 0xff), d) }],
    message: /READ\(10\) LBA=4000 LEN=8, one of 1000 in flight, returned other data than a plain READ/,
  },
  'Write10.Async': {
    rules: () => [{ match: (c: Buffer) => c[0] === Op.WRITE_10 && c.readUInt32BE(2) === 4000, reply: () => ({ status: 0x28 }) }],
    message: /WRITE\(10\) LBA=4000 LEN=8: expected GOOD, got TASK SET FULL/,
  },
} satisfies Cases);

export default CASES;
