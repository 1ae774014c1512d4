/**
 * Defects for the block-provisioning and medium suites: WriteSame10/16, Unmap, GetLBAStatus, Prefetch10/16,
 * ReadDefectData10/12, ReadOnly, StartStopUnit, NoMedia, PreventAllow, Sanitize. LUNs of the reference
 * target: 0 thick 64 MiB, 1 thin 256 MiB, 2 removable 16 MiB, 3 read-only 16 MiB.
 */
import { Asc, Op, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, INVALID_CDB, isVpd, type Cases } from './_support.js';

const THIN = 1;
const REMOVABLE = 2;
const READ_ONLY = 3;

const isWs = (op: number) => (c: Buffer) => c[0] === op;
const lba10 = (c: Buffer) => c.readUInt32BE(2);
const len10 = (c: Buffer) => c.readUInt16BE(7);
const GOOD = () => ({ status: 0 });
const isGls = (c: Buffer) => c[0] === Op.SERVICE_ACTION_IN_16 && (c[1]! & 0x1f) === 0x12;
/** GET LBA STATUS data rewritten: every descriptor in this segment says `status`. */
const allStatus = (status: number) => (d: Buffer, _c: Buffer, off: number) => {
  for (let at = off === 0 ? 8 : 0; at + 13 <= d.length; at += 16) d[at + 12] = status;
  return d;
};

const CASES: Cases = {};

// WRITE SAME (10) and (16) share their bodies; each size gets its own defects.
for (const [s, op] of [
  ['WriteSame10', Op.WRITE_SAME_10],
  ['WriteSame16', Op.WRITE_SAME_16],
] as const) {
  const cmd = `WRITE SAME\\(${s.slice(-2)}\\)`;
  const ws = isWs(op);
  CASES[`${s}.Simple`] = {
    quirks: ['readcap-off-by-one'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE`),
  };
  // The target writes one block past the range (seen as the sentinel block after it changing).
  CASES[`${s}.Check`] = {
    rules: () => [{ match: (c) => c[0] === Op.READ_10 && lba10(c) === 0 && len10(c) === 3, dataIn: (d, _c, off) => ((d[2 * 512 + 7 - off] ^= 0xff), d) }],
    message: new RegExp(`${cmd} LBA=0 LEN=2 changed LBA 2, outside the range it names`),
  };
  CASES[`${s}.BeyondEol`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD`),
  };
  CASES[`${s}.ZeroBlocks`] = {
    quirks: ['no-write-same-limit'],
    message: new RegExp(`${cmd} LBA=0 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.WriteProtect`] = {
    rules: () => [{ match: (c) => ws(c) && (c[1]! & 0xe0) !== 0, reply: GOOD }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 WRPROTECT=6: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.Unmap`] = { quirks: ['unmap-noop'], lun: THIN, message: new RegExp(`${cmd} LBA=0 LEN=1 UNMAP: LBA 0 does not read as zeros`) };
  CASES[`${s}.UnmapUnaligned`] = { quirks: ['unmap-noop'], lun: THIN, message: new RegExp(`${cmd} LBA=9 LEN=7 UNMAP: LBA 9 does not read as zeros`) };
  CASES[`${s}.UnmapUntilEnd`] = { quirks: ['unmap-noop'], lun: THIN, message: new RegExp(`${cmd} LBA=524287 LEN=0 UNMAP: LBA 524287 does not read as zeros`) };
  // The VPD page denies what the device server does.
  CASES[`${s}.UnmapVPD`] = {
    lun: THIN,
    rules: () => [{ match: isVpd(0xb2), dataIn: (d) => ((d[5] = d[5]! & ~(op === Op.WRITE_SAME_10 ? 0x20 : 0x40)), d) }],
    message: new RegExp(`with UNMAP completed with GOOD, but the Logical Block Provisioning VPD page says LBPWS${s.endsWith('10') ? '10' : ''}=0`),
  };
  const len4 = (c: Buffer) => ws(c) && (op === Op.WRITE_SAME_10 ? len10(c) : c.readUInt32BE(10)) === 4;
  CASES[`${s}.InvalidDataOutSize`] = {
    rules: () => [{ match: len4, reply: GOOD }],
    message: new RegExp(`${cmd} LBA=0 LEN=4 with EDTL 256 \\(the CDB calls for 512 bytes\\): GOOD without a residual overflow`),
  };
  // Half a block processed with the overflow signalled (FCP-4 9.4.2 (a)): a warning, not a failure.
  CASES[`${s}.InvalidDataOutSize (processed with overflow)`] = {
    verdict: 'warn',
    rules: () => [{ match: len4, reply: () => ({ status: 0, spdtl: 512 }), times: 1 }],
    message: /GOOD with a residual overflow: processed without 256 bytes/,
  };
  // On a fully provisioned LU: GOOD that did not write the block.
  CASES[`${s}.UnmapVPD (fully provisioned)`] = {
    rules: () => [{ match: (c) => ws(c) && (c[1]! & 0x08) !== 0, reply: GOOD }],
    message: new RegExp(`UNMAP completed with GOOD on a fully provisioned LU, but LBA 0 does not hold the block sent`),
  };
  CASES[`${s}.Anchor`] = {
    lun: THIN,
    rules: () => [{ match: (c) => ws(c) && (c[1]! & 0x18) === 0x10, reply: GOOD }],
    message: new RegExp(`${cmd} LBA=8 LEN=8 ANCHOR: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  // The Block Limits page claims WSNZ, which the device server does not honour.
  CASES[`${s}.Wsnz`] = {
    rules: () => [{ match: isVpd(0xb0), dataIn: (d) => ((d[4] = d[4]! | 0x01), d) }],
    message: new RegExp(`${cmd} LBA=131056 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  // The Block Limits page claims a MAXIMUM WRITE SAME LENGTH of 1000, which the device server does not enforce.
  CASES[`${s}.MaxWriteSameLength`] = {
    rules: () => [{ match: isVpd(0xb0), dataIn: (d) => (d.writeBigUInt64BE(1000n, 36), d) }],
    message: new RegExp(`${cmd} LBA=0 LEN=1001: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got GOOD`),
  };
  CASES[`${s}.ReservedBits`] = {
    quirks: ['ignore-reserved-bits'],
    verdict: 'warn',
    message: new RegExp(`${cmd} LBA=0 LEN=2 with reserved bit 7 of byte ${s.endsWith('10') ? 6 : 14} set: GOOD; the reserved bit is not checked`),
  };
}
// NDOB writes something other than zeros.
CASES['WriteSame16.Ndob'] = {
  rules: () => [{ match: (c) => c[0] === Op.READ_10 && lba10(c) === 0 && len10(c) === 8, dataIn: (d, _c, off) => (off === 0 && (d[100] = 0x55), d) }],
  message: /WRITE SAME\(16\) LBA=0 LEN=8 NDOB: LBA 0 does not read as zeros/,
};

CASES['Unmap.Simple'] = { quirks: ['unmap-noop'], lun: THIN, message: /UNMAP \[LBA 0, 1\]: LBA 0 does not read as zeros/ };
// The VPD page denies UNMAP, which the device server does.
CASES['Unmap.VPD'] = {
  lun: THIN,
  rules: () => [{ match: isVpd(0xb2), dataIn: (d) => ((d[5] = d[5]! & ~0x80), d) }],
  message: /UNMAP completed with GOOD, but the Logical Block Provisioning VPD page says LBPU=0/,
};
CASES['Unmap.ZeroBlocks'] = {
  lun: THIN,
  rules: () => [{ match: (c) => c[0] === Op.UNMAP, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_PARAMETER_LIST) }],
  message: /UNMAP LEN=24 \[LBA 0, 0\]: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST/,
};
// GET LBA STATUS says deallocated where data was just written.
CASES['Unmap.LbaStatus'] = {
  lun: THIN,
  rules: () => [{ match: isGls, dataIn: allStatus(1) }],
  message: /GET LBA STATUS reports LBA 32 deallocated just after it was written with non-zero data/,
};
CASES['Unmap.ParamListLength'] = {
  lun: THIN,
  rules: () => [{ match: (c) => c[0] === Op.UNMAP && len10(c) > 0 && len10(c) < 8, reply: GOOD }],
  message: /UNMAP LEN=1 \(shorter than the parameter list header\): expected CHECK CONDITION ILLEGAL REQUEST\/PARAMETER LIST LENGTH ERROR, got GOOD/,
};
// The second behaviour of the same test: a block descriptor cut off by the PARAMETER LIST LENGTH refused instead of ignored.
CASES['Unmap.ParamListLength (cut-off descriptor refused)'] = {
  lun: THIN,
  rules: () => [{ match: (c) => c[0] === Op.UNMAP && len10(c) === 24, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.PARAMETER_LIST_LENGTH_ERROR) }],
  message:
    /UNMAP LEN=24 whose header announces 2 block descriptors \(32 bytes\): the second is cut off and ignored: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/PARAMETER LIST LENGTH ERROR/,
};
CASES['Unmap.DescriptorLimit'] = {
  quirks: ['no-unmap-limits'],
  lun: THIN,
  message: /UNMAP LEN=16408 \(1025 descriptors\): expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST, got GOOD/,
};
CASES['Unmap.LbaCountLimit'] = {
  quirks: ['no-unmap-limits'],
  lun: THIN,
  message: /UNMAP LEN=56 \[LBA 0, 524288\] \[LBA 0, 524288\] \[LBA 0, 1\]: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST, got GOOD/,
};
// The VPD page claims ANC_SUP=0, yet the device server anchors.
CASES['Unmap.Anchor'] = {
  lun: THIN,
  rules: () => [{ match: isVpd(0xb2), dataIn: (d) => ((d[5] = d[5]! & ~0x02), d) }],
  message: /UNMAP ANCHOR LEN=24 \[LBA 8, 8\]: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
};
CASES['Unmap.ReservedBits'] = {
  quirks: ['ignore-reserved-bits'],
  lun: THIN,
  verdict: 'warn',
  message: /UNMAP \[LBA 0, 1\] with reserved bit 1 of CDB byte 1 set: GOOD; the reserved field is not checked/,
};

// GET LBA STATUS: a first descriptor that does not start at the LBA asked for.
CASES['GetLBAStatus.Simple'] = {
  rules: () => [{ match: isGls, dataIn: (d, _c, off) => (off === 0 && d.length >= 16 && d.writeBigUInt64BE(d.readBigUInt64BE(8) + 1n, 8), d) }],
  message:
    /GET LBA STATUS LBA=1 ALLOC=24: LBA of the first LBA status descriptor \(it must be the STARTING LOGICAL BLOCK ADDRESS, SBC-4 5\.6\.2\.2\): expected 1, got 2/,
};
CASES['GetLBAStatus.BeyondEol'] = {
  rules: () => [{ match: (c) => isGls(c) && c.readBigUInt64BE(2) >= 131072n, reply: () => ({ status: 0, data: Buffer.alloc(24) }) }],
  message: /GET LBA STATUS LBA=131072 ALLOC=24: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
};
CASES['GetLBAStatus.UnmapSingle'] = {
  lun: THIN,
  rules: () => [{ match: isGls, dataIn: allStatus(1) }],
  message: /GET LBA STATUS reports LBA 16 deallocated after UNMAP \[LBA 8, 8\]; it holds written non-zero data/,
};

// PRE-FETCH (10) and (16) share their bodies.
for (const [s, op] of [
  ['Prefetch10', Op.PRE_FETCH_10],
  ['Prefetch16', Op.PRE_FETCH_16],
] as const) {
  const cmd = `PRE-FETCH\\(${s.slice(-2)}\\)`;
  CASES[`${s}.Simple`] = {
    quirks: ['readcap-off-by-one'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CONDITION MET or GOOD, got CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE`),
  };
  CASES[`${s}.BeyondEol`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got (GOOD|CONDITION MET)`),
  };
  CASES[`${s}.ZeroBlocks`] = {
    quirks: ['no-lba-range-check'],
    message: new RegExp(`${cmd} LBA=131073 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got (GOOD|CONDITION MET)`),
  };
  CASES[`${s}.Flags`] = {
    rules: () => [{ match: (c) => c[0] === op && (c[1]! & 0x02) !== 0, reply: INVALID_CDB }],
    message: new RegExp(`${cmd} LBA=0 LEN=1 IMMED: expected CONDITION MET or GOOD, got CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB`),
  };
  CASES[`${s}.MaxPrefetchLength`] = {
    quirks: ['no-transfer-length-limit'],
    message: new RegExp(`${cmd} LBA=0 LEN=16385: expected CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB, got (GOOD|CONDITION MET)`),
  };
}

// READ DEFECT DATA (10) and (12): a DEFECT LIST LENGTH that is not a whole number of descriptors; a reserved format accepted.
for (const [s, op, lenAt, fmtAt] of [
  ['ReadDefectData10', Op.READ_DEFECT_DATA_10, 2, 2],
  ['ReadDefectData12', Op.READ_DEFECT_DATA_12, 4, 1],
] as const) {
  CASES[`${s}.Simple`] = {
    rules: () => [
      {
        match: (c) => c[0] === op,
        reply: (c, real) => {
          const d = Buffer.concat([real.data, Buffer.alloc(3)]);
          if (lenAt === 2) d.writeUInt16BE(d.readUInt16BE(2) + 3, 2);
          else d.writeUInt32BE(d.readUInt32BE(4) + 3, 4);
          return { status: 0, data: d.subarray(0, Math.min(d.length, op === Op.READ_DEFECT_DATA_10 ? c.readUInt16BE(7) : c.readUInt32BE(6))) };
        },
      },
    ],
    message: /DEFECT LIST LENGTH 3 is not a multiple of the 4-byte descriptors/,
  };
  CASES[`${s}.ReservedFormat`] = {
    rules: () => [{ match: (c) => c[0] === op && (c[fmtAt]! & 7) === 7, reply: () => ({ status: 0, data: Buffer.alloc(8) }) }],
    message: /FORMAT=7 .*expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  };
}

CASES['ReadOnly.ReadOnlySBC'] = {
  quirks: ['wp-ignored'],
  lun: READ_ONLY,
  message: /WRITE\(6\) LBA=0 LEN=1: expected CHECK CONDITION DATA PROTECT\/.*, got GOOD/,
};

// START STOP UNIT: stateful fake targets, whose medium seems to stay after an eject, or to go when it must not.
const isSsu = (c: Buffer) => c[0] === Op.START_STOP_UNIT;
const isTur = (c: Buffer) => c[0] === Op.TEST_UNIT_READY;
const NO_MEDIUM = () => CC(SenseKey.NOT_READY, Asc.MEDIUM_NOT_PRESENT);
/** After a START STOP UNIT that `trigger` matches, every TEST UNIT READY answers `reply` (the target's answer swallowed). */
function afterSsu(trigger: (c: Buffer) => boolean, reply: () => { status: number; sense?: Buffer }) {
  return () => {
    let on = false;
    return [{ match: (c: Buffer) => (isSsu(c) && (on = trigger(c) || (on && !(c[4]! & 1))), false) }, { match: (c: Buffer) => on && isTur(c), reply }];
  };
}
const ejects = (c: Buffer) => (c[4]! & 0x03) === 0x02 && c[4]! >> 4 === 0;
CASES['StartStopUnit.Simple'] = {
  lun: REMOVABLE,
  rules: afterSsu(ejects, GOOD),
  message: /TEST UNIT READY \(the medium must be gone\): expected CHECK CONDITION NOT READY\/MEDIUM NOT PRESENT.*, got GOOD/,
};
// On a non-removable medium an accepted eject is a SHOULD-level warning (no sentence requires the refusal);
// the medium vanishing is a failure.
CASES['StartStopUnit.Simple (non-removable, eject accepted)'] = {
  verdict: 'warn',
  rules: () => [{ match: ejects, reply: GOOD }],
  message: /on a non-removable medium answered GOOD/,
};
CASES['StartStopUnit.Simple (non-removable, medium gone)'] = {
  rules: afterSsu(ejects, NO_MEDIUM),
  message: /TEST UNIT READY \(the medium must be there\): expected GOOD, got CHECK CONDITION NOT READY\/MEDIUM NOT PRESENT/,
};
CASES['StartStopUnit.PwrCnd'] = {
  rules: afterSsu((c) => c[4]! >> 4 !== 0, NO_MEDIUM),
  message: /TEST UNIT READY \(the medium must be there\): expected GOOD, got CHECK CONDITION NOT READY\/MEDIUM NOT PRESENT/,
};
CASES['StartStopUnit.NoLoej'] = {
  rules: afterSsu((c) => (c[4]! & 0x03) === 0 && c[4]! >> 4 === 0, NO_MEDIUM),
  message:
    /TEST UNIT READY after a stop without LOEJ \(the medium must still be there\): expected GOOD or CHECK CONDITION NOT READY\/.*, got CHECK CONDITION NOT READY\/MEDIUM NOT PRESENT/,
};

// A READ(12) answered from a medium that is not there.
CASES['NoMedia.NoMediaSBC'] = {
  lun: REMOVABLE,
  rules: () => [{ match: (c) => c[0] === Op.READ_12, reply: () => ({ status: 0, data: Buffer.alloc(512) }) }],
  message: /READ\(12\) LBA=0 LEN=1: expected CHECK CONDITION NOT READY\/MEDIUM NOT PRESENT.*, got GOOD/,
};

// PREVENT ALLOW MEDIUM REMOVAL.
const isEject = (c: Buffer) => isSsu(c) && ejects(c);
/** Every eject refused: a prevention that outlives the nexus that set it (the target's own answer swallowed). */
const preventSticks = () => [{ match: isEject, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.MEDIUM_REMOVAL_PREVENTED) }];
CASES['PreventAllow.Simple'] = {
  lun: REMOVABLE,
  rules: () => [{ match: (c) => c[0] === Op.PREVENT_ALLOW_MEDIUM_REMOVAL && (c[4]! & 3) === 1, reply: INVALID_CDB }],
  message: /PREVENT ALLOW MEDIUM REMOVAL PREVENT=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
};
CASES['PreventAllow.Eject'] = {
  quirks: ['no-medium-removal-prevent'],
  lun: REMOVABLE,
  message: /START STOP UNIT LOEJ: expected CHECK CONDITION ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED, got GOOD/,
};
CASES['PreventAllow.2ITNexuses'] = {
  quirks: ['no-medium-removal-prevent'],
  lun: REMOVABLE,
  message: /START STOP UNIT LOEJ: expected CHECK CONDITION ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED, got GOOD/,
};
CASES['PreventAllow.ITNexusLoss'] = {
  lun: REMOVABLE,
  rules: preventSticks,
  message: /after the loss of the I_T nexus that prevented removal: expected GOOD, got ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED/,
};
CASES['PreventAllow.Logout'] = {
  lun: REMOVABLE,
  rules: preventSticks,
  message: /after the logout of the I_T nexus that prevented removal: expected GOOD, got ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED/,
};
CASES['PreventAllow.LUNReset'] = {
  quirks: ['reset-keeps-state'],
  lun: REMOVABLE,
  message: /after LOGICAL UNIT RESET: expected GOOD, got ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED/,
};
CASES['PreventAllow.WarmReset'] = {
  quirks: ['reset-keeps-state'],
  lun: REMOVABLE,
  message: /after TARGET WARM RESET: expected GOOD, got ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED/,
};
// A cold reset drops every connection (RFC 7143 11.5.1), so the prevention also ends with its nexus: only a
// prevention that survives everything can be planted.
CASES['PreventAllow.ColdReset'] = {
  lun: REMOVABLE,
  rules: preventSticks,
  message: /after TARGET COLD RESET: expected GOOD, got ILLEGAL REQUEST\/MEDIUM REMOVAL PREVENTED/,
};

// SANITIZE: defects caught before any sanitize runs, so that the cases stay fast (the one through resets excepted).
const isSanitize = (sa?: number) => (c: Buffer) => c[0] === Op.SANITIZE && (sa === undefined || (c[1]! & 0x1f) === sa);
const sanLen = (c: Buffer) => c.readUInt16BE(7);
const SAN = { OVERWRITE: 1, BLOCK_ERASE: 2, CRYPTO_ERASE: 3, EXIT_FAILURE_MODE: 0x1f } as const;
CASES['Sanitize.Overwrite'] = {
  rules: () => [{ match: (c) => isSanitize(SAN.OVERWRITE)(c) && sanLen(c) === 0, reply: GOOD }],
  message: /SANITIZE OVERWRITE LEN=0: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
};
CASES['Sanitize.BlockErase'] = {
  lun: THIN,
  rules: () => [{ match: (c) => isSanitize(SAN.BLOCK_ERASE)(c) && sanLen(c) === 8, reply: GOOD }],
  message: /SANITIZE BLOCK ERASE LEN=8: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
};
CASES['Sanitize.CryptoErase'] = {
  lun: THIN,
  rules: () => [{ match: (c) => isSanitize(SAN.CRYPTO_ERASE)(c) && sanLen(c) === 8, reply: GOOD }],
  message: /SANITIZE CRYPTOGRAPHIC ERASE LEN=8: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
};
CASES['Sanitize.ExitFailureMode'] = {
  rules: () => [{ match: isSanitize(SAN.EXIT_FAILURE_MODE), reply: GOOD }],
  message: /SANITIZE EXIT FAILURE MODE LEN=8: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
};
CASES['Sanitize.InvalidServiceAction'] = {
  rules: () => [{ match: isSanitize(0), reply: GOOD }],
  message: /SANITIZE SA=0x0 LEN=0: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
};
// Reserved fields "not checked", but nothing sanitized: the acceptance must then have sanitized the medium.
for (const [s, sa] of [
  ['OverwriteReserved', SAN.OVERWRITE],
  ['BlockEraseReserved', SAN.BLOCK_ERASE],
  ['CryptoEraseReserved', SAN.CRYPTO_ERASE],
] as const) {
  CASES[`Sanitize.${s}`] = {
    lun: sa === SAN.OVERWRITE ? 0 : THIN,
    rules: () => [{ match: (c) => isSanitize(sa)(c) && (c[1]! & 0x40) !== 0, reply: GOOD }],
    message:
      sa === SAN.OVERWRITE
        ? /reserved bit 6 of byte 1 \(GOOD\): LBA 0 does not hold the initialization pattern repeated/
        : /reserved bit 6 of byte 1 \(GOOD\): LBA \d+ still holds what was written before/,
  };
}
CASES['Sanitize.Readonly'] = {
  lun: READ_ONLY,
  rules: () => [{ match: isSanitize(), reply: GOOD }],
  message: /SANITIZE OVERWRITE on a write-protected LU: expected CHECK CONDITION DATA PROTECT\/.*, got GOOD/,
};
CASES['Sanitize.Reservations'] = {
  rules: () => [{ match: isSanitize(), reply: GOOD }],
  message: /SANITIZE OVERWRITE while the other nexus holds a reservation: expected RESERVATION CONFLICT, got GOOD/,
};
CASES['Sanitize.Reset'] = {
  quirks: ['sanitize-not-exclusive'],
  message: /TEST UNIT READY: expected CHECK CONDITION NOT READY\/LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS, got GOOD/,
};
// A target without SANITIZE and without REPORT SUPPORTED OPERATION CODES (the need cannot be checked before
// the run): the test must look at the SANITIZE's answer and skip, not fail on the medium afterwards.
// The target gets a vendor-specific opcode in their place, which it answers at once with INVALID COMMAND
// OPERATION CODE (a SANITIZE would only be answered when it ends).
const NOT_IMPLEMENTED = (c: Buffer) => Buffer.from([0xc9, ...c.subarray(1)]);
const isRsoc = (c: Buffer) => c[0] === Op.MAINTENANCE_IN && (c[1]! & 0x1f) === 0x0c;
CASES['Sanitize.Reset (not implemented, no RSOC)'] = {
  rules: () => [
    { match: isRsoc, rewriteCdb: NOT_IMPLEMENTED },
    { match: isSanitize(), rewriteCdb: NOT_IMPLEMENTED },
  ],
  verdict: 'skip',
  message: /target does not implement SANITIZE OVERWRITE/,
};
CASES['Sanitize.Reset (refused)'] = {
  rules: () => [{ match: isSanitize(), rewriteCdb: NOT_IMPLEMENTED, reply: INVALID_CDB }],
  message: /SANITIZE OVERWRITE LEN=\d+: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
};

// FUA writes lost at a LOGICAL UNIT RESET: what is read back afterwards is zeros.
for (const s of ['Write10', 'Write16']) {
  CASES[`${s}.FuaLunReset`] = {
    rules: () => [{ match: (c) => c[0] === Op.READ_10 && lba10(c) === 1000 && len10(c) === 8, dataIn: (d) => d.fill(0) }],
    message: new RegExp(`LBA 1000 does not hold what WRITE\\(${s.slice(-2)}\\) with FUA wrote before the LOGICAL UNIT RESET`),
  };
}

export default CASES;
