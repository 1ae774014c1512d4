/**
 * Defects for SYNCHRONIZE CACHE (10/16) (SBC-4 5.33, 5.34) REQUEST SENSE, MODE SENSE (10), MODE SELECT (6)/(10) and the REPORT LUNS SELECT REPORT values (SPC-5).
 */
import { Asc, Op, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, INVALID_CDB, type Cases } from './_support.js';

const CASES: Cases = {};

const IMMED = 0x02;
for (const [size, op] of [
  ['10', Op.SYNCHRONIZE_CACHE_10],
  ['16', Op.SYNCHRONIZE_CACHE_16],
] as const) {
  const s = `SynchronizeCache${size}`;
  const cmd = `SYNCHRONIZE CACHE\\(${size}\\)`;
  const is = (c: Buffer) => c[0] === op;
  CASES[`${s}.Simple`] = {
    quirks: ['readcap-off-by-one'],
    message: new RegExp(
      `${cmd} ${size === '10' ? 'LBA=131072 LEN=1' : 'LBA=0 LEN=131073'}: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE`,
    ),
  };
  CASES[`${s}.BeyondEol`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.ZeroBlocks`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  // IMMED answered with a sense other than the one the clause allows.
  CASES[`${s}.Immed`] = {
    rules: () => [{ match: (c) => is(c) && (c[1]! & IMMED) !== 0, reply: () => CC(SenseKey.HARDWARE_ERROR, Asc.INVALID_FIELD_IN_CDB) }],
    message: new RegExp(`${cmd} LBA=0 LEN=0 IMMED: expected GOOD or CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got CHECK CONDITION HARDWARE ERROR`),
  };
  CASES[`${s}.Group`] = {
    verdict: 'warn',
    rules: () => [{ match: (c) => is(c) && (c[size === '10' ? 6 : 14]! & 0x3f) !== 0, reply: INVALID_CDB }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 GROUP=3: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`),
  };
}

const isRs = (c: Buffer) => c[0] === Op.REQUEST_SENSE;
const descBit = (c: Buffer) => (c[1]! & 1) !== 0;
Object.assign(CASES, {
  // Nothing pending, yet a HARDWARE ERROR sense key.
  'RequestSense.NoSense': {
    rules: () => [
      {
        match: isRs,
        dataIn: (d: Buffer, _c: Buffer, off: number) => (
          off === 0 && d.length > 2 && (d[0] === 0x70 ? (d[2] = SenseKey.HARDWARE_ERROR) : (d[1] = SenseKey.HARDWARE_ERROR)),
          d
        ),
      },
    ],
    message: /REQUEST SENSE with nothing pending reports HARDWARE ERROR.*: the sense key must be NO SENSE/,
  },
  // DESC=0 answered with a descriptor format RESPONSE CODE.
  'RequestSense.Fixed': {
    rules: () => [{ match: (c: Buffer) => isRs(c) && !descBit(c), dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && (d[0] = 0x71), d) }],
    message: /REQUEST SENSE DESC=0 returned RESPONSE CODE 71h: expected 70h/,
  },
  'RequestSense.Descriptor': {
    quirks: ['fixed-sense-only'],
    message:
      /REQUEST SENSE DESC=1 returned RESPONSE CODE 70h \(fixed format\), though the LU supports descriptor format sense data \(D_SENSE of the Control mode page is changeable\): expected 72h/,
  },
  'RequestSense.AllocationLength': {
    rules: () => [{ match: (c: Buffer) => isRs(c) && c[4] === 0, reply: INVALID_CDB }],
    message: /REQUEST SENSE ALLOC=0: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
} satisfies Cases);

const isMs10 = (c: Buffer) => c[0] === Op.MODE_SENSE_10;
const pc = (c: Buffer) => c[2]! >> 6;
const DBD = 0x08;
const LLBAA = 0x10;
Object.assign(CASES, {
  // A MODE DATA LENGTH one more than the data.
  'ModeSense10.AllPages': {
    rules: () => [
      { match: isMs10, dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length >= 2 && d.writeUInt16BE(d.readUInt16BE(0) + 1, 0), d) },
    ],
    message: /bytes returned versus MODE DATA LENGTH \+ 2/,
  },
  // DBD ignored: the target is sent the CDB without it.
  'ModeSense10.Dbd': {
    rules: () => [
      {
        match: (c: Buffer) => isMs10(c) && (c[1]! & DBD) !== 0,
        rewriteCdb: (c: Buffer) => {
          const x = Buffer.from(c);
          x[1] = x[1]! & ~DBD;
          return x;
        },
      },
    ],
    message: /BLOCK DESCRIPTOR LENGTH with DBD set: expected 0, got 8/,
  },
  // LONGLBA set though LLBAA is clear.
  'ModeSense10.Llbaa': {
    rules: () => [
      {
        match: (c: Buffer) => isMs10(c) && (c[1]! & LLBAA) === 0,
        dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length > 4 && (d[4] = d[4]! | 1), d),
      },
    ],
    message: /MODE SENSE\(10\) PAGE=3Fh LLBAA=0: the mode parameter data does not parse|LLBAA=0 returned LONGLBA=1/,
  },
  // A BLOCK LENGTH one more than the logical block length.
  'ModeSense10.BlockDescriptor': {
    rules: () => [
      { match: isMs10, dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length >= 16 && d.readUInt16BE(6) > 0 && (d[15] = d[15]! ^ 1), d) },
    ],
    message: /BLOCK LENGTH of the short LBA block descriptor versus READ CAPACITY: expected 512, got 513/,
  },
  'ModeSense10.PageControl': {
    rules: () => [{ match: (c: Buffer) => isMs10(c) && pc(c) === 2, reply: INVALID_CDB }],
    message: /MODE SENSE\(10\) PAGE=3Fh PC=2 \(default\): expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
  'ModeSense10.PageControl (pages differ)': {
    verdict: 'warn',
    rules: () => [
      {
        match: (c: Buffer) => isMs10(c) && pc(c) === 1,
        rewriteCdb: (c: Buffer) => {
          const x = Buffer.from(c);
          x[2] = (x[2]! & 0xc0) | 0x0a;
          return x;
        },
      },
    ],
    message: /the changeable values list pages .*: they should be the same pages with the same lengths/,
  },
  'ModeSense10.Saved': {
    rules: () => [{ match: (c: Buffer) => isMs10(c) && pc(c) === 3, reply: INVALID_CDB }],
    message: /expected GOOD or CHECK CONDITION ILLEGAL REQUEST\/SAVING PARAMETERS NOT SUPPORTED, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
} satisfies Cases);

for (const [size, op] of [
  ['6', Op.MODE_SELECT_6],
  ['10', Op.MODE_SELECT_10],
] as const) {
  const s = `ModeSelect${size}`;
  const cmd = `MODE SELECT\\(${size}\\)`;
  const is = (c: Buffer) => c[0] === op;
  CASES[`${s}.Changeable`] = { quirks: ['mode-select-noop'], message: /WCE \(changeable\) after MODE SELECT\(\d+\) set it to 0: expected 0, got 1/ };
  // The refusal swallowed: GOOD instead.
  CASES[`${s}.NotChangeable`] = {
    rules: () => [{ match: is, reply: () => ({ status: 0 }) }],
    message: new RegExp(
      `${cmd} page 8h with byte 2 bit 7 \\(not changeable\\) flipped: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN PARAMETER LIST, got GOOD`,
    ),
  };
  CASES[`${s}.NotChangeable (no field pointer)`] = {
    quirks: ['sense-no-field-pointer'],
    verdict: 'warn',
    message: /INVALID FIELD IN PARAMETER LIST without a field pointer \(SKSV 0\)/,
  };
  CASES[`${s}.SavePages`] = {
    rules: () => [{ match: (c) => is(c) && (c[1]! & 1) !== 0, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_PARAMETER_LIST) }],
    message: new RegExp(
      `${cmd} SP=1 page 8h with its current values: expected GOOD or CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN PARAMETER LIST`,
    ),
  };
}

const isRl = (select: number) => (c: Buffer) => c[0] === Op.REPORT_LUNS && c[2] === select;
Object.assign(CASES, {
  // SELECT REPORT ignored: 01h answered as 00h.
  'ReportLUNsSelect.WellKnownSplit': {
    rules: () => [
      {
        match: isRl(0x01),
        rewriteCdb: (c: Buffer) => {
          const x = Buffer.from(c);
          x[2] = 0;
          return x;
        },
      },
    ],
    message: /SELECT REPORT 01h lists 0000000000000000, which is not a well known logical unit/,
  },
  // 11h lists the REPORT LUNS well known logical unit in place of LUN 0.
  'ReportLUNsSelect.Administrative': {
    rules: () => [{ match: isRl(0x11), dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length >= 16 && ((d[8] = 0xc1), (d[9] = 0x01)), d) }],
    message: /SELECT REPORT 11h lists the well known logical unit c101000000000000/,
  },
} satisfies Cases);

export default CASES;
