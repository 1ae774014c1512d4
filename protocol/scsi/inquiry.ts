/** Standard INQUIRY data (SPC-5 6.7.2) and version descriptors (SPC-5 6.7.2). */
import { rangeError } from '../errors.js';
import { asciiField, bit, hex, need, optUint, putAscii, uint, View } from './util.js';

/** Peripheral device types (SPC-5 6.7.2) most relevant here. */
export const PeripheralDeviceType = {
  DIRECT_ACCESS: 0x00,
  SEQUENTIAL_ACCESS: 0x01,
  CD_DVD: 0x05,
  OPTICAL_MEMORY: 0x07,
  MEDIUM_CHANGER: 0x08,
  STORAGE_ARRAY_CONTROLLER: 0x0c,
  ENCLOSURE_SERVICES: 0x0d,
  SIMPLIFIED_DIRECT_ACCESS: 0x0e,
  ZBC_HOST_MANAGED: 0x14,
  WELL_KNOWN_LU: 0x1e,
  UNKNOWN: 0x1f,
} as const;

/** Standard INQUIRY data. Fields after byte 4 are absent when the data was cut before them. */
export interface StandardInquiry {
  peripheralQualifier: number;
  peripheralDeviceType: number;
  rmb: boolean;
  /** LU_CONG (byte 1 bit 6). */
  luCong?: boolean;
  version: number;
  normaca: boolean;
  hisup: boolean;
  responseDataFormat: number;
  /** ADDITIONAL LENGTH: bytes following byte 4. */
  additionalLength: number;
  sccs?: boolean;
  acc?: boolean;
  /** TPGS 0..3 (implicit/explicit ALUA). */
  tpgs?: number;
  threePc?: boolean;
  protect?: boolean;
  encserv?: boolean;
  multip?: boolean;
  cmdque?: boolean;
  /** T10 VENDOR IDENTIFICATION, trailing spaces removed. */
  vendor?: string;
  /** PRODUCT IDENTIFICATION, trailing spaces removed. */
  product?: string;
  /** PRODUCT REVISION LEVEL, trailing spaces removed. */
  revision?: string;
  /** Bytes 36..55 when present. */
  vendorSpecific?: Buffer;
  /** Non-zero VERSION DESCRIPTOR values found in bytes 58..73. */
  versionDescriptors: number[];
  /** The buffer ended before 5 + ADDITIONAL LENGTH. */
  truncated: boolean;
}

/**
 * Parses standard INQUIRY data (SPC-5 6.7.2). At least 5 bytes are needed; fields the data does not reach
 * stay undefined and `truncated` says whether the buffer ended before ADDITIONAL LENGTH.
 */
export function parseStandardInquiry(buf: Buffer): StandardInquiry {
  need('standard INQUIRY data', buf, 5);
  const declared = 5 + buf[4]!;
  const v = new View(buf, declared);
  const b0 = buf[0]!;
  const b3 = buf[3]!;
  const out: StandardInquiry = {
    peripheralQualifier: b0 >> 5,
    peripheralDeviceType: b0 & 0x1f,
    rmb: (buf[1]! & 0x80) !== 0,
    luCong: (buf[1]! & 0x40) !== 0,
    version: buf[2]!,
    normaca: (b3 & 0x20) !== 0,
    hisup: (b3 & 0x10) !== 0,
    responseDataFormat: b3 & 0x0f,
    additionalLength: buf[4]!,
    versionDescriptors: [],
    truncated: buf.length < declared,
  };
  const b5 = v.u8(5);
  if (b5 !== undefined) {
    out.sccs = (b5 & 0x80) !== 0;
    out.acc = (b5 & 0x40) !== 0;
    out.tpgs = (b5 >> 4) & 3;
    out.threePc = (b5 & 0x08) !== 0;
    out.protect = (b5 & 0x01) !== 0;
  }
  const b6 = v.u8(6);
  if (b6 !== undefined) {
    out.encserv = (b6 & 0x40) !== 0;
    out.multip = (b6 & 0x10) !== 0;
  }
  const b7 = v.u8(7);
  if (b7 !== undefined) out.cmdque = (b7 & 0x02) !== 0;
  const vendor = v.slice(8, 8);
  if (vendor) out.vendor = asciiField(vendor);
  const product = v.slice(16, 16);
  if (product) out.product = asciiField(product);
  const revision = v.slice(32, 4);
  if (revision) out.revision = asciiField(revision);
  const vs = v.slice(36, 20);
  if (vs) out.vendorSpecific = vs;
  for (let off = 58; off < 74; off += 2) {
    const d = v.u16(off);
    if (d === undefined) break;
    if (d !== 0) out.versionDescriptors.push(d);
  }
  return out;
}

/** What `encodeStandardInquiry` accepts: everything optional except the identification strings. */
export interface StandardInquiryInit {
  peripheralQualifier?: number;
  peripheralDeviceType?: number;
  rmb?: boolean;
  luCong?: boolean;
  /** VERSION, default 06h (SPC-4); 07h claims SPC-5. */
  version?: number;
  normaca?: boolean;
  hisup?: boolean;
  /** RESPONSE DATA FORMAT, default 2. */
  responseDataFormat?: number;
  sccs?: boolean;
  acc?: boolean;
  tpgs?: number;
  threePc?: boolean;
  protect?: boolean;
  encserv?: boolean;
  multip?: boolean;
  cmdque?: boolean;
  vendor: string;
  product: string;
  revision: string;
  /** Up to 20 bytes for bytes 36..55 (zero padded). */
  vendorSpecific?: Buffer;
  /** Up to 8 VERSION DESCRIPTOR values. */
  versionDescriptors?: number[];
}

/**
 * Encodes standard INQUIRY data (SPC-5 6.7.2): 36 bytes, or 58 + 2 × n bytes when there are version
 * descriptors (or vendor-specific bytes), with ADDITIONAL LENGTH = total − 5.
 */
export function encodeStandardInquiry(o: StandardInquiryInit): Buffer {
  const ctx = 'standard INQUIRY data';
  const vds = o.versionDescriptors ?? [];
  if (vds.length > 8) throw rangeError(`${ctx}: ${vds.length} version descriptors, at most 8 fit`);
  if (o.vendorSpecific && o.vendorSpecific.length > 20) {
    throw rangeError(`${ctx}: vendor specific data of ${o.vendorSpecific.length} bytes does not fit 20`);
  }
  const len = vds.length > 0 || o.vendorSpecific ? 58 + 2 * vds.length : 36;
  const b = Buffer.alloc(len);
  b[0] = (optUint(ctx, 'PERIPHERAL QUALIFIER', o.peripheralQualifier, 3) << 5) | optUint(ctx, 'PERIPHERAL DEVICE TYPE', o.peripheralDeviceType, 5);
  b[1] = (bit(o.rmb) << 7) | (bit(o.luCong) << 6);
  b[2] = optUint(ctx, 'VERSION', o.version, 8, 0x06);
  b[3] = (bit(o.normaca) << 5) | (bit(o.hisup) << 4) | optUint(ctx, 'RESPONSE DATA FORMAT', o.responseDataFormat, 4, 2);
  b[4] = len - 5;
  b[5] = (bit(o.sccs) << 7) | (bit(o.acc) << 6) | (optUint(ctx, 'TPGS', o.tpgs, 2) << 4) | (bit(o.threePc) << 3) | bit(o.protect);
  b[6] = (bit(o.encserv) << 6) | (bit(o.multip) << 4);
  b[7] = bit(o.cmdque) << 1;
  putAscii(ctx, 'T10 VENDOR IDENTIFICATION', b, 8, 8, o.vendor);
  putAscii(ctx, 'PRODUCT IDENTIFICATION', b, 16, 16, o.product);
  putAscii(ctx, 'PRODUCT REVISION LEVEL', b, 32, 4, o.revision);
  o.vendorSpecific?.copy(b, 36);
  vds.forEach((d, i) => b.writeUInt16BE(uint(ctx, `VERSION DESCRIPTOR ${i + 1}`, d, 16), 58 + 2 * i));
  return b;
}

/** Version descriptor values (SPC-5 6.7.2). */
export const VersionDescriptor = {
  SAM_5: 0x00a0,
  SAM_6: 0x00c0,
  SPC_4: 0x0460,
  SPC_5: 0x05c0,
  SBC_3: 0x04c0,
  SBC_4: 0x0600,
  ISCSI: 0x0960,
  /** iSCSI, RFC 7143 (iSCSIProtocolLevel=1). */
  ISCSI_RFC_7143: 0x0961,
} as const;

/** Each standard's block of 32 codes: the base (low five bits zero) means "no version claimed". */
const FAMILIES: Record<number, string> = {
  0x0020: 'SAM',
  0x0040: 'SAM-2',
  0x0060: 'SAM-3',
  0x0080: 'SAM-4',
  0x00a0: 'SAM-5',
  0x00c0: 'SAM-6',
  0x0120: 'SPC',
  0x0180: 'SBC',
  0x0260: 'SPC-2',
  0x0300: 'SPC-3',
  0x0320: 'SBC-2',
  0x0460: 'SPC-4',
  0x04c0: 'SBC-3',
  0x05c0: 'SPC-5',
  0x0600: 'SBC-4',
  0x0620: 'ZBC',
  0x06c0: 'SBC-5',
  0x06e0: 'SPC-6',
  0x0960: 'iSCSI',
};

/**
 * `'SPC-5 (no version claimed)'`, `'iSCSI RFC 7143'`, `'SPC-4 (version 0x0466)'` for a specific revision
 * of a known standard, else `'VERSION DESCRIPTOR 0xNNNN'`.
 */
export function versionDescriptorName(code: number): string {
  if (code === VersionDescriptor.ISCSI_RFC_7143) return 'iSCSI RFC 7143';
  const fam = FAMILIES[code & 0xffe0];
  if (fam === undefined) return `VERSION DESCRIPTOR ${hex(code, 4)}`;
  if (fam === 'iSCSI' && code > 0x0961) return `iSCSI RFC 7144 iSCSIProtocolLevel=${code - 0x0960}`;
  return (code & 0x1f) === 0 ? `${fam} (no version claimed)` : `${fam} (version ${hex(code, 4)})`;
}
