/**
 * Mode parameters (SPC-5): the 6- and 10-byte mode parameter headers, short and long LBA block
 * descriptors (SBC-4 6.5.2), the page list, and typed codecs for the Caching (08h, SBC-4 6.5.6), Control
 * (0Ah) and Informational Exceptions Control (1Ch) pages of SPC-5.
 *
 * Typed pages double as changeable-values masks (MODE SENSE with PC=01b): there each boolean means
 * "changeable" and each number is the field's bit mask; `modePageMask` builds such masks.
 */
import { decodeError, rangeError } from '../errors.js';
import { bit, hex, need, optUint, putBE, uint, uintBig, type U64 } from './util.js';

/** Page codes used here (SPC-5 mode parameters, SBC-4 6.5). */
export const ModePageCode = {
  VENDOR_SPECIFIC: 0x00,
  READ_WRITE_ERROR_RECOVERY: 0x01,
  DISCONNECT_RECONNECT: 0x02,
  FORMAT_DEVICE: 0x03,
  RIGID_DISK_GEOMETRY: 0x04,
  VERIFY_ERROR_RECOVERY: 0x07,
  CACHING: 0x08,
  CONTROL: 0x0a,
  POWER_CONDITION: 0x1a,
  INFORMATIONAL_EXCEPTIONS_CONTROL: 0x1c,
  ALL_PAGES: 0x3f,
} as const;

/** PC field of MODE SENSE (SPC-5 6.14). */
export const PageControl = { CURRENT: 0, CHANGEABLE: 1, DEFAULT: 2, SAVED: 3 } as const;

export interface ModeParameterHeader {
  /** MODE DATA LENGTH as received (reserved, 0, in MODE SELECT data). */
  modeDataLength: number;
  mediumType: number;
  /** DEVICE-SPECIFIC PARAMETER byte; for direct-access devices WP is bit 7 and DPOFUA bit 4. */
  deviceSpecific: number;
  wp: boolean;
  dpofua: boolean;
  /** LONGLBA (10-byte header only; always false for the 6-byte header). */
  longLba: boolean;
  blockDescriptorLength: number;
}

/** A short (8-byte) or long (16-byte) LBA mode parameter block descriptor (SBC-4 6.5.2). */
export interface BlockDescriptor {
  numberOfBlocks: bigint;
  blockLength: number;
}

/** One mode page: `data` is what follows its 2-byte (page_0) or 4-byte (sub_page) header. */
export interface ModePage {
  pageCode: number;
  /** SUBPAGE CODE, present for the sub_page format (SPF set). */
  subpage?: number;
  spf: boolean;
  ps: boolean;
  data: Buffer;
}

export interface ModeParameters {
  header: ModeParameterHeader;
  blockDescriptors: BlockDescriptor[];
  pages: ModePage[];
  /** The buffer ended before MODE DATA LENGTH did; the pages past the end are missing. */
  truncated: boolean;
}

/** Options of the mode parameter parsers. */
export interface ModeParseOptions {
  /** MODE SELECT data: MODE DATA LENGTH is reserved, the data ends with the buffer. */
  select?: boolean;
}

function parseMode(ten: boolean, buf: Buffer, opts: ModeParseOptions): ModeParameters {
  const ctx = ten ? 'mode parameters(10)' : 'mode parameters(6)';
  const hlen = ten ? 8 : 4;
  need(ctx, buf, hlen);
  const modeDataLength = ten ? buf.readUInt16BE(0) : buf[0]!;
  const lenBytes = ten ? 2 : 1;
  let declaredEnd: number;
  if (opts.select) {
    declaredEnd = buf.length;
  } else {
    if (modeDataLength < hlen - lenBytes) throw decodeError(`${ctx}: MODE DATA LENGTH ${modeDataLength} is shorter than the header`);
    declaredEnd = lenBytes + modeDataLength;
  }
  const end = Math.min(buf.length, declaredEnd);
  const dsp = buf[ten ? 3 : 2]!;
  const longLba = ten && (buf[4]! & 1) !== 0;
  const bdl = ten ? buf.readUInt16BE(6) : buf[3]!;
  const header: ModeParameterHeader = {
    modeDataLength,
    mediumType: buf[ten ? 2 : 1]!,
    deviceSpecific: dsp,
    wp: (dsp & 0x80) !== 0,
    dpofua: (dsp & 0x10) !== 0,
    longLba,
    blockDescriptorLength: bdl,
  };
  const dsize = longLba ? 16 : 8;
  if (bdl % dsize !== 0) throw decodeError(`${ctx}: BLOCK DESCRIPTOR LENGTH ${bdl} is not a multiple of ${dsize}`);
  if (hlen + bdl > declaredEnd) throw decodeError(`${ctx}: BLOCK DESCRIPTOR LENGTH ${bdl} overruns MODE DATA LENGTH ${modeDataLength}`);
  const blockDescriptors: BlockDescriptor[] = [];
  for (let off = hlen; off + dsize <= Math.min(end, hlen + bdl); off += dsize) {
    blockDescriptors.push(
      longLba
        ? { numberOfBlocks: buf.readBigUInt64BE(off), blockLength: buf.readUInt32BE(off + 12) }
        : { numberOfBlocks: BigInt(buf.readUInt32BE(off)), blockLength: buf.readUIntBE(off + 5, 3) },
    );
  }
  const pages = readPages(ctx, buf, hlen + bdl, end, declaredEnd);
  return { header, blockDescriptors, pages, truncated: buf.length < declaredEnd };
}

function readPages(ctx: string, buf: Buffer, start: number, end: number, declaredEnd: number): ModePage[] {
  const pages: ModePage[] = [];
  let off = start;
  while (off < end) {
    const b0 = buf[off]!;
    const spf = (b0 & 0x40) !== 0;
    const hlen = spf ? 4 : 2;
    const len = off + hlen <= end ? (spf ? buf.readUInt16BE(off + 2) : buf[off + 1]!) : undefined;
    if (len === undefined || off + hlen + len > end) {
      if (end >= declaredEnd) throw decodeError(`${ctx}: mode page ${hex(b0 & 0x3f)} at byte ${off} overruns the mode data`);
      break;
    }
    const p: ModePage = { pageCode: b0 & 0x3f, spf, ps: (b0 & 0x80) !== 0, data: Buffer.from(buf.subarray(off + hlen, off + hlen + len)) };
    if (spf) p.subpage = buf[off + 1]!;
    pages.push(p);
    off += hlen + len;
  }
  return pages;
}

/** SPC-5 mode parameter list with the 6-byte header (MODE SENSE(6) data, or MODE SELECT(6) with `select`). */
export function parseModeParameters6(buf: Buffer, opts: ModeParseOptions = {}): ModeParameters {
  return parseMode(false, buf, opts);
}

/** SPC-5 mode parameter list with the 10-byte header (MODE SENSE(10) data, or MODE SELECT(10) with `select`). */
export function parseModeParameters10(buf: Buffer, opts: ModeParseOptions = {}): ModeParameters {
  return parseMode(true, buf, opts);
}

/** Encodes one page with its page_0 or (SPF / subpage given) sub_page header (SPC-5 mode page format). */
export function encodeModePage(p: Omit<ModePage, 'spf' | 'ps'> & { spf?: boolean; ps?: boolean }): Buffer {
  const ctx = `mode page ${hex(p.pageCode)}`;
  const code = uint(ctx, 'PAGE CODE', p.pageCode, 6);
  const spf = p.spf ?? p.subpage !== undefined;
  if (spf) {
    const h = Buffer.alloc(4);
    h[0] = (bit(p.ps) << 7) | 0x40 | code;
    h[1] = optUint(ctx, 'SUBPAGE CODE', p.subpage, 8);
    h.writeUInt16BE(uint(ctx, 'PAGE LENGTH', p.data.length, 16), 2);
    return Buffer.concat([h, p.data]);
  }
  return Buffer.concat([Buffer.from([(bit(p.ps) << 7) | code, uint(ctx, 'PAGE LENGTH', p.data.length, 8)]), p.data]);
}

/** What the mode parameter encoders accept. */
export interface ModeParametersInit {
  mediumType?: number;
  /** DEVICE-SPECIFIC PARAMETER byte; `wp` and `dpofua` are ORed into it. */
  deviceSpecific?: number;
  wp?: boolean;
  dpofua?: boolean;
  blockDescriptors?: { numberOfBlocks: U64; blockLength: number }[];
  pages?: (Omit<ModePage, 'spf' | 'ps'> & { spf?: boolean; ps?: boolean })[];
  /** MODE SELECT data: MODE DATA LENGTH is sent as 0 (reserved). */
  select?: boolean;
}

function encodeBlockDescriptor(ctx: string, d: { numberOfBlocks: U64; blockLength: number }, long: boolean): Buffer {
  const n = uintBig(ctx, 'NUMBER OF LOGICAL BLOCKS', d.numberOfBlocks, 64);
  if (long) {
    const b = Buffer.alloc(16);
    putBE(b, 0, 8, n);
    b.writeUInt32BE(uint(ctx, 'LOGICAL BLOCK LENGTH', d.blockLength, 32), 12);
    return b;
  }
  const b = Buffer.alloc(8);
  b.writeUInt32BE(n > 0xffffffffn ? 0xffffffff : Number(n), 0); // SBC-4 6.5.2.2: saturates
  b.writeUIntBE(uint(ctx, 'LOGICAL BLOCK LENGTH', d.blockLength, 24), 5, 3);
  return b;
}

function encodeMode(ten: boolean, o: ModeParametersInit & { longLba?: boolean }): Buffer {
  const ctx = ten ? 'mode parameters(10)' : 'mode parameters(6)';
  const long = ten && !!o.longLba;
  const descs = Buffer.concat((o.blockDescriptors ?? []).map((d) => encodeBlockDescriptor(ctx, d, long)));
  const pages = Buffer.concat((o.pages ?? []).map(encodeModePage));
  const dsp = optUint(ctx, 'DEVICE-SPECIFIC PARAMETER', o.deviceSpecific, 8) | (bit(o.wp) << 7) | (bit(o.dpofua) << 4);
  const medium = optUint(ctx, 'MEDIUM TYPE', o.mediumType, 8);
  const h = Buffer.alloc(ten ? 8 : 4);
  const total = h.length + descs.length + pages.length;
  if (ten) {
    if (total - 2 > 0xffff) throw rangeError(`${ctx}: ${total} bytes do not fit MODE DATA LENGTH`);
    h.writeUInt16BE(o.select ? 0 : total - 2, 0);
    h[2] = medium;
    h[3] = dsp;
    h[4] = bit(long);
    h.writeUInt16BE(descs.length, 6);
  } else {
    if (total - 1 > 0xff) throw rangeError(`${ctx}: ${total} bytes do not fit MODE DATA LENGTH`);
    if (descs.length > 0xff) throw rangeError(`${ctx}: ${descs.length} bytes of block descriptors do not fit`);
    h[0] = o.select ? 0 : total - 1;
    h[1] = medium;
    h[2] = dsp;
    h[3] = descs.length;
  }
  return Buffer.concat([h, descs, pages]);
}

/** SPC-5 mode parameter list with the 6-byte header and short LBA block descriptors. */
export function encodeModeParameters6(o: ModeParametersInit): Buffer {
  return encodeMode(false, o);
}

/** SPC-5 mode parameter list with the 10-byte header; `longLba` selects 16-byte block descriptors. */
export function encodeModeParameters10(o: ModeParametersInit & { longLba?: boolean }): Buffer {
  return encodeMode(true, o);
}

/** The page with this code (and subpage, default 0) in parsed mode parameters. */
export function findModePage(m: Pick<ModeParameters, 'pages'>, pageCode: number, subpage = 0): ModePage | undefined {
  return m.pages.find((p) => p.pageCode === pageCode && (p.subpage ?? 0) === subpage);
}

// --- typed pages -----------------------------------------------------------------------------------------

/** Where a field lives: `off` counts from byte 0 of the page (the header included), as the standard does. */
interface FieldSpec {
  off: number;
  bits: number;
  shift: number;
  bool?: true;
}
const flagAt = (off: number, shift: number): FieldSpec => ({ off, bits: 1, shift, bool: true });
const bitsAt = (off: number, hi: number, lo: number): FieldSpec => ({ off, bits: hi - lo + 1, shift: lo });
const wordAt = (off: number, bytes: number): FieldSpec => ({ off, bits: 8 * bytes, shift: 0 });

type Spec<T> = { [K in keyof T]-?: FieldSpec };

function readFields<T>(ctx: string, spec: Spec<T>, p: ModePage, pageCode: number, pageLength: number): T {
  if (p.pageCode !== pageCode || p.spf) throw decodeError(`${ctx}: got page ${hex(p.pageCode)}${p.spf ? ` subpage ${hex(p.subpage ?? 0)}` : ''}`);
  if (p.data.length < pageLength) throw decodeError(`${ctx}: PAGE LENGTH ${p.data.length}, expected ${hex(pageLength)}`);
  const out: Record<string, number | boolean> = {};
  for (const [name, f] of Object.entries(spec) as [string, FieldSpec][]) {
    const at = f.off - 2;
    const raw = f.bits >= 8 ? p.data.readUIntBE(at, f.bits / 8) : (p.data[at]! >> f.shift) & ((1 << f.bits) - 1);
    out[name] = f.bool ? raw === 1 : raw;
  }
  return out as T;
}

function writeFields<T>(ctx: string, spec: Spec<T>, o: Partial<T>, pageCode: number, pageLength: number, ps?: boolean): ModePage {
  const data = Buffer.alloc(pageLength);
  for (const [name, f] of Object.entries(spec) as [string, FieldSpec][]) {
    const v = (o as Record<string, unknown>)[name];
    if (v === undefined || v === false) continue;
    const at = f.off - 2;
    if (f.bool) {
      data[at]! |= 1 << f.shift;
    } else {
      const n = uint(ctx, name, v as number, f.bits);
      if (f.bits >= 8) data.writeUIntBE(n, at, f.bits / 8);
      else data[at]! |= n << f.shift;
    }
  }
  return { pageCode, spf: false, ps: !!ps, data };
}

function maskFields<T>(spec: Spec<T>, fields: (keyof T)[]): Partial<T> {
  const out: Record<string, number | boolean> = {};
  for (const k of fields) {
    const f = spec[k];
    out[k as string] = f.bool ? true : 2 ** f.bits - 1;
  }
  return out as Partial<T>;
}

/** Caching mode page (SBC-4 6.5.6), PAGE LENGTH 12h. */
export interface CachingPage {
  ic: boolean;
  abpf: boolean;
  cap: boolean;
  disc: boolean;
  size: boolean;
  /** WCE: write cache enable. */
  wce: boolean;
  mf: boolean;
  /** RCD: read cache disable. */
  rcd: boolean;
  demandReadRetentionPriority: number;
  writeRetentionPriority: number;
  disablePrefetchTransferLength: number;
  minimumPrefetch: number;
  maximumPrefetch: number;
  maximumPrefetchCeiling: number;
  fsw: boolean;
  lbcss: boolean;
  dra: boolean;
  /** SYNC_PROG (byte 12 bits 2-1): pollable sense data during SYNCHRONIZE CACHE. */
  syncProg: number;
  nvDis: boolean;
  numberOfCacheSegments: number;
  cacheSegmentSize: number;
}
const CACHING: Spec<CachingPage> = {
  ic: flagAt(2, 7),
  abpf: flagAt(2, 6),
  cap: flagAt(2, 5),
  disc: flagAt(2, 4),
  size: flagAt(2, 3),
  wce: flagAt(2, 2),
  mf: flagAt(2, 1),
  rcd: flagAt(2, 0),
  demandReadRetentionPriority: bitsAt(3, 7, 4),
  writeRetentionPriority: bitsAt(3, 3, 0),
  disablePrefetchTransferLength: wordAt(4, 2),
  minimumPrefetch: wordAt(6, 2),
  maximumPrefetch: wordAt(8, 2),
  maximumPrefetchCeiling: wordAt(10, 2),
  fsw: flagAt(12, 7),
  lbcss: flagAt(12, 6),
  dra: flagAt(12, 5),
  syncProg: bitsAt(12, 2, 1),
  nvDis: flagAt(12, 0),
  numberOfCacheSegments: wordAt(13, 1),
  cacheSegmentSize: wordAt(14, 2),
};

/** Control mode page (SPC-5), PAGE LENGTH 0Ah. */
export interface ControlPage {
  /** TST: 000b one task set, 001b per I_T nexus. */
  tst: number;
  tmfOnly: boolean;
  dpicz: boolean;
  dSense: boolean;
  gltsd: boolean;
  rlec: boolean;
  queueAlgorithmModifier: number;
  nuar: boolean;
  qerr: number;
  rac: boolean;
  uaIntlckCtrl: number;
  swp: boolean;
  ato: boolean;
  tas: boolean;
  atmpe: boolean;
  rwwp: boolean;
  sblp: boolean;
  autoloadMode: number;
  busyTimeoutPeriod: number;
  extendedSelfTestCompletionTime: number;
}
const CONTROL: Spec<ControlPage> = {
  tst: bitsAt(2, 7, 5),
  tmfOnly: flagAt(2, 4),
  dpicz: flagAt(2, 3),
  dSense: flagAt(2, 2),
  gltsd: flagAt(2, 1),
  rlec: flagAt(2, 0),
  queueAlgorithmModifier: bitsAt(3, 7, 4),
  nuar: flagAt(3, 3),
  qerr: bitsAt(3, 2, 1),
  rac: flagAt(4, 6),
  uaIntlckCtrl: bitsAt(4, 5, 4),
  swp: flagAt(4, 3),
  ato: flagAt(5, 7),
  tas: flagAt(5, 6),
  atmpe: flagAt(5, 5),
  rwwp: flagAt(5, 4),
  sblp: flagAt(5, 3),
  autoloadMode: bitsAt(5, 2, 0),
  busyTimeoutPeriod: wordAt(8, 2),
  extendedSelfTestCompletionTime: wordAt(10, 2),
};

/** Informational Exceptions Control mode page (SPC-5), PAGE LENGTH 0Ah. */
export interface InformationalExceptionsControlPage {
  perf: boolean;
  ebf: boolean;
  ewasc: boolean;
  dexcpt: boolean;
  test: boolean;
  ebackerr: boolean;
  logerr: boolean;
  /** MRIE: method of reporting informational exceptions. */
  mrie: number;
  intervalTimer: number;
  reportCount: number;
}
const IEC: Spec<InformationalExceptionsControlPage> = {
  perf: flagAt(2, 7),
  ebf: flagAt(2, 5),
  ewasc: flagAt(2, 4),
  dexcpt: flagAt(2, 3),
  test: flagAt(2, 2),
  ebackerr: flagAt(2, 1),
  logerr: flagAt(2, 0),
  mrie: bitsAt(3, 3, 0),
  intervalTimer: wordAt(4, 4),
  reportCount: wordAt(8, 4),
};

/** Parses a Caching page (08h, SBC-4 6.5.6) from a `ModePage`. */
export function parseCachingPage(p: ModePage): CachingPage {
  return readFields('Caching mode page', CACHING, p, ModePageCode.CACHING, 0x12);
}
/** Encodes a Caching page (08h); absent fields are 0. */
export function encodeCachingPage(o: Partial<CachingPage>, opts: { ps?: boolean } = {}): ModePage {
  return writeFields('Caching mode page', CACHING, o, ModePageCode.CACHING, 0x12, opts.ps);
}
/** Parses a Control page (0Ah, SPC-5) from a `ModePage`. */
export function parseControlPage(p: ModePage): ControlPage {
  return readFields('Control mode page', CONTROL, p, ModePageCode.CONTROL, 0x0a);
}
/** Encodes a Control page (0Ah); absent fields are 0. */
export function encodeControlPage(o: Partial<ControlPage>, opts: { ps?: boolean } = {}): ModePage {
  return writeFields('Control mode page', CONTROL, o, ModePageCode.CONTROL, 0x0a, opts.ps);
}
/** Parses an Informational Exceptions Control page (1Ch, SPC-5) from a `ModePage`. */
export function parseInformationalExceptionsControlPage(p: ModePage): InformationalExceptionsControlPage {
  return readFields('Informational Exceptions Control mode page', IEC, p, ModePageCode.INFORMATIONAL_EXCEPTIONS_CONTROL, 0x0a);
}
/** Encodes an Informational Exceptions Control page (1Ch); absent fields are 0. */
export function encodeInformationalExceptionsControlPage(o: Partial<InformationalExceptionsControlPage>, opts: { ps?: boolean } = {}): ModePage {
  return writeFields('Informational Exceptions Control mode page', IEC, o, ModePageCode.INFORMATIONAL_EXCEPTIONS_CONTROL, 0x0a, opts.ps);
}

/**
 * A changeable-values mask for a typed page: the listed fields set to all ones (booleans true), the rest
 * absent. Encode it with the page's encoder for a PC=01b answer: `encodeCachingPage(modePageMask('caching',
 * ['wce', 'rcd']))`.
 */
export function modePageMask(page: 'caching', fields: (keyof CachingPage)[]): Partial<CachingPage>;
export function modePageMask(page: 'control', fields: (keyof ControlPage)[]): Partial<ControlPage>;
export function modePageMask(page: 'iec', fields: (keyof InformationalExceptionsControlPage)[]): Partial<InformationalExceptionsControlPage>;
export function modePageMask(page: 'caching' | 'control' | 'iec', fields: string[]): Record<string, number | boolean> {
  const spec = (page === 'caching' ? CACHING : page === 'control' ? CONTROL : IEC) as Spec<Record<string, unknown>>;
  for (const f of fields) if (!(f in spec)) throw rangeError(`modePageMask: ${page} page has no field ${f}`);
  return maskFields(spec, fields) as Record<string, number | boolean>;
}
