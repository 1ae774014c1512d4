/**
 * Defects for VERIFY (10/12/16) and WRITE AND VERIFY (10/12/16).
 */
import { Asc, Op, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, INVALID_CDB, type Cases } from './_support.js';

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
  CASES[`${s}.Simple`] = { rules: () => [{ match: (c) => is(c) && bytchk(c) === 1, reply: MISCOMPARE }], message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=1: expected GOOD, got CHECK CONDITION MISCOMPARE`) };
  CASES[`${s}.BeyondEol`] = { quirks: ['no-lba-range-check'], message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`) };
  CASES[`${s}.ZeroBlocks`] = { quirks: ['no-lba-range-check'], message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`) };
  CASES[`${s}.VerifyProtect`] = { rules: () => [{ match: (c) => is(c) && protect(c), reply: GOOD }], message: new RegExp(`${cmd} LBA=0 LEN=1 VRPROTECT=1: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`) };
  CASES[`${s}.Flags`] = { rules: () => [{ match: (c) => is(c) && bytchk(c) === 2, reply: GOOD }], message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=2: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`) };
  CASES[`${s}.Dpo`] = { rules: () => [{ match: (c) => is(c) && (c[1]! & 0x10) !== 0, reply: INVALID_CDB }], message: new RegExp(`${cmd} LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`) };
  CASES[`${s}.Mismatch`] = { quirks: ['verify-no-compare'], message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=1: expected CHECK CONDITION MISCOMPARE/MISCOMPARE DURING VERIFY.*, got GOOD`) };
  CASES[`${s}.MismatchNoCmp`] = { rules: () => [{ match: (c) => is(c) && bytchk(c) === 0, reply: MISCOMPARE }], message: new RegExp(`${cmd} LBA=0 LEN=1: expected GOOD, got CHECK CONDITION MISCOMPARE`) };
  CASES[`${s}.MiscompareOffset`] = { quirks: ['miscompare-no-offset'], verdict: 'warn', message: /BYTCHK=1 with byte 0 changed: MISCOMPARE without a valid INFORMATION field/ };
  CASES[`${s}.BytchkSingleBlock`] = { quirks: ['verify-no-compare'], message: new RegExp(`${cmd} LBA=0 LEN=8 BYTCHK=3: expected CHECK CONDITION MISCOMPARE.*, got GOOD`) };
  CASES[`${s}.DataOutLength`] = { quirks: ['wrong-residual'], message: new RegExp(`${cmd} LBA=0 LEN=2 BYTCHK=1 with EDTL 512 \\(the CDB calls for 1024 bytes\\): GOOD without a residual overflow`) };
  CASES[`${s}.ReservedBits`] = { quirks: ['ignore-reserved-bits'], verdict: 'warn', message: new RegExp(`VERIFY\\(${size}\\) with a reserved CDB bit set completed with GOOD`) };
  CASES[`${s}.MaxTransferLength`] = { quirks: ['no-transfer-length-limit'], message: new RegExp(`${cmd} LBA=0 LEN=16385 BYTCHK=1: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`) };
}

for (const [size, op] of [
  ['10', Op.WRITE_AND_VERIFY_10],
  ['12', Op.WRITE_AND_VERIFY_12],
  ['16', Op.WRITE_AND_VERIFY_16],
] as const) {
  const s = `WriteVerify${size}`;
  const cmd = `WRITE AND VERIFY\\(${size}\\)`;
  const is = (c: Buffer) => c[0] === op;
  CASES[`${s}.Simple`] = { quirks: ['readcap-off-by-one'], message: new RegExp(`${cmd} LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE`) };
  CASES[`${s}.BeyondEol`] = { quirks: ['no-lba-range-check'], message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`) };
  CASES[`${s}.ZeroBlocks`] = { quirks: ['no-lba-range-check'], message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`) };
  CASES[`${s}.WriteProtect`] = { rules: () => [{ match: (c) => is(c) && protect(c), reply: GOOD }], message: new RegExp(`${cmd} LBA=0 LEN=1 WRPROTECT=1: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`) };
  CASES[`${s}.Flags`] = { rules: () => [{ match: (c) => is(c) && bytchk(c) === 3, reply: GOOD }], message: new RegExp(`${cmd} LBA=0 LEN=1 BYTCHK=3: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`) };
  CASES[`${s}.Dpo`] = { rules: () => [{ match: (c) => is(c) && (c[1]! & 0x10) !== 0, reply: INVALID_CDB }], message: new RegExp(`${cmd} LBA=0 LEN=1 DPO: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`) };
  CASES[`${s}.DataOutLength`] = { quirks: ['wrong-residual'], message: new RegExp(`${cmd} LBA=0 LEN=2 with EDTL 512 \\(the CDB calls for 1024 bytes\\): GOOD without a residual overflow`) };
  CASES[`${s}.ReservedBits`] = { quirks: ['ignore-reserved-bits'], verdict: 'warn', message: new RegExp(`WRITE AND VERIFY\\(${size}\\) with a reserved CDB bit set completed with GOOD`) };
  CASES[`${s}.MaxTransferLength`] = { quirks: ['no-transfer-length-limit'], message: new RegExp(`${cmd} LBA=0 LEN=16385: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`) };
}

export default CASES;
