/**
 * The start-up probe: once per run, before any test, the harness asks the target what it is (standard
 * INQUIRY, VPD pages 00h, 83h, B0h, B1h, B2h, READ CAPACITY (10) and (16), REPORT SUPPORTED OPERATION CODES,
 * MODE SENSE (6) for the WP bit and the Control page), after clearing the unit attentions a new nexus
 * starts with. Tests are gated on these facts and read them as `t.dev`.
 *
 * A probe command the target refuses is recorded, not fatal: the facts it would give stay undefined and the
 * tests that need them are skipped with the reason. Only a target that cannot be logged in to, or whose
 * standard INQUIRY fails, stops the run (exit code 3).
 */
import type { ScsiResult, Session } from './initiator/index.js';
import { ExitError } from './errors.js';
import { outcomeText } from './expect.js';
import { isNotImplemented } from './commands.js';
import {
  BlockDeviceCharacteristics,
  BlockLimits,
  CommandDescriptor,
  ControlPage,
  describeCdb,
  DeviceIdentification,
  findModePage,
  inquiry,
  LogicalBlockProvisioning,
  ModePageCode,
  ModeParameters,
  modeSense6,
  parseBlockDeviceCharacteristics,
  parseBlockLimits,
  parseControlPage,
  parseDeviceIdentification,
  parseLogicalBlockProvisioning,
  parseModeParameters6,
  parseReadCapacity10,
  parseReadCapacity16,
  parseRsocAllCommands,
  parseStandardInquiry,
  parseSupportedVpdPages,
  PeripheralDeviceType,
  readCapacity10,
  readCapacity16,
  ReadCapacity10Data,
  ReadCapacity16Data,
  reportSupportedOperationCodes,
  ScsiStatus,
  SenseKey,
  StandardInquiry,
  testUnitReady,
  VpdPage,
} from '../protocol/scsi/index.js';

/** What the probe learned about the logical unit under test. */
export interface DeviceFacts {
  /** Standard INQUIRY, parsed, and its bytes. */
  inquiry: StandardInquiry;
  inquiryData: Buffer;
  /** PERIPHERAL DEVICE TYPE. */
  deviceType: number;
  /** A direct-access block device (type 0). */
  sbc: boolean;
  /** Claims SBC-3 or later (a version descriptor), or SPC-4 or later in VERSION. */
  sbc3: boolean;
  /** RMB. */
  removable: boolean;
  /** PROTECT in INQUIRY and PROT_EN in READ CAPACITY (16). */
  protection: boolean;
  /** VPD pages listed by page 00h; undefined when it could not be read. */
  vpdPages?: number[];
  deviceId?: DeviceIdentification;
  blockLimits?: BlockLimits;
  bdc?: BlockDeviceCharacteristics;
  lbp?: LogicalBlockProvisioning;
  rc10?: ReadCapacity10Data;
  rc16?: ReadCapacity16Data;
  /** Logical block length in bytes (0 when the capacity could not be read). */
  blockSize: number;
  /** Number of logical blocks (last LBA + 1). */
  blocks: number;
  /** The last LBA. */
  lastLba: number;
  /** LBPME. */
  thin: boolean;
  /** Logical blocks per physical block (2^LBPPBE). */
  lbppb: number;
  /** REPORT SUPPORTED OPERATION CODES, all commands; undefined when the target does not support it. */
  rsoc?: CommandDescriptor[];
  /** MODE SENSE (6) of all pages. */
  mode?: ModeParameters;
  /** WP in the mode parameter header. */
  readOnly: boolean;
  /** DPOFUA in the mode parameter header. */
  dpofua: boolean;
  control?: ControlPage;
  /** MAXIMUM TRANSFER LENGTH of the Block Limits page, in blocks; Infinity when none is set. */
  maxTransferBlocks: number;
  /** The probe's commands and outcomes, for --verbose. */
  log: string[];
  /** Probe commands the target did not complete, with what it answered. */
  problems: string[];
}

/** Whether REPORT SUPPORTED OPERATION CODES lists the command: undefined when RSOC is not available. */
export function supports(dev: Pick<DeviceFacts, 'rsoc'>, op: number, sa?: number): boolean | undefined {
  if (!dev.rsoc) return undefined;
  return dev.rsoc.some((c) => c.opcode === op && (sa === undefined || !c.servactv || c.serviceAction === sa));
}

const SBC3_DESCRIPTORS = (v: number): boolean => {
  const fam = v & 0xffe0;
  return fam === 0x04c0 /* SBC-3 */ || fam === 0x0600 /* SBC-4 */ || fam === 0x06c0; /* SBC-5 */
};

/** Send TEST UNIT READY until no UNIT ATTENTION is reported (at most 10): a new nexus starts with some. */
export async function clearUnitAttentions(s: Session, timeoutMs: number, log?: (l: string) => void): Promise<number> {
  let n = 0;
  for (let i = 0; i < 10; i++) {
    const r = await s.command({ cdb: testUnitReady(), timeoutMs });
    if (r.status === ScsiStatus.CHECK_CONDITION && r.sense?.key === SenseKey.UNIT_ATTENTION) {
      n++;
      log?.(`TEST UNIT READY: cleared ${outcomeText(r)}`);
      continue;
    }
    break;
  }
  return n;
}

/** Probe the logical unit over an open session. Throws exit code 3 when even INQUIRY cannot be done. */
export async function probe(s: Session, timeoutMs = 15_000): Promise<DeviceFacts> {
  const log: string[] = [];
  const problems: string[] = [];
  await clearUnitAttentions(s, timeoutMs, (l) => log.push(l));

  const send = async (cdb: Buffer, dataIn: number): Promise<ScsiResult | undefined> => {
    const what = describeCdb(cdb);
    const r = await s.command({ cdb, dataIn, timeoutMs });
    const outcome = outcomeText(r);
    log.push(`${what}: ${outcome}${r.status === ScsiStatus.GOOD ? `, ${r.data.length} bytes` : ''}`);
    if (r.response === 0 && r.status === ScsiStatus.GOOD) return r;
    problems.push(`${what}: ${isNotImplemented(cdb, r) ? 'not implemented' : outcome}`);
    return undefined;
  };
  const decode = <T>(what: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
      log.push(`${what}: cannot decode: ${(e as Error).message}`);
      return undefined;
    }
  };

  // Standard INQUIRY: 255 first, then the whole of it if more is there.
  let inq = await send(inquiry({ alloc: 255 }), 255);
  if (inq && inq.data.length >= 5 && 5 + inq.data[4]! > 255) inq = (await send(inquiry({ alloc: 5 + inq.data[4]! }), 5 + inq.data[4]!)) ?? inq;
  if (!inq) throw new ExitError(3, `the target answered the start-up INQUIRY with ${problems[problems.length - 1] ?? 'an error'}`);
  const std = decode('standard INQUIRY data', () => parseStandardInquiry(inq!.data));
  if (!std) throw new ExitError(3, `the target's standard INQUIRY data cannot be decoded: ${problems[problems.length - 1]}`);
  if (std.peripheralQualifier !== 0) {
    throw new ExitError(3, `LUN ${s.options.lun ?? 0} of ${s.options.targetName} is not connected (INQUIRY PERIPHERAL QUALIFIER ${std.peripheralQualifier})`);
  }
  const sbc = std.peripheralDeviceType === PeripheralDeviceType.DIRECT_ACCESS;

  const vpd = async <T>(page: number, parse: (b: Buffer) => T): Promise<T | undefined> => {
    const r = await send(inquiry({ evpd: true, page, alloc: 4096 }), 4096);
    return r ? decode(`VPD page 0x${page.toString(16)}`, () => parse(r.data)) : undefined;
  };
  const pages = await vpd(VpdPage.SUPPORTED_PAGES, parseSupportedVpdPages);
  const listed = (p: number) => !pages || pages.pages.includes(p);
  const deviceId = listed(VpdPage.DEVICE_IDENTIFICATION) ? await vpd(VpdPage.DEVICE_IDENTIFICATION, parseDeviceIdentification) : undefined;
  const blockLimits = sbc && listed(VpdPage.BLOCK_LIMITS) ? await vpd(VpdPage.BLOCK_LIMITS, parseBlockLimits) : undefined;
  const bdc =
    sbc && listed(VpdPage.BLOCK_DEVICE_CHARACTERISTICS) ? await vpd(VpdPage.BLOCK_DEVICE_CHARACTERISTICS, parseBlockDeviceCharacteristics) : undefined;

  let rc10: ReadCapacity10Data | undefined;
  let rc16: ReadCapacity16Data | undefined;
  if (sbc) {
    const r10 = await send(readCapacity10(), 8);
    if (r10) rc10 = decode('READ CAPACITY(10) data', () => parseReadCapacity10(r10.data));
    const r16 = await send(readCapacity16({ alloc: 32 }), 32);
    if (r16) rc16 = decode('READ CAPACITY(16) data', () => parseReadCapacity16(r16.data));
  }
  const lbp =
    sbc && (rc16?.lbpme || (pages && pages.pages.includes(VpdPage.LOGICAL_BLOCK_PROVISIONING)))
      ? await vpd(VpdPage.LOGICAL_BLOCK_PROVISIONING, parseLogicalBlockProvisioning)
      : undefined;

  let rsoc: CommandDescriptor[] | undefined;
  const rs = await send(reportSupportedOperationCodes({ alloc: 65535 }), 65535);
  if (rs) rsoc = decode('REPORT SUPPORTED OPERATION CODES data', () => parseRsocAllCommands(rs.data).commands);

  let mode: ModeParameters | undefined;
  const ms = await send(modeSense6({ page: 0x3f, alloc: 255 }), 255);
  if (ms) mode = decode('MODE SENSE(6) data', () => parseModeParameters6(ms.data));
  let control: ControlPage | undefined;
  const cpRaw = mode && findModePage(mode, ModePageCode.CONTROL);
  if (cpRaw) control = decode('Control mode page', () => parseControlPage(cpRaw));
  else {
    const cp = await send(modeSense6({ page: ModePageCode.CONTROL, alloc: 255 }), 255);
    const m = cp ? decode('MODE SENSE(6) Control page data', () => parseModeParameters6(cp.data)) : undefined;
    const p = m && findModePage(m, ModePageCode.CONTROL);
    if (p) control = decode('Control mode page', () => parseControlPage(p));
    mode ??= m;
  }

  let blockSize = 0;
  let blocks = 0;
  if (rc16 && rc16.blockLength > 0) {
    blockSize = rc16.blockLength;
    blocks = Number(rc16.lastLba) + 1;
  } else if (rc10 && rc10.blockLength > 0) {
    blockSize = rc10.blockLength;
    blocks = rc10.lastLba + 1;
  }
  const mtl = blockLimits?.maximumTransferLength;
  const facts: DeviceFacts = {
    inquiry: std,
    inquiryData: Buffer.from(inq.data),
    deviceType: std.peripheralDeviceType,
    sbc,
    sbc3: std.versionDescriptors.some(SBC3_DESCRIPTORS) || std.version >= 6,
    removable: std.rmb,
    protection: !!std.protect && !!rc16?.protEn,
    blockSize,
    blocks,
    lastLba: blocks - 1,
    thin: !!rc16?.lbpme,
    lbppb: 2 ** (rc16?.lbppbExponent ?? 0),
    readOnly: !!mode?.header.wp,
    dpofua: !!mode?.header.dpofua,
    maxTransferBlocks: mtl ? mtl : Infinity,
    log,
    problems,
  };
  if (pages) facts.vpdPages = pages.pages;
  if (deviceId) facts.deviceId = deviceId;
  if (blockLimits) facts.blockLimits = blockLimits;
  if (bdc) facts.bdc = bdc;
  if (lbp) facts.lbp = lbp;
  if (rc10) facts.rc10 = rc10;
  if (rc16) facts.rc16 = rc16;
  if (rsoc) facts.rsoc = rsoc;
  if (mode) facts.mode = mode;
  if (control) facts.control = control;
  return facts;
}

/** One line describing the device, for reports. */
export function describeDevice(d: DeviceFacts): string {
  const id = [d.inquiry.vendor, d.inquiry.product, d.inquiry.revision].filter(Boolean).join(' ');
  const size = d.blockSize ? `${d.blocks} blocks of ${d.blockSize} bytes (${formatBytes(d.blocks * d.blockSize)})` : 'capacity unknown';
  const flags = [
    d.sbc ? 'SBC' : `device type 0x${d.deviceType.toString(16)}`,
    d.thin ? 'thin' : '',
    d.readOnly ? 'write-protected' : '',
    d.removable ? 'removable' : '',
  ].filter(Boolean);
  return `${id || '(no identification)'}, ${size}, ${flags.join(', ')}`;
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
