/**
 * Vital product data pages: parsers and encoders for Supported VPD Pages (00h), Unit Serial Number (80h),
 * Device Identification (83h) (SPC-5), Block Limits (B0h), Block Device Characteristics (B1h) and
 * Logical Block Provisioning (B2h) (SBC-4 6.6).
 *
 * Every parser bounds each read by the page length and the buffer: data cut short by the ALLOCATION LENGTH
 * gives what is there with `truncated: true`; a descriptor that overruns the declared PAGE LENGTH, a page
 * code that is not the one asked for, or fewer than 4 bytes throw `SCSI_E_DECODE`.
 */
import { decodeError, rangeError } from '../errors.js';
import { asciiField, bit, hex, need, optUint, putAscii, putBE, uint, uintBig, View, type U64 } from './util.js';

/** VPD page codes (SPC-5 VPD parameters, SBC-4 6.6.1 table 257). */
export const VpdPage = {
  SUPPORTED_PAGES: 0x00,
  UNIT_SERIAL_NUMBER: 0x80,
  DEVICE_IDENTIFICATION: 0x83,
  EXTENDED_INQUIRY_DATA: 0x86,
  MODE_PAGE_POLICY: 0x87,
  SCSI_PORTS: 0x88,
  THIRD_PARTY_COPY: 0x8f,
  BLOCK_LIMITS: 0xb0,
  BLOCK_DEVICE_CHARACTERISTICS: 0xb1,
  LOGICAL_BLOCK_PROVISIONING: 0xb2,
  REFERRALS: 0xb3,
} as const;

/** The 4-byte header every VPD page starts with (SPC-5 VPD parameters). */
export interface VpdHeader {
  peripheralQualifier: number;
  peripheralDeviceType: number;
  pageCode: number;
  /** PAGE LENGTH: bytes following byte 3. */
  pageLength: number;
  /** The buffer ended before 4 + PAGE LENGTH. */
  truncated: boolean;
}

/** Peripheral fields given to VPD encoders (default 0: connected direct-access device). */
export interface VpdCommon {
  peripheralQualifier?: number;
  peripheralDeviceType?: number;
}

/** Parses the 4-byte VPD page header (SPC-5 VPD parameters). */
export function parseVpdHeader(buf: Buffer): VpdHeader {
  need('VPD page', buf, 4);
  const pageLength = buf.readUInt16BE(2);
  return {
    peripheralQualifier: buf[0]! >> 5,
    peripheralDeviceType: buf[0]! & 0x1f,
    pageCode: buf[1]!,
    pageLength,
    truncated: buf.length < 4 + pageLength,
  };
}

function openPage(ctx: string, buf: Buffer, pageCode: number): { h: VpdHeader; v: View; declaredEnd: number } {
  const h = parseVpdHeader(buf);
  if (h.pageCode !== pageCode) throw decodeError(`${ctx}: PAGE CODE ${hex(h.pageCode)}, expected ${hex(pageCode)}`);
  const declaredEnd = 4 + h.pageLength;
  return { h, v: new View(buf, declaredEnd), declaredEnd };
}

function page(ctx: string, pageCode: number, body: Buffer, o: VpdCommon): Buffer {
  if (body.length > 0xffff) throw rangeError(`${ctx}: ${body.length} bytes do not fit PAGE LENGTH`);
  const h = Buffer.alloc(4);
  h[0] = (optUint(ctx, 'PERIPHERAL QUALIFIER', o.peripheralQualifier, 3) << 5) | optUint(ctx, 'PERIPHERAL DEVICE TYPE', o.peripheralDeviceType, 5);
  h[1] = pageCode;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

// --- 00h Supported VPD Pages (SPC-5) --------------------------------------------------------------------

export interface SupportedVpdPages extends VpdHeader {
  pages: number[];
}

/** SPC-5 Supported VPD Pages. */
export function parseSupportedVpdPages(buf: Buffer): SupportedVpdPages {
  const { h, v } = openPage('Supported VPD Pages', buf, VpdPage.SUPPORTED_PAGES);
  const pages: number[] = [];
  for (let off = 4; off < v.end; off++) pages.push(buf[off]!);
  return { ...h, pages };
}

/** SPC-5 Supported VPD Pages. */
export function encodeSupportedVpdPages(o: { pages: number[] } & VpdCommon): Buffer {
  const ctx = 'Supported VPD Pages';
  return page(ctx, VpdPage.SUPPORTED_PAGES, Buffer.from(o.pages.map((p, i) => uint(ctx, `page ${i}`, p, 8))), o);
}

// --- 80h Unit Serial Number (SPC-5) ---------------------------------------------------------------------

export interface UnitSerialNumber extends VpdHeader {
  /** PRODUCT SERIAL NUMBER with leading and trailing spaces (and NULs) removed. */
  serial: string;
}

/** SPC-5 Unit Serial Number. */
export function parseUnitSerialNumber(buf: Buffer): UnitSerialNumber {
  const { h, v } = openPage('Unit Serial Number', buf, VpdPage.UNIT_SERIAL_NUMBER);
  return { ...h, serial: asciiField(buf.subarray(4, v.end)).replace(/^[ \0]+/, '') };
}

/** SPC-5 Unit Serial Number (printable ASCII). */
export function encodeUnitSerialNumber(o: { serial: string } & VpdCommon): Buffer {
  const ctx = 'Unit Serial Number';
  const body = Buffer.alloc(o.serial.length);
  putAscii(ctx, 'PRODUCT SERIAL NUMBER', body, 0, o.serial.length, o.serial);
  return page(ctx, VpdPage.UNIT_SERIAL_NUMBER, body, o);
}

// --- 83h Device Identification (SPC-5) ------------------------------------------------------------------

/** A designation descriptor (SPC-5 Device Identification VPD page). */
export interface Designator {
  protocolIdentifier: number;
  codeSet: number;
  /** PIV: the PROTOCOL IDENTIFIER field is valid (only with association 1 or 2). */
  piv: boolean;
  association: number;
  designatorType: number;
  designator: Buffer;
}

export const CodeSet = { BINARY: 1, ASCII: 2, UTF8: 3 } as const;
export const Association = { LOGICAL_UNIT: 0, TARGET_PORT: 1, TARGET_DEVICE: 2 } as const;
export const DesignatorType = {
  VENDOR_SPECIFIC: 0x0,
  T10_VENDOR_ID: 0x1,
  EUI64: 0x2,
  NAA: 0x3,
  RELATIVE_TARGET_PORT: 0x4,
  TARGET_PORT_GROUP: 0x5,
  LOGICAL_UNIT_GROUP: 0x6,
  MD5_LOGICAL_UNIT: 0x7,
  SCSI_NAME_STRING: 0x8,
  PROTOCOL_SPECIFIC_PORT: 0x9,
  UUID: 0xa,
} as const;
/** PROTOCOL IDENTIFIER values (SPC-5). */
export const ProtocolId = {
  FCP: 0x0,
  SPI: 0x1,
  SSA: 0x2,
  SBP: 0x3,
  SRP: 0x4,
  ISCSI: 0x5,
  SAS: 0x6,
  ADT: 0x7,
  ATA: 0x8,
  UAS: 0x9,
  SOP: 0xa,
  PCIE: 0xb,
  NONE: 0xf,
} as const;

/**
 * Reads designation descriptors from `start` to the end of `v`. A descriptor past `declaredEnd` is an
 * inconsistency; one cut by the buffer ends the list (the caller reports truncation).
 */
function readDesignators(ctx: string, v: View, start: number, declaredEnd: number): Designator[] {
  const out: Designator[] = [];
  let off = start;
  while (off < v.end) {
    const len = v.u8(off + 3);
    if (len === undefined || off + 4 + len > v.end) {
      if (v.end >= declaredEnd) throw decodeError(`${ctx}: designation descriptor at byte ${off} overruns PAGE LENGTH`);
      break;
    }
    const b0 = v.buf[off]!;
    const b1 = v.buf[off + 1]!;
    out.push({
      protocolIdentifier: b0 >> 4,
      codeSet: b0 & 0x0f,
      piv: (b1 & 0x80) !== 0,
      association: (b1 >> 4) & 3,
      designatorType: b1 & 0x0f,
      designator: v.slice(off + 4, len)!,
    });
    off += 4 + len;
  }
  return out;
}

/** Encodes one designation descriptor (4-byte header + designator). */
export function encodeDesignator(d: Designator): Buffer {
  const ctx = 'designation descriptor';
  if (d.designator.length > 255) throw rangeError(`${ctx}: designator of ${d.designator.length} bytes does not fit 255`);
  const h = Buffer.alloc(4);
  h[0] = (uint(ctx, 'PROTOCOL IDENTIFIER', d.protocolIdentifier, 4) << 4) | uint(ctx, 'CODE SET', d.codeSet, 4);
  h[1] = (bit(d.piv) << 7) | (uint(ctx, 'ASSOCIATION', d.association, 2) << 4) | uint(ctx, 'DESIGNATOR TYPE', d.designatorType, 4);
  h[3] = d.designator.length;
  return Buffer.concat([h, d.designator]);
}

export interface DeviceIdentification extends VpdHeader {
  designators: Designator[];
}

/** SPC-5 Device Identification. */
export function parseDeviceIdentification(buf: Buffer): DeviceIdentification {
  const ctx = 'Device Identification';
  const { h, v, declaredEnd } = openPage(ctx, buf, VpdPage.DEVICE_IDENTIFICATION);
  return { ...h, designators: readDesignators(ctx, v, 4, declaredEnd) };
}

/** SPC-5 Device Identification. */
export function encodeDeviceIdentification(o: { designators: Designator[] } & VpdCommon): Buffer {
  return page('Device Identification', VpdPage.DEVICE_IDENTIFICATION, Buffer.concat(o.designators.map(encodeDesignator)), o);
}

const binary = (association: number, designatorType: number, designator: Buffer, protocolIdentifier?: number): Designator => ({
  protocolIdentifier: protocolIdentifier ?? 0,
  codeSet: CodeSet.BINARY,
  piv: protocolIdentifier !== undefined,
  association,
  designatorType,
  designator,
});

/**
 * NAA designator (type 3, SPC-5): `id` is the whole 8-byte (NAA 2, 3, 5) or 16-byte (NAA 6)
 * identifier, NAA nibble included.
 */
export function naaDesignator(id: Buffer, association: number = Association.LOGICAL_UNIT): Designator {
  const naa = id.length > 0 ? id[0]! >> 4 : -1;
  const ok = (id.length === 8 && (naa === 2 || naa === 3 || naa === 5)) || (id.length === 16 && naa === 6);
  if (!ok) throw rangeError(`NAA designator: ${id.length} bytes with NAA ${naa} (need 8 bytes for NAA 2/3/5, 16 for NAA 6)`);
  return binary(association, DesignatorType.NAA, Buffer.from(id));
}

/** NAA 5 (IEEE Registered, SPC-5): 24-bit IEEE COMPANY_ID and 36-bit VENDOR SPECIFIC IDENTIFIER. */
export function naaRegisteredDesignator(companyId: number, vendorSpecific: U64, association: number = Association.LOGICAL_UNIT): Designator {
  const ctx = 'NAA 5 designator';
  const oui = BigInt(uint(ctx, 'IEEE COMPANY_ID', companyId, 24));
  const vs = uintBig(ctx, 'VENDOR SPECIFIC IDENTIFIER', vendorSpecific, 36);
  const id = Buffer.alloc(8);
  id.writeBigUInt64BE((5n << 60n) | (oui << 36n) | vs);
  return naaDesignator(id, association);
}

/** T10 vendor ID based designator (type 1, SPC-5): 8-byte vendor, then the vendor-specific text. */
export function t10VendorIdDesignator(vendor: string, specific: string, association: number = Association.LOGICAL_UNIT): Designator {
  const ctx = 'T10 vendor ID designator';
  const d = Buffer.alloc(8 + specific.length);
  putAscii(ctx, 'T10 VENDOR IDENTIFICATION', d, 0, 8, vendor);
  putAscii(ctx, 'VENDOR SPECIFIC IDENTIFIER', d, 8, specific.length, specific);
  return { protocolIdentifier: 0, codeSet: CodeSet.ASCII, piv: false, association, designatorType: DesignatorType.T10_VENDOR_ID, designator: d };
}

/**
 * SCSI name string designator (type 8, SPC-5): UTF-8, NUL terminated and padded with NULs to a
 * multiple of 4 bytes. `protocolIdentifier` (e.g. `ProtocolId.ISCSI`) sets PIV.
 */
export function scsiNameDesignator(name: string, association: number, protocolIdentifier?: number): Designator {
  const raw = Buffer.from(name, 'utf8');
  const len = (raw.length + 1 + 3) & ~3;
  if (len > 255) throw rangeError(`SCSI name string designator: ${JSON.stringify(name)} is longer than 255 bytes with padding`);
  const d = Buffer.alloc(len);
  raw.copy(d);
  return { ...binary(association, DesignatorType.SCSI_NAME_STRING, d, protocolIdentifier), codeSet: CodeSet.UTF8 };
}

/** Relative target port designator (type 4, SPC-5), association target port. */
export function relativeTargetPortDesignator(id: number, protocolIdentifier?: number): Designator {
  const d = Buffer.alloc(4);
  d.writeUInt16BE(uint('relative target port designator', 'RELATIVE TARGET PORT IDENTIFIER', id, 16), 2);
  return binary(Association.TARGET_PORT, DesignatorType.RELATIVE_TARGET_PORT, d, protocolIdentifier);
}

/** Target port group designator (type 5, SPC-5), association target port. */
export function targetPortGroupDesignator(group: number): Designator {
  const d = Buffer.alloc(4);
  d.writeUInt16BE(uint('target port group designator', 'TARGET PORT GROUP', group, 16), 2);
  return binary(Association.TARGET_PORT, DesignatorType.TARGET_PORT_GROUP, d);
}

/** Logical unit group designator (type 6, SPC-5), association logical unit. */
export function logicalUnitGroupDesignator(group: number): Designator {
  const d = Buffer.alloc(4);
  d.writeUInt16BE(uint('logical unit group designator', 'LOGICAL UNIT GROUP', group, 16), 2);
  return binary(Association.LOGICAL_UNIT, DesignatorType.LOGICAL_UNIT_GROUP, d);
}

/** A designator's meaning, by type. */
export type DecodedDesignator =
  | { kind: 'naa'; naa: number; id: Buffer }
  | { kind: 't10VendorId'; vendor: string; specific: string }
  | { kind: 'eui64'; id: Buffer }
  | { kind: 'scsiName'; name: string }
  | { kind: 'relativeTargetPort'; id: number }
  | { kind: 'targetPortGroup'; group: number }
  | { kind: 'logicalUnitGroup'; group: number }
  | { kind: 'other'; type: number; data: Buffer };

/** Interprets a designator by its type; a designator of the wrong length for its type throws `SCSI_E_DECODE`. */
export function decodeDesignator(d: Designator): DecodedDesignator {
  const x = d.designator;
  const bad = (what: string) => decodeError(`designator type ${hex(d.designatorType)}: ${x.length} bytes, ${what}`);
  switch (d.designatorType) {
    case DesignatorType.NAA: {
      const naa = x.length > 0 ? x[0]! >> 4 : -1;
      if (!((x.length === 8 && naa !== 6) || (x.length === 16 && naa === 6))) throw bad(`inconsistent with NAA ${naa}`);
      return { kind: 'naa', naa, id: Buffer.from(x) };
    }
    case DesignatorType.T10_VENDOR_ID:
      if (x.length < 8) throw bad('need at least 8');
      return { kind: 't10VendorId', vendor: asciiField(x.subarray(0, 8)), specific: asciiField(x.subarray(8)) };
    case DesignatorType.EUI64:
      if (x.length !== 8 && x.length !== 12 && x.length !== 16) throw bad('need 8, 12 or 16');
      return { kind: 'eui64', id: Buffer.from(x) };
    case DesignatorType.SCSI_NAME_STRING: {
      const nul = x.indexOf(0);
      return { kind: 'scsiName', name: x.subarray(0, nul < 0 ? x.length : nul).toString('utf8') };
    }
    case DesignatorType.RELATIVE_TARGET_PORT:
      if (x.length !== 4) throw bad('need 4');
      return { kind: 'relativeTargetPort', id: x.readUInt16BE(2) };
    case DesignatorType.TARGET_PORT_GROUP:
      if (x.length !== 4) throw bad('need 4');
      return { kind: 'targetPortGroup', group: x.readUInt16BE(2) };
    case DesignatorType.LOGICAL_UNIT_GROUP:
      if (x.length !== 4) throw bad('need 4');
      return { kind: 'logicalUnitGroup', group: x.readUInt16BE(2) };
    default:
      return { kind: 'other', type: d.designatorType, data: Buffer.from(x) };
  }
}

/** `'NAA 0x6001405...'`, `'SCSI NAME iqn.2003-01.org.example:t1'`, `'RELATIVE TARGET PORT 1'`... */
export function describeDesignator(d: Designator): string {
  const x = decodeDesignator(d);
  switch (x.kind) {
    case 'naa':
      return `NAA 0x${x.id.toString('hex')}`;
    case 't10VendorId':
      return `T10 VENDOR ID ${x.vendor} ${x.specific}`;
    case 'eui64':
      return `EUI-64 0x${x.id.toString('hex')}`;
    case 'scsiName':
      return `SCSI NAME ${x.name}`;
    case 'relativeTargetPort':
      return `RELATIVE TARGET PORT ${x.id}`;
    case 'targetPortGroup':
      return `TARGET PORT GROUP ${x.group}`;
    case 'logicalUnitGroup':
      return `LOGICAL UNIT GROUP ${x.group}`;
    default:
      return `DESIGNATOR TYPE ${hex(x.type, 1)} 0x${x.data.toString('hex')}`;
  }
}

// --- B0h Block Limits (SBC-4 6.6.4) ----------------------------------------------------------------------

/** Block Limits fields; absent when the page (older SBC revisions use PAGE LENGTH 10h) or the data ends first. */
export interface BlockLimits {
  wsnz?: boolean;
  maximumCompareAndWriteLength?: number;
  optimalTransferLengthGranularity?: number;
  maximumTransferLength?: number;
  optimalTransferLength?: number;
  maximumPrefetchLength?: number;
  maximumUnmapLbaCount?: number;
  maximumUnmapBlockDescriptorCount?: number;
  optimalUnmapGranularity?: number;
  ugavalid?: boolean;
  unmapGranularityAlignment?: number;
  maximumWriteSameLength?: bigint;
  maximumAtomicTransferLength?: number;
  atomicAlignment?: number;
  atomicTransferLengthGranularity?: number;
  maximumAtomicTransferLengthWithAtomicBoundary?: number;
  maximumAtomicBoundarySize?: number;
}

/** SBC-4 6.6.4 Block Limits. */
export function parseBlockLimits(buf: Buffer): BlockLimits & VpdHeader {
  const { h, v } = openPage('Block Limits', buf, VpdPage.BLOCK_LIMITS);
  const out: BlockLimits & VpdHeader = { ...h };
  const set = <K extends keyof BlockLimits>(k: K, val: BlockLimits[K] | undefined) => {
    if (val !== undefined) out[k] = val as (BlockLimits & VpdHeader)[K];
  };
  set('wsnz', v.flag(4, 0));
  set('maximumCompareAndWriteLength', v.u8(5));
  set('optimalTransferLengthGranularity', v.u16(6));
  set('maximumTransferLength', v.u32(8));
  set('optimalTransferLength', v.u32(12));
  set('maximumPrefetchLength', v.u32(16));
  set('maximumUnmapLbaCount', v.u32(20));
  set('maximumUnmapBlockDescriptorCount', v.u32(24));
  set('optimalUnmapGranularity', v.u32(28));
  const uga = v.u32(32);
  if (uga !== undefined) {
    out.ugavalid = uga >= 0x80000000;
    out.unmapGranularityAlignment = uga & 0x7fffffff;
  }
  set('maximumWriteSameLength', v.u64(36));
  set('maximumAtomicTransferLength', v.u32(44));
  set('atomicAlignment', v.u32(48));
  set('atomicTransferLengthGranularity', v.u32(52));
  set('maximumAtomicTransferLengthWithAtomicBoundary', v.u32(56));
  set('maximumAtomicBoundarySize', v.u32(60));
  return out;
}

/** SBC-4 6.6.4 Block Limits: the full 64-byte page (PAGE LENGTH 3Ch); absent fields are 0. */
export function encodeBlockLimits(o: Omit<BlockLimits, 'maximumWriteSameLength'> & { maximumWriteSameLength?: U64 } & VpdCommon): Buffer {
  const ctx = 'Block Limits';
  const b = Buffer.alloc(60);
  const u32 = (off: number, name: string, val: number | undefined, bits = 32) => b.writeUInt32BE(optUint(ctx, name, val, bits), off - 4);
  b[0] = bit(o.wsnz);
  b[1] = optUint(ctx, 'MAXIMUM COMPARE AND WRITE LENGTH', o.maximumCompareAndWriteLength, 8);
  b.writeUInt16BE(optUint(ctx, 'OPTIMAL TRANSFER LENGTH GRANULARITY', o.optimalTransferLengthGranularity, 16), 2);
  u32(8, 'MAXIMUM TRANSFER LENGTH', o.maximumTransferLength);
  u32(12, 'OPTIMAL TRANSFER LENGTH', o.optimalTransferLength);
  u32(16, 'MAXIMUM PREFETCH LENGTH', o.maximumPrefetchLength);
  u32(20, 'MAXIMUM UNMAP LBA COUNT', o.maximumUnmapLbaCount);
  u32(24, 'MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT', o.maximumUnmapBlockDescriptorCount);
  u32(28, 'OPTIMAL UNMAP GRANULARITY', o.optimalUnmapGranularity);
  b.writeUInt32BE(((bit(o.ugavalid) << 31) >>> 0) + optUint(ctx, 'UNMAP GRANULARITY ALIGNMENT', o.unmapGranularityAlignment, 31), 28);
  putBE(b, 32, 8, uintBig(ctx, 'MAXIMUM WRITE SAME LENGTH', o.maximumWriteSameLength ?? 0, 64));
  u32(44, 'MAXIMUM ATOMIC TRANSFER LENGTH', o.maximumAtomicTransferLength);
  u32(48, 'ATOMIC ALIGNMENT', o.atomicAlignment);
  u32(52, 'ATOMIC TRANSFER LENGTH GRANULARITY', o.atomicTransferLengthGranularity);
  u32(56, 'MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY', o.maximumAtomicTransferLengthWithAtomicBoundary);
  u32(60, 'MAXIMUM ATOMIC BOUNDARY SIZE', o.maximumAtomicBoundarySize);
  return page(ctx, VpdPage.BLOCK_LIMITS, b, o);
}

// --- B1h Block Device Characteristics (SBC-4 6.6.2) ------------------------------------------------------

export interface BlockDeviceCharacteristics {
  /** MEDIUM ROTATION RATE: 0 not reported, 1 non-rotating (solid state), else rpm. */
  mediumRotationRate?: number;
  productType?: number;
  wabereq?: number;
  wacereq?: number;
  nominalFormFactor?: number;
  zoned?: number;
  rbwz?: boolean;
  bocs?: boolean;
  fuab?: boolean;
  vbuls?: boolean;
  depopulationTime?: number;
}

/** SBC-4 6.6.2 Block Device Characteristics. */
export function parseBlockDeviceCharacteristics(buf: Buffer): BlockDeviceCharacteristics & VpdHeader {
  const { h, v } = openPage('Block Device Characteristics', buf, VpdPage.BLOCK_DEVICE_CHARACTERISTICS);
  const out: BlockDeviceCharacteristics & VpdHeader = { ...h };
  const rate = v.u16(4);
  if (rate !== undefined) out.mediumRotationRate = rate;
  const pt = v.u8(6);
  if (pt !== undefined) out.productType = pt;
  const b7 = v.u8(7);
  if (b7 !== undefined) {
    out.wabereq = b7 >> 6;
    out.wacereq = (b7 >> 4) & 3;
    out.nominalFormFactor = b7 & 0x0f;
  }
  const b8 = v.u8(8);
  if (b8 !== undefined) {
    out.zoned = (b8 >> 4) & 3;
    out.rbwz = (b8 & 0x08) !== 0;
    out.bocs = (b8 & 0x04) !== 0;
    out.fuab = (b8 & 0x02) !== 0;
    out.vbuls = (b8 & 0x01) !== 0;
  }
  const depop = v.u32(12);
  if (depop !== undefined) out.depopulationTime = depop;
  return out;
}

/** SBC-4 6.6.2 Block Device Characteristics: the 64-byte page (PAGE LENGTH 3Ch). */
export function encodeBlockDeviceCharacteristics(o: BlockDeviceCharacteristics & VpdCommon): Buffer {
  const ctx = 'Block Device Characteristics';
  const b = Buffer.alloc(60);
  b.writeUInt16BE(optUint(ctx, 'MEDIUM ROTATION RATE', o.mediumRotationRate, 16), 0);
  b[2] = optUint(ctx, 'PRODUCT TYPE', o.productType, 8);
  b[3] =
    (optUint(ctx, 'WABEREQ', o.wabereq, 2) << 6) | (optUint(ctx, 'WACEREQ', o.wacereq, 2) << 4) | optUint(ctx, 'NOMINAL FORM FACTOR', o.nominalFormFactor, 4);
  b[4] = (optUint(ctx, 'ZONED', o.zoned, 2) << 4) | (bit(o.rbwz) << 3) | (bit(o.bocs) << 2) | (bit(o.fuab) << 1) | bit(o.vbuls);
  b.writeUInt32BE(optUint(ctx, 'DEPOPULATION TIME', o.depopulationTime, 32), 8);
  return page(ctx, VpdPage.BLOCK_DEVICE_CHARACTERISTICS, b, o);
}

// --- B2h Logical Block Provisioning (SBC-4 6.6.7) --------------------------------------------------------

export interface LogicalBlockProvisioning {
  thresholdExponent?: number;
  lbpu?: boolean;
  lbpws?: boolean;
  lbpws10?: boolean;
  /** LBPRZ, 3 bits (SBC-4 6.6.7; what an unmapped LBA reads: 4.7.4.4). */
  lbprz?: number;
  ancSup?: boolean;
  dp?: boolean;
  minimumPercentage?: number;
  /** PROVISIONING TYPE: 0 not reported / full, 1 resource provisioned, 2 thin provisioned. */
  provisioningType?: number;
  thresholdPercentage?: number;
  /** The provisioning group descriptor (a designation descriptor) when DP is set. */
  provisioningGroupDescriptor?: Designator;
}

/** SBC-4 6.6.7 Logical Block Provisioning. */
export function parseLogicalBlockProvisioning(buf: Buffer): LogicalBlockProvisioning & VpdHeader {
  const ctx = 'Logical Block Provisioning';
  const { h, v, declaredEnd } = openPage(ctx, buf, VpdPage.LOGICAL_BLOCK_PROVISIONING);
  const out: LogicalBlockProvisioning & VpdHeader = { ...h };
  const te = v.u8(4);
  if (te !== undefined) out.thresholdExponent = te;
  const b5 = v.u8(5);
  if (b5 !== undefined) {
    out.lbpu = (b5 & 0x80) !== 0;
    out.lbpws = (b5 & 0x40) !== 0;
    out.lbpws10 = (b5 & 0x20) !== 0;
    out.lbprz = (b5 >> 2) & 7;
    out.ancSup = (b5 & 0x02) !== 0;
    out.dp = (b5 & 0x01) !== 0;
  }
  const b6 = v.u8(6);
  if (b6 !== undefined) {
    out.minimumPercentage = b6 >> 3;
    out.provisioningType = b6 & 7;
  }
  const tp = v.u8(7);
  if (tp !== undefined) out.thresholdPercentage = tp;
  if (out.dp) {
    const d = readDesignators(ctx, v, 8, declaredEnd);
    if (d[0]) out.provisioningGroupDescriptor = d[0];
  }
  return out;
}

/** SBC-4 6.6.7 Logical Block Provisioning: PAGE LENGTH 4, plus the descriptor when given (DP is then set). */
export function encodeLogicalBlockProvisioning(o: LogicalBlockProvisioning & VpdCommon): Buffer {
  const ctx = 'Logical Block Provisioning';
  const dp = o.dp ?? o.provisioningGroupDescriptor !== undefined;
  const b = Buffer.alloc(4);
  b[0] = optUint(ctx, 'THRESHOLD EXPONENT', o.thresholdExponent, 8);
  b[1] = (bit(o.lbpu) << 7) | (bit(o.lbpws) << 6) | (bit(o.lbpws10) << 5) | (optUint(ctx, 'LBPRZ', o.lbprz, 3) << 2) | (bit(o.ancSup) << 1) | bit(dp);
  b[2] = (optUint(ctx, 'MINIMUM PERCENTAGE', o.minimumPercentage, 5) << 3) | optUint(ctx, 'PROVISIONING TYPE', o.provisioningType, 3);
  b[3] = optUint(ctx, 'THRESHOLD PERCENTAGE', o.thresholdPercentage, 8);
  const desc = o.provisioningGroupDescriptor ? encodeDesignator(o.provisioningGroupDescriptor) : Buffer.alloc(0);
  return page(ctx, VpdPage.LOGICAL_BLOCK_PROVISIONING, Buffer.concat([b, desc]), o);
}
