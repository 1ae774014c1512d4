/**
 * The Third-party Copy VPD page (8Fh, SPC-5 Third-party Copy VPD page): the descriptors by which a copy manager
 * reports what it supports. Each third-party copy descriptor is a 2-byte type, a 2-byte length (the bytes that
 * follow) and its parameters; this codec decodes the ones an EXTENDED COPY (LID1) copy manager reports
 * (Supported Commands, Parameter Data, Supported Descriptors, Supported CSCD IDs, General Copy Operations) and
 * keeps every descriptor raw as well, in the order the page lists them, so that a test can check the order.
 *
 * A descriptor that overruns the declared PAGE LENGTH, or a known descriptor too short for its fields, throws
 * `SCSI_E_DECODE`; data cut short by the ALLOCATION LENGTH gives the descriptors that are whole, with
 * `truncated: true`.
 */
import { decodeError, rangeError } from '../errors.js';
import { hex, need, optUint, uint } from './util.js';
import { parseVpdHeader, VpdPage, type VpdCommon, type VpdHeader } from './vpd.js';

/** THIRD-PARTY COPY DESCRIPTOR TYPE codes (SPC-5, third-party copy descriptor type codes). */
export const TpcDescriptor = {
  BLOCK_DEVICE_ROD_LIMITS: 0x0000,
  SUPPORTED_COMMANDS: 0x0001,
  PARAMETER_DATA: 0x0004,
  SUPPORTED_DESCRIPTORS: 0x0008,
  SUPPORTED_CSCD_IDS: 0x000c,
  ROD_TOKEN_FEATURES: 0x0106,
  SUPPORTED_ROD_TYPES: 0x0108,
  GENERAL_COPY_OPERATIONS: 0x8001,
  STREAM_COPY_OPERATIONS: 0x9101,
  HELD_DATA: 0xc001,
} as const;

/** The names of the descriptor types, for logs and the inquiry tool. */
export const TPC_DESCRIPTOR_NAMES: Readonly<Record<number, string>> = {
  [TpcDescriptor.BLOCK_DEVICE_ROD_LIMITS]: 'Block Device ROD Limits',
  [TpcDescriptor.SUPPORTED_COMMANDS]: 'Supported Commands',
  [TpcDescriptor.PARAMETER_DATA]: 'Parameter Data',
  [TpcDescriptor.SUPPORTED_DESCRIPTORS]: 'Supported Descriptors',
  [TpcDescriptor.SUPPORTED_CSCD_IDS]: 'Supported CSCD IDs',
  [TpcDescriptor.ROD_TOKEN_FEATURES]: 'ROD Token Features',
  [TpcDescriptor.SUPPORTED_ROD_TYPES]: 'Supported ROD Types',
  [TpcDescriptor.GENERAL_COPY_OPERATIONS]: 'General Copy Operations',
  [TpcDescriptor.STREAM_COPY_OPERATIONS]: 'Stream Copy Operations',
  [TpcDescriptor.HELD_DATA]: 'Held Data',
};

/** One third-party copy descriptor as the page carries it. */
export interface TpcRawDescriptor {
  type: number;
  /** THIRD-PARTY COPY DESCRIPTOR LENGTH: bytes of parameters after the 4-byte header. */
  length: number;
  /** Byte offset of the descriptor in the page. */
  offset: number;
  /** The parameters (the `length` bytes after the header). */
  parameters: Buffer;
}

/** A command support descriptor of the Supported Commands descriptor. */
export interface TpcCommandSupport {
  opcode: number;
  serviceActions: number[];
}

/** Parameter Data descriptor: the limits on the EXTENDED COPY parameter list. */
export interface TpcParameterData {
  maxCscdDescriptors: number;
  maxSegmentDescriptors: number;
  maxDescriptorListLength: number;
  maxInlineDataLength: number;
}

/** General Copy Operations descriptor. */
export interface TpcGeneralCopyOperations {
  totalConcurrentCopies: number;
  maxIdentifiedConcurrentCopies: number;
  /** MAXIMUM SEGMENT LENGTH in bytes (0: no limit). */
  maxSegmentLength: number;
  /** log2 of the data segment granularity in bytes. */
  dataSegmentGranularity: number;
  inlineDataGranularity: number;
}

export interface ThirdPartyCopyVpd extends VpdHeader {
  /** Every descriptor, in page order. */
  descriptors: TpcRawDescriptor[];
  supportedCommands?: TpcCommandSupport[];
  parameterData?: TpcParameterData;
  /** The DESCRIPTOR TYPE CODE values of the EXTENDED COPY descriptors the copy manager supports, in page order. */
  supportedDescriptors?: number[];
  /** The CSCD IDs above 07FFh the copy manager supports, in page order. */
  supportedCscdIds?: number[];
  generalCopyOperations?: TpcGeneralCopyOperations;
}

const CTX = 'Third-party Copy VPD page';

/** Parses the Third-party Copy VPD page. */
export function parseThirdPartyCopyVpd(buf: Buffer): ThirdPartyCopyVpd {
  const h = parseVpdHeader(buf);
  if (h.pageCode !== VpdPage.THIRD_PARTY_COPY) throw decodeError(`${CTX}: PAGE CODE ${hex(h.pageCode)}, expected ${hex(VpdPage.THIRD_PARTY_COPY)}`);
  const declaredEnd = 4 + h.pageLength;
  const end = Math.min(declaredEnd, buf.length);
  const out: ThirdPartyCopyVpd = { ...h, descriptors: [] };
  for (let off = 4; off + 4 <= end;) {
    const type = buf.readUInt16BE(off);
    const length = buf.readUInt16BE(off + 2);
    const name = `${TPC_DESCRIPTOR_NAMES[type] ?? 'third-party copy descriptor'} (type ${hex(type, 4)}) at byte ${off}`;
    if (off + 4 + length > declaredEnd) throw decodeError(`${CTX}: ${name} has ${length} bytes, past PAGE LENGTH ${h.pageLength}`);
    if (off + 4 + length > buf.length) break;
    const parameters = buf.subarray(off + 4, off + 4 + length);
    out.descriptors.push({ type, length, offset: off, parameters });
    decodeKnown(out, type, parameters, name);
    off += 4 + length;
  }
  return out;
}

function decodeKnown(out: ThirdPartyCopyVpd, type: number, p: Buffer, name: string): void {
  const ctx = `${CTX}: ${name}`;
  switch (type) {
    case TpcDescriptor.SUPPORTED_COMMANDS: {
      need(ctx, p, 1);
      const listEnd = 1 + p[0]!;
      need(ctx, p, listEnd);
      const cmds: TpcCommandSupport[] = [];
      for (let off = 1; off < listEnd;) {
        need(ctx, p.subarray(0, listEnd), off + 2);
        const n = p[off + 1]!;
        if (off + 2 + n > listEnd) throw decodeError(`${ctx}: the command support descriptor at byte ${off} overruns COMMANDS SUPPORTED LIST LENGTH`);
        cmds.push({ opcode: p[off]!, serviceActions: [...p.subarray(off + 2, off + 2 + n)] });
        off += 2 + n;
      }
      out.supportedCommands = cmds;
      return;
    }
    case TpcDescriptor.PARAMETER_DATA:
      need(ctx, p, 16);
      out.parameterData = {
        maxCscdDescriptors: p.readUInt16BE(4),
        maxSegmentDescriptors: p.readUInt16BE(6),
        maxDescriptorListLength: p.readUInt32BE(8),
        maxInlineDataLength: p.readUInt32BE(12),
      };
      return;
    case TpcDescriptor.SUPPORTED_DESCRIPTORS:
      need(ctx, p, 1);
      need(ctx, p, 1 + p[0]!);
      out.supportedDescriptors = [...p.subarray(1, 1 + p[0]!)];
      return;
    case TpcDescriptor.SUPPORTED_CSCD_IDS: {
      need(ctx, p, 2);
      const n = p.readUInt16BE(0);
      need(ctx, p, 2 + n);
      const ids: number[] = [];
      for (let off = 2; off + 2 <= 2 + n; off += 2) ids.push(p.readUInt16BE(off));
      out.supportedCscdIds = ids;
      return;
    }
    case TpcDescriptor.GENERAL_COPY_OPERATIONS:
      need(ctx, p, 14);
      out.generalCopyOperations = {
        totalConcurrentCopies: p.readUInt32BE(0),
        maxIdentifiedConcurrentCopies: p.readUInt32BE(4),
        maxSegmentLength: p.readUInt32BE(8),
        dataSegmentGranularity: p[12]!,
        inlineDataGranularity: p[13]!,
      };
      return;
  }
}

/** A descriptor: header, parameters, and the zero pad that makes its length a multiple of four. */
function descriptor(type: number, parameters: Buffer): Buffer {
  const padded = Buffer.alloc(Math.ceil(parameters.length / 4) * 4);
  parameters.copy(padded);
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(padded.length, 2);
  return Buffer.concat([h, padded]);
}

export function encodeTpcSupportedCommands(cmds: TpcCommandSupport[]): Buffer {
  const ctx = 'Supported Commands descriptor';
  const list = Buffer.concat(
    cmds.map((c) =>
      Buffer.from([
        uint(ctx, 'SUPPORTED OPERATION CODE', c.opcode, 8),
        c.serviceActions.length,
        ...c.serviceActions.map((s) => uint(ctx, 'service action', s, 8)),
      ]),
    ),
  );
  return descriptor(TpcDescriptor.SUPPORTED_COMMANDS, Buffer.concat([Buffer.from([uint(ctx, 'COMMANDS SUPPORTED LIST LENGTH', list.length, 8)]), list]));
}

export function encodeTpcParameterData(o: TpcParameterData): Buffer {
  const ctx = 'Parameter Data descriptor';
  const p = Buffer.alloc(0x1c);
  p.writeUInt16BE(uint(ctx, 'MAXIMUM CSCD DESCRIPTOR COUNT', o.maxCscdDescriptors, 16), 4);
  p.writeUInt16BE(uint(ctx, 'MAXIMUM SEGMENT DESCRIPTOR COUNT', o.maxSegmentDescriptors, 16), 6);
  p.writeUInt32BE(uint(ctx, 'MAXIMUM DESCRIPTOR LIST LENGTH', o.maxDescriptorListLength, 32), 8);
  p.writeUInt32BE(uint(ctx, 'MAXIMUM INLINE DATA LENGTH', o.maxInlineDataLength, 32), 12);
  return descriptor(TpcDescriptor.PARAMETER_DATA, p);
}

export function encodeTpcSupportedDescriptors(codes: number[]): Buffer {
  const ctx = 'Supported Descriptors descriptor';
  return descriptor(
    TpcDescriptor.SUPPORTED_DESCRIPTORS,
    Buffer.from([uint(ctx, 'SUPPORTED DESCRIPTOR LIST LENGTH', codes.length, 8), ...codes.map((c) => uint(ctx, 'descriptor type code', c, 8))]),
  );
}

export function encodeTpcSupportedCscdIds(ids: number[]): Buffer {
  const ctx = 'Supported CSCD IDs descriptor';
  const p = Buffer.alloc(2 + ids.length * 2);
  p.writeUInt16BE(uint(ctx, 'SUPPORTED CSCD IDS LIST LENGTH', ids.length * 2, 16), 0);
  ids.forEach((id, i) => p.writeUInt16BE(uint(ctx, 'SUPPORTED CSCD ID', id, 16), 2 + i * 2));
  return descriptor(TpcDescriptor.SUPPORTED_CSCD_IDS, p);
}

export function encodeTpcGeneralCopyOperations(o: TpcGeneralCopyOperations): Buffer {
  const ctx = 'General Copy Operations descriptor';
  const p = Buffer.alloc(0x20);
  p.writeUInt32BE(uint(ctx, 'TOTAL CONCURRENT COPIES', o.totalConcurrentCopies, 32), 0);
  p.writeUInt32BE(uint(ctx, 'MAXIMUM IDENTIFIED CONCURRENT COPIES', o.maxIdentifiedConcurrentCopies, 32), 4);
  p.writeUInt32BE(uint(ctx, 'MAXIMUM SEGMENT LENGTH', o.maxSegmentLength, 32), 8);
  p[12] = uint(ctx, 'DATA SEGMENT GRANULARITY', o.dataSegmentGranularity, 8);
  p[13] = uint(ctx, 'INLINE DATA GRANULARITY', o.inlineDataGranularity, 8);
  return descriptor(TpcDescriptor.GENERAL_COPY_OPERATIONS, p);
}

/** The page around already encoded descriptors, in the order given. */
export function encodeThirdPartyCopyVpd(o: { descriptors: Buffer[] } & VpdCommon): Buffer {
  const body = Buffer.concat(o.descriptors);
  if (body.length > 0xffff) throw rangeError(`${CTX}: ${body.length} bytes do not fit PAGE LENGTH`);
  const h = Buffer.alloc(4);
  h[0] = (optUint(CTX, 'PERIPHERAL QUALIFIER', o.peripheralQualifier, 3) << 5) | optUint(CTX, 'PERIPHERAL DEVICE TYPE', o.peripheralDeviceType, 5);
  h[1] = VpdPage.THIRD_PARTY_COPY;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}
