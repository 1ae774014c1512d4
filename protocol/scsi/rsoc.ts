/**
 * REPORT SUPPORTED OPERATION CODES parameter data (SPC-5: all_commands, one_command) and the
 * command timeouts descriptor (6.35.4).
 */
import { decodeError, rangeError } from '../errors.js';
import { bit, hex, need, optUint, uint } from './util.js';

/** SUPPORT field of the one_command format (SPC-5 REPORT SUPPORTED OPERATION CODES). */
export const RsocSupport = { NOT_AVAILABLE: 0b000, NOT_SUPPORTED: 0b001, SUPPORTED: 0b011, SUPPORTED_VENDOR_SPECIFIC: 0b101 } as const;

/** Command timeouts descriptor (SPC-5 REPORT SUPPORTED OPERATION CODES): timeouts in seconds, 0 = not reported. */
export interface CommandTimeouts {
  commandSpecific: number;
  nominal: number;
  recommended: number;
}

/** One command descriptor of the all_commands format (SPC-5 REPORT SUPPORTED OPERATION CODES). */
export interface CommandDescriptor {
  opcode: number;
  /** SERVICE ACTION, meaningful when `servactv` is set. */
  serviceAction: number;
  servactv: boolean;
  cdbLength: number;
  /** CTDP: a command timeouts descriptor follows (`timeouts`). */
  ctdp: boolean;
  rwcdlp: boolean;
  mlu: number;
  cdlp: number;
  timeouts?: CommandTimeouts;
}

export interface RsocAllCommands {
  /** COMMAND DATA LENGTH: bytes of descriptors the device server has. */
  commandDataLength: number;
  commands: CommandDescriptor[];
  /** The buffer ended before 4 + COMMAND DATA LENGTH. */
  truncated: boolean;
}

function readTimeouts(ctx: string, buf: Buffer, off: number): CommandTimeouts {
  const len = buf.readUInt16BE(off);
  if (len !== 0x0a) throw decodeError(`${ctx}: command timeouts descriptor at byte ${off} has DESCRIPTOR LENGTH ${len}, expected 10`);
  return { commandSpecific: buf[off + 3]!, nominal: buf.readUInt32BE(off + 4), recommended: buf.readUInt32BE(off + 8) };
}

function writeTimeouts(ctx: string, t: CommandTimeouts): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(0x0a, 0);
  b[3] = uint(ctx, 'COMMAND SPECIFIC', t.commandSpecific, 8);
  b.writeUInt32BE(uint(ctx, 'NOMINAL COMMAND PROCESSING TIMEOUT', t.nominal, 32), 4);
  b.writeUInt32BE(uint(ctx, 'RECOMMENDED COMMAND TIMEOUT', t.recommended, 32), 8);
  return b;
}

/** SPC-5 REPORT SUPPORTED OPERATION CODES all_commands parameter data (REPORTING OPTIONS 000b). */
export function parseRsocAllCommands(buf: Buffer): RsocAllCommands {
  const ctx = 'REPORT SUPPORTED OPERATION CODES (all commands)';
  need(ctx, buf, 4);
  const commandDataLength = buf.readUInt32BE(0);
  const declared = 4 + commandDataLength;
  const end = Math.min(buf.length, declared);
  const commands: CommandDescriptor[] = [];
  let off = 4;
  while (off < end) {
    const ctdp = off + 6 <= end ? (buf[off + 5]! & 0x02) !== 0 : false;
    const size = ctdp ? 20 : 8;
    if (off + size > end) {
      if (end >= declared) throw decodeError(`${ctx}: command descriptor at byte ${off} overruns COMMAND DATA LENGTH ${commandDataLength}`);
      break;
    }
    const b5 = buf[off + 5]!;
    const d: CommandDescriptor = {
      opcode: buf[off]!,
      serviceAction: buf.readUInt16BE(off + 2),
      servactv: (b5 & 0x01) !== 0,
      cdbLength: buf.readUInt16BE(off + 6),
      ctdp,
      rwcdlp: (b5 & 0x40) !== 0,
      mlu: (b5 >> 4) & 3,
      cdlp: (b5 >> 2) & 3,
    };
    if (ctdp) d.timeouts = readTimeouts(ctx, buf, off + 8);
    commands.push(d);
    off += size;
  }
  return { commandDataLength, commands, truncated: buf.length < declared };
}

/** What `encodeRsocAllCommands` takes per command; CTDP is set when `timeouts` is given. */
export interface CommandDescriptorInit {
  opcode: number;
  /** Sets SERVACTV. */
  serviceAction?: number;
  cdbLength: number;
  rwcdlp?: boolean;
  mlu?: number;
  cdlp?: number;
  timeouts?: CommandTimeouts;
}

/**
 * SPC-5 REPORT SUPPORTED OPERATION CODES all_commands parameter data. With `alloc` the result is cut to that many bytes while COMMAND
 * DATA LENGTH keeps the full length.
 */
export function encodeRsocAllCommands(commands: CommandDescriptorInit[], alloc?: number): Buffer {
  const ctx = 'REPORT SUPPORTED OPERATION CODES (all commands)';
  const parts = commands.map((c) => {
    const b = Buffer.alloc(8);
    b[0] = uint(ctx, 'OPERATION CODE', c.opcode, 8);
    b.writeUInt16BE(optUint(ctx, 'SERVICE ACTION', c.serviceAction, 16), 2);
    b[5] =
      (bit(c.rwcdlp) << 6) |
      (optUint(ctx, 'MLU', c.mlu, 2) << 4) |
      (optUint(ctx, 'CDLP', c.cdlp, 2) << 2) |
      (bit(c.timeouts !== undefined) << 1) |
      bit(c.serviceAction !== undefined);
    b.writeUInt16BE(uint(ctx, 'CDB LENGTH', c.cdbLength, 16), 6);
    return c.timeouts ? Buffer.concat([b, writeTimeouts(ctx, c.timeouts)]) : b;
  });
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(4);
  h.writeUInt32BE(body.length, 0);
  const out = Buffer.concat([h, body]);
  return alloc === undefined ? out : out.subarray(0, uint(ctx, 'ALLOCATION LENGTH', alloc, 32));
}

/** SPC-5 REPORT SUPPORTED OPERATION CODES one_command parameter data (REPORTING OPTIONS 001b..011b). */
export interface RsocOneCommand {
  /** SUPPORT (see `RsocSupport`). */
  support: number;
  ctdp: boolean;
  rwcdlp: boolean;
  mlu: number;
  cdlp: number;
  /** CDB SIZE: length of the usage map. */
  cdbSize: number;
  /** CDB USAGE DATA: the opcode, then a bit set for each CDB bit the device server looks at. */
  usageMap: Buffer;
  timeouts?: CommandTimeouts;
  /** The buffer ended before the usage map (or the timeouts descriptor) did. */
  truncated: boolean;
}

/** SPC-5 REPORT SUPPORTED OPERATION CODES one_command parameter data. */
export function parseRsocOneCommand(buf: Buffer): RsocOneCommand {
  const ctx = 'REPORT SUPPORTED OPERATION CODES (one command)';
  need(ctx, buf, 4);
  const b1 = buf[1]!;
  const ctdp = (b1 & 0x80) !== 0;
  const cdbSize = buf.readUInt16BE(2);
  const full = 4 + cdbSize + (ctdp ? 12 : 0);
  const out: RsocOneCommand = {
    support: b1 & 0x07,
    ctdp,
    rwcdlp: (buf[0]! & 0x01) !== 0,
    mlu: (b1 >> 5) & 3,
    cdlp: (b1 >> 3) & 3,
    cdbSize,
    usageMap: Buffer.from(buf.subarray(4, Math.min(buf.length, 4 + cdbSize))),
    truncated: buf.length < full,
  };
  if (ctdp && buf.length >= full) out.timeouts = readTimeouts(ctx, buf, 4 + cdbSize);
  return out;
}

/** SPC-5 REPORT SUPPORTED OPERATION CODES one_command parameter data; CTDP is set when `timeouts` is given. */
export function encodeRsocOneCommand(o: {
  support: number;
  usageMap: Buffer;
  rwcdlp?: boolean;
  mlu?: number;
  cdlp?: number;
  timeouts?: CommandTimeouts;
}): Buffer {
  const ctx = 'REPORT SUPPORTED OPERATION CODES (one command)';
  if (o.usageMap.length > 0xffff) throw rangeError(`${ctx}: usage map of ${o.usageMap.length} bytes does not fit CDB SIZE`);
  const h = Buffer.alloc(4);
  h[0] = bit(o.rwcdlp);
  h[1] =
    (bit(o.timeouts !== undefined) << 7) | (optUint(ctx, 'MLU', o.mlu, 2) << 5) | (optUint(ctx, 'CDLP', o.cdlp, 2) << 3) | uint(ctx, 'SUPPORT', o.support, 3);
  h.writeUInt16BE(o.usageMap.length, 2);
  return Buffer.concat([h, o.usageMap, ...(o.timeouts ? [writeTimeouts(ctx, o.timeouts)] : [])]);
}

/** `'supported'`, `'not supported'`... for the SUPPORT field. */
export function rsocSupportName(support: number): string {
  switch (support) {
    case RsocSupport.NOT_AVAILABLE:
      return 'not currently available';
    case RsocSupport.NOT_SUPPORTED:
      return 'not supported';
    case RsocSupport.SUPPORTED:
      return 'supported';
    case RsocSupport.SUPPORTED_VENDOR_SPECIFIC:
      return 'supported (vendor specific)';
    default:
      return `SUPPORT ${hex(support, 1)}`;
  }
}
