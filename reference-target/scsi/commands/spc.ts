/**
 * Primary commands (SPC-5): TEST UNIT READY, INQUIRY with its VPD pages, REQUEST SENSE, REPORT LUNS,
 * MODE SENSE / MODE SELECT (6 and 10), REPORT SUPPORTED OPERATION CODES and PREVENT ALLOW MEDIUM REMOVAL.
 */
import { encodeStandardInquiry, PeripheralDeviceType, VersionDescriptor } from '../../../protocol/scsi/inquiry.js';
import { bigIntToLunBytes, encodeReportLuns, REPORT_LUNS_WLUN } from '../../../protocol/scsi/luns.js';
import { decodeCdb, opcodeHasServiceAction } from '../../../protocol/scsi/cdbcodec.js';
import { MaintIn, Op } from '../../../protocol/scsi/opcodes.js';
import { encodeRsocAllCommands, encodeRsocOneCommand, RsocSupport, type CommandTimeouts } from '../../../protocol/scsi/rsoc.js';
import { ALUA_SUPPORT_BIT, AluaState, encodeTargetPortGroups } from '../../../protocol/scsi/rtpg.js';
import { Asc, SenseKey } from '../../../protocol/scsi/sense.js';
import {
  Association,
  encodeBlockDeviceCharacteristics,
  encodeBlockLimits,
  encodeDeviceIdentification,
  encodeLogicalBlockProvisioning,
  encodeSupportedVpdPages,
  encodeUnitSerialNumber,
  naaDesignator,
  relativeTargetPortDesignator,
  scsiNameDesignator,
  t10VendorIdDesignator,
  targetPortGroupDesignator,
  VpdPage,
  type Designator,
} from '../../../protocol/scsi/vpd.js';
import { encodeExtendedInquiry } from '../../../protocol/scsi/vpdext.js';
import { CheckCondition, encodeCheck, invalidCdb } from '../check.js';
import type { LogicalUnit } from '../lu.js';
import type { Nexus } from '../types.js';
import { modeChanged, modeSelect, modeSenseData, DEFAULT_MODE } from '../modes.js';
import { Q } from '../quirks.js';
import { catalogued, type CommandSpec, type Ctx, type HandlerResult, type ServerCore } from './types.js';
import { thirdPartyCopyVpd } from './xcopy.js';

const cut = (b: Buffer, alloc: number): Buffer => (b.length > alloc ? b.subarray(0, alloc) : b);

// --- INQUIRY (SPC-5 6.7) ------------------------------------------------------------------------------------

/**
 * Standard INQUIRY data for a LU, for a well known LU (`'well-known'`: PQ 000b, type 1Eh) or, with `null`,
 * for an incorrect LUN (PQ 011b, type 1Fh).
 */
export function standardInquiry(core: ServerCore, of: LogicalUnit | null | 'well-known'): Buffer {
  const short = core.quirks.has(Q.SHORT_INQUIRY);
  const wk = of === 'well-known';
  const lu = wk ? null : of;
  return encodeStandardInquiry({
    peripheralQualifier: lu || wk ? 0 : 3,
    peripheralDeviceType: lu ? 0 : wk ? PeripheralDeviceType.WELL_KNOWN_LU : 0x1f,
    rmb: lu?.removable ?? false,
    // VERSION 06h: libiscsi's Inquiry.Standard accepts only 4..6; the version descriptors claim SPC-5
    version: 0x06,
    hisup: true,
    // TPGS 01b: implicit asymmetric logical unit access; REPORT TARGET PORT GROUPS reports the groups
    ...(lu ? { tpgs: 1 } : {}),
    // 3PC: the copy manager of commands/xcopy.ts (EXTENDED COPY, RECEIVE COPY RESULTS)
    ...(lu ? { threePc: true } : {}),
    responseDataFormat: 2,
    cmdque: true,
    vendor: core.vendor,
    product: core.product,
    revision: core.revision,
    // SPC-4 and SBC-3 are claimed as well: libiscsi (1.19) fails a 3Ch Block Limits page without an SBC-3 claim
    ...(short
      ? {}
      : {
          versionDescriptors: [
            VersionDescriptor.SAM_5,
            VersionDescriptor.SPC_5,
            VersionDescriptor.SPC_4,
            VersionDescriptor.SBC_4,
            VersionDescriptor.SBC_3,
            VersionDescriptor.ISCSI,
          ],
        }),
  });
}

function vpdPages(core: ServerCore): number[] {
  const pages = [
    VpdPage.SUPPORTED_PAGES,
    VpdPage.UNIT_SERIAL_NUMBER,
    VpdPage.DEVICE_IDENTIFICATION,
    VpdPage.EXTENDED_INQUIRY_DATA,
    VpdPage.THIRD_PARTY_COPY,
    VpdPage.BLOCK_LIMITS,
    VpdPage.BLOCK_DEVICE_CHARACTERISTICS,
    VpdPage.LOGICAL_BLOCK_PROVISIONING,
  ];
  if (core.quirks.has(Q.BAD_VPD_SORTING))
    return [
      VpdPage.SUPPORTED_PAGES,
      VpdPage.DEVICE_IDENTIFICATION,
      VpdPage.UNIT_SERIAL_NUMBER,
      VpdPage.EXTENDED_INQUIRY_DATA,
      VpdPage.THIRD_PARTY_COPY,
      VpdPage.LOGICAL_BLOCK_PROVISIONING,
      VpdPage.BLOCK_LIMITS,
      VpdPage.BLOCK_DEVICE_CHARACTERISTICS,
    ];
  return pages;
}

function designators(ctx: Ctx): Designator[] {
  const { core, lu, req } = ctx;
  const out: Designator[] = [naaDesignator(lu.naa, Association.LOGICAL_UNIT)];
  try {
    out.push(t10VendorIdDesignator(core.vendor, lu.serial, Association.LOGICAL_UNIT));
  } catch {
    // a name too long for a designator is left out rather than failing INQUIRY
  }
  return [...out, ...portDesignators(core, req.nexus)];
}

/** The designators of the target port a command came through and of the target device (VPD 83h). */
export function portDesignators(core: ServerCore, n: Nexus): Designator[] {
  const pid = core.protocolIdentifier;
  const out: Designator[] = [];
  const tryAdd = (f: () => Designator) => {
    try {
      out.push(f());
    } catch {
      // a name too long for a designator is left out rather than failing INQUIRY
    }
  };
  tryAdd(() => relativeTargetPortDesignator(n.relativeTargetPort, pid));
  tryAdd(() => targetPortGroupDesignator(n.targetPortGroup));
  const portName = core.quirks.has(Q.VPD83_BARE_PORT_NAME) ? n.targetName || core.targetName : n.targetPort;
  tryAdd(() => scsiNameDesignator(portName, Association.TARGET_PORT, pid));
  tryAdd(() => scsiNameDesignator(n.targetName || core.targetName, Association.TARGET_DEVICE, pid));
  return out;
}

function vpd(ctx: Ctx, page: number): Buffer {
  const { core, lu } = ctx;
  const l = lu.limits;
  switch (page) {
    case VpdPage.SUPPORTED_PAGES:
      return encodeSupportedVpdPages({ pages: vpdPages(core) });
    case VpdPage.UNIT_SERIAL_NUMBER:
      return encodeUnitSerialNumber({ serial: lu.serial });
    case VpdPage.DEVICE_IDENTIFICATION:
      return encodeDeviceIdentification({ designators: designators(ctx) });
    case VpdPage.THIRD_PARTY_COPY:
      return thirdPartyCopyVpd(ctx);
    case VpdPage.EXTENDED_INQUIRY_DATA:
      // every task attribute is honoured (taskset.ts); the write cache (Caching mode page WCE) is volatile; the
      // longest sense data (descriptor format with INFORMATION and a field pointer) is far below 252 bytes
      return encodeExtendedInquiry({
        headSup: true,
        ordSup: true,
        simpSup: true,
        vSup: true,
        maxSenseLength: core.quirks.has(Q.EXT_INQUIRY_SHORT_SENSE_LENGTH) ? 8 : 252,
      });
    case VpdPage.BLOCK_LIMITS:
      // SBC-4 6.6.4; every value here is enforced by the commands it limits
      return encodeBlockLimits({
        wsnz: l.wsnz,
        maximumCompareAndWriteLength: l.maxCompareAndWrite,
        optimalTransferLengthGranularity: l.optimalTransferGranularity,
        maximumTransferLength: l.maxTransfer,
        optimalTransferLength: l.optimalTransfer,
        maximumPrefetchLength: l.maxPrefetch,
        maximumUnmapLbaCount: l.maxUnmapLbaCount,
        maximumUnmapBlockDescriptorCount: l.maxUnmapDescriptors,
        optimalUnmapGranularity: l.optimalUnmapGranularity,
        ugavalid: lu.thin,
        unmapGranularityAlignment: 0,
        maximumWriteSameLength: l.maxWriteSame,
        maximumAtomicTransferLength: l.maxAtomicTransfer,
        atomicAlignment: l.atomicAlignment,
        atomicTransferLengthGranularity: l.atomicGranularity,
        maximumAtomicTransferLengthWithAtomicBoundary: 0,
        maximumAtomicBoundarySize: 0,
      });
    case VpdPage.BLOCK_DEVICE_CHARACTERISTICS:
      // non-rotating; reads after BLOCK ERASE and CRYPTO ERASE succeed: WABEREQ / WACEREQ 01b
      return encodeBlockDeviceCharacteristics({ mediumRotationRate: 1, wabereq: 1, wacereq: 1, fuab: true });
    case VpdPage.LOGICAL_BLOCK_PROVISIONING:
      // SBC-4 6.6.7: consistent with READ CAPACITY(16) LBPME/LBPRZ and the Block Limits unmap fields
      return lu.thin
        ? encodeLogicalBlockProvisioning({ lbpu: true, lbpws: true, lbpws10: true, lbprz: 1, ancSup: true, provisioningType: 2 })
        : encodeLogicalBlockProvisioning({ provisioningType: 0 });
    default:
      throw invalidCdb(2, 7);
  }
}

async function inquiry(ctx: Ctx): Promise<HandlerResult> {
  const { core, f } = ctx;
  const evpd = f.on('evpd');
  const page = f.num('page');
  const alloc = f.num('alloc');
  if (!evpd) {
    if (page !== 0) throw invalidCdb(2, 7); // SPC-5 6.7.1: PAGE CODE must be 0 when EVPD is 0
    const data = standardInquiry(core, ctx.lu);
    return { data: core.quirks.has(Q.SHORT_INQUIRY) ? data : cut(data, alloc) };
  }
  if (!vpdPages(core).includes(page)) throw invalidCdb(2, 7);
  return { data: cut(vpd(ctx, page), alloc) };
}

// --- REQUEST SENSE (SPC-5) -------------------------------------------------------------------------------------

/** The sense data REQUEST SENSE returns: a pending UA or deferred error (consumed), else the LU's state. */
export function requestSenseData(ctx: Ctx): Buffer {
  const { lu, itKey, core } = ctx;
  const desc = ctx.f.on('desc') && !core.quirks.has(Q.FIXED_SENSE_ONLY);
  const o = { descriptor: desc, noFieldPointer: core.quirks.has(Q.SENSE_NO_FIELD_POINTER) };
  const ua = lu.pendingUa(itKey);
  if (ua !== undefined) {
    lu.consumeUa(itKey);
    return encodeCheck(new CheckCondition(SenseKey.UNIT_ATTENTION, ua), o);
  }
  const def = lu.takeDeferred(itKey);
  if (def) return encodeCheck(def, o);
  if (lu.sanitizeOp) {
    return encodeCheck(
      new CheckCondition(SenseKey.NOT_READY, Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS, { progress: lu.sanitizeProgress(core.sanitizeDurationMs) }),
      o,
    );
  }
  if (!lu.mediumPresent) return encodeCheck(new CheckCondition(SenseKey.NOT_READY, Asc.MEDIUM_NOT_PRESENT), o);
  if (lu.sanitizeFailure) return encodeCheck(new CheckCondition(SenseKey.MEDIUM_ERROR, Asc.SANITIZE_COMMAND_FAILED), o);
  return encodeCheck(new CheckCondition(SenseKey.NO_SENSE, Asc.NO_ADDITIONAL_SENSE), o);
}

async function requestSense(ctx: Ctx): Promise<HandlerResult> {
  return { data: cut(requestSenseData(ctx), ctx.f.num('alloc')) };
}

// --- REPORT LUNS (SPC-5) ---------------------------------------------------------------------------------------

export function reportLunsData(core: ServerCore, cdb: Buffer): Buffer {
  const { values } = decodeCdb(cdb);
  const select = Number(values.select);
  // 00h: all LUs; 01h: well known LUs only (the REPORT LUNS well known LU, wlun.ts); 02h: all, well known
  // included. No conglomerates (SPC-5): 10h, administrative LUs only: none; 11h, administrative LUs and those
  // not subsidiary: every LU but the well known one; 12h, the subsidiary LUs of the addressed administrative
  // LU: none (no LU here is administrative)
  const wellKnown = [bigIntToLunBytes(REPORT_LUNS_WLUN)];
  const luns: Record<number, () => (number | Buffer)[]> = {
    0x00: () => core.lunNumbers(),
    0x01: () => wellKnown,
    0x02: () => [...core.lunNumbers(), ...wellKnown],
    0x10: () => [],
    0x11: () => core.lunNumbers(),
    0x12: () => [],
  };
  const of = luns[select];
  if (!of) throw invalidCdb(2, 7);
  return encodeReportLuns(of(), Number(values.alloc));
}

// --- MODE SENSE / MODE SELECT ---------------------------------------------------------------------------------

function modeSense(ten: boolean) {
  return async (ctx: Ctx): Promise<HandlerResult> => {
    const { lu, f } = ctx;
    const data = modeSenseData(
      { ten, dbd: f.on('dbd'), llbaa: ten && f.on('llbaa'), pc: f.num('pc'), page: f.num('page'), subpage: f.num('subpage') },
      { state: lu.mode, wp: lu.writeProtected, blocks: lu.mediumPresent ? lu.blocks : 0, blockSize: lu.blockSize },
    );
    return { data: cut(data, f.num('alloc')) };
  };
}

function modeSelectCmd(ten: boolean) {
  return async (ctx: Ctx): Promise<HandlerResult> => {
    const { lu, req, core, itKey, f } = ctx;
    const pf = f.on('pf');
    const rtd = f.on('rtd');
    const sp = f.on('sp');
    const len = f.num('paramLen');
    if (sp) throw invalidCdb(f.byteOf('sp'), 0); // saved pages are not implemented (SPC-5 6.12)
    if (rtd && len !== 0) throw invalidCdb(f.byteOf('paramLen'), 7); // SPC-5 6.12: RTD with a parameter list
    const params = (req.dataOut ?? Buffer.alloc(0)).subarray(0, len);
    const result: HandlerResult = {};
    if (params.length !== len) result.transferLength = len;
    if (params.length < len) throw new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.PARAMETER_LIST_LENGTH_ERROR);
    let next = lu.mode;
    if (rtd) next = { ...DEFAULT_MODE };
    else if (len > 0) {
      next = modeSelect(params, ten, {
        state: lu.mode,
        blocks: lu.blocks,
        blockSize: lu.blockSize,
        pf,
        checkReserved: !core.quirks.has(Q.IGNORE_RESERVED_BITS),
      });
    }
    if (core.quirks.has(Q.MODE_SELECT_NOOP)) return result;
    if (modeChanged(lu.mode, next)) {
      lu.mode = next;
      // SPC-5 (MODE SELECT): MODE PARAMETERS CHANGED for every other I_T nexus
      if (!core.quirks.has(Q.NO_MODE_CHANGE_UA)) for (const k of core.itKeys()) if (k !== itKey) lu.establishUa(k, Asc.MODE_PARAMETERS_CHANGED);
      if (!next.wce) await lu.flush(); // write-through from now on: nothing may stay volatile
    }
    return result;
  };
}

// --- REPORT SUPPORTED OPERATION CODES (SPC-5) ---------------------------------------------------------------

const timeoutsOf = (s: CommandSpec): CommandTimeouts => ({ commandSpecific: 0, nominal: 0, recommended: s.timeout ?? 30 });

/** The usage map RSOC reports: the evaluated bits with the service action in byte 1. */
export function reportedUsage(s: CommandSpec, core: ServerCore): Buffer {
  const u = s.usage.slice();
  if (s.sa !== undefined) u[1] = u[1]! | s.sa;
  if (core.quirks.has(Q.RSOC_BAD_USAGE) && u.length > 2) u[u.length - 2] = 0xff;
  return Buffer.from(u);
}

async function rsoc(ctx: Ctx): Promise<HandlerResult> {
  const { lu, core, f } = ctx;
  const rctd = f.on('rctd');
  const ro = f.num('options');
  const op = f.num('op');
  const sa = f.num('sa');
  const alloc = f.num('alloc');
  const specs = core.specsFor(lu);
  if (ro === 0) {
    const list = specs.map((s) => ({
      opcode: s.op,
      ...(s.sa !== undefined ? { serviceAction: s.sa } : {}),
      cdbLength: s.cdbLength,
      ...(rctd ? { timeouts: timeoutsOf(s) } : {}),
    }));
    return { data: encodeRsocAllCommands(list, alloc) };
  }
  if (ro > 3) throw invalidCdb(2, 2);
  const hasSa = specs.some((s) => s.op === op && s.sa !== undefined) || opcodeHasServiceAction(op);
  // SPC-5 (REPORTING OPTIONS): 001b asks for an operation code without service actions, 010b for one with them
  if (ro === 1 && hasSa) throw invalidCdb(2, 2);
  if (ro === 2 && !hasSa) throw invalidCdb(2, 2);
  const spec = specs.find((s) => s.op === op && (hasSa ? s.sa === sa : true));
  const data = spec
    ? encodeRsocOneCommand({ support: RsocSupport.SUPPORTED, usageMap: reportedUsage(spec, core), ...(rctd ? { timeouts: timeoutsOf(spec) } : {}) })
    : encodeRsocOneCommand({ support: RsocSupport.NOT_SUPPORTED, usageMap: Buffer.alloc(0) });
  return { data: cut(data, alloc) };
}

// --- REPORT TARGET PORT GROUPS (SPC-5) ------------------------------------------------------------------

/**
 * One target port group a TPGT (the nexus's), every port of it active/optimized, the only state supported
 * (AO_SUP): the ports are those of the target's known nexuses in that group, the asking one included.
 */
async function rtpg(ctx: Ctx): Promise<HandlerResult> {
  const { core, f, req } = ctx;
  const format = f.num('format');
  // SPC-5: PARAMETER DATA FORMAT 000b (length only) and 001b (extended header); the others are reserved
  if (format > 1) throw invalidCdb(1, 7);
  const n = req.nexus;
  const groups = new Map<number, Set<number>>([[n.targetPortGroup, new Set([n.relativeTargetPort])]]);
  for (const x of core.nexusList()) {
    if (x.targetName !== n.targetName) continue;
    if (!groups.has(x.targetPortGroup)) groups.set(x.targetPortGroup, new Set());
    groups.get(x.targetPortGroup)!.add(x.relativeTargetPort);
  }
  const state = core.quirks.has(Q.RTPG_BAD_STATE) ? 0x5 : AluaState.ACTIVE_OPTIMIZED;
  const data = encodeTargetPortGroups({
    extended: format === 1,
    groups: [...groups]
      .sort(([a], [b]) => a - b)
      .map(([group, ports]) => ({
        pref: false,
        state,
        supported: ALUA_SUPPORT_BIT[AluaState.ACTIVE_OPTIMIZED]!,
        group,
        ports: [...ports].sort((a, b) => a - b),
      })),
  });
  return { data: cut(data, f.num('alloc')) };
}

// --- PREVENT ALLOW MEDIUM REMOVAL (SBC-4 5.15) -------------------------------------------------------------

async function preventAllow(ctx: Ctx): Promise<HandlerResult> {
  const { lu, itKey, core } = ctx;
  const p = ctx.f.num('prevent');
  if (p > 1) throw invalidCdb(4, 1); // 10b and 11b (medium changer / obsolete) are not supported
  if (core.quirks.has(Q.NO_MEDIUM_REMOVAL_PREVENT)) return {};
  if (p === 1) lu.prevent.add(itKey);
  else lu.prevent.delete(itKey);
  return {};
}

// --- the table -----------------------------------------------------------------------------------------------

export const spcCommands: CommandSpec[] = [
  {
    ...catalogued(Op.TEST_UNIT_READY),
    access: 'any',
    handler: async (ctx) => {
      ctx.lu.requireMedium();
      return {};
    },
  },
  { ...catalogued(Op.REQUEST_SENSE), noUa: true, duringSanitize: true, access: 'any', spc2Allowed: true, handler: requestSense },
  { ...catalogued(Op.INQUIRY), noUa: true, duringSanitize: true, access: 'any', spc2Allowed: true, handler: inquiry },
  { ...catalogued(Op.MODE_SELECT_6), access: 'write', handler: modeSelectCmd(false) },
  // through Write Exclusive allowed, as REPORT CAPABILITIES' ALLOW COMMANDS lets a device server choose
  // for MODE SENSE and REPORT SUPPORTED OPERATION CODES; through Exclusive Access they conflict
  { ...catalogued(Op.MODE_SENSE_6), access: 'read', handler: modeSense(false) },
  {
    ...catalogued(Op.PREVENT_ALLOW_MEDIUM_REMOVAL),
    available: (lu) => lu.removable,
    // PREVENT 00b (allow) is allowed through any reservation; a prevention conflicts like a write
    access: (cdb) => ((cdb[4]! & 3) === 0 ? 'any' : 'write'),
    spc2Allowed: (cdb) => (cdb[4]! & 3) === 0,
    handler: preventAllow,
  },
  { ...catalogued(Op.MODE_SELECT_10), access: 'write', handler: modeSelectCmd(true) },
  { ...catalogued(Op.MODE_SENSE_10), access: 'read', handler: modeSense(true) },
  {
    ...catalogued(Op.REPORT_LUNS),
    noUa: true,
    duringSanitize: true,
    access: 'any',
    spc2Allowed: true,
    handler: async (ctx) => ({ data: reportLunsData(ctx.core, ctx.cdb) }),
  },
  { ...catalogued(Op.MAINTENANCE_IN, MaintIn.REPORT_SUPPORTED_OPERATION_CODES), access: 'read', handler: rsoc },
  // allowed through every reservation type (SPC-5 reservations)
  { ...catalogued(Op.MAINTENANCE_IN, MaintIn.REPORT_TARGET_PORT_GROUPS), access: 'any', handler: rtpg },
];
