/**
 * REPORT TARGET PORT GROUPS parameter data (SPC-5): the length-only header (PARAMETER DATA FORMAT 000b) or
 * the extended header (001b), then one target port group descriptor per group, each with its asymmetric
 * access state, the states it supports and its target ports' relative identifiers.
 */
import { decodeError } from '../errors.js';
import { need, uint } from './util.js';

/** ASYMMETRIC ACCESS STATE values (SPC-5); the others are reserved. */
export const AluaState = {
  ACTIVE_OPTIMIZED: 0x0,
  ACTIVE_NON_OPTIMIZED: 0x1,
  STANDBY: 0x2,
  UNAVAILABLE: 0x3,
  LBA_DEPENDENT: 0x4,
  OFFLINE: 0xe,
  TRANSITIONING: 0xf,
} as const;

/** The SUPPORTED bit of byte 1 of a descriptor for each state (T_SUP, O_SUP, LBD_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP). */
export const ALUA_SUPPORT_BIT: Readonly<Record<number, number>> = { 0xf: 0x80, 0xe: 0x40, 0x4: 0x10, 0x3: 0x08, 0x2: 0x04, 0x1: 0x02, 0x0: 0x01 };

export interface TargetPortGroup {
  pref: boolean;
  state: number;
  /** Byte 1: the supported-state bits. */
  supported: number;
  group: number;
  statusCode: number;
  vendorSpecific: number;
  /** RELATIVE TARGET PORT IDENTIFIERs. */
  ports: number[];
}

export interface TargetPortGroups {
  /** RETURN DATA LENGTH: the bytes that follow the field. */
  returnDataLength: number;
  /** FORMAT TYPE of the extended header, or undefined for the length-only header. */
  formatType?: number;
  implicitTransitionTime?: number;
  groups: TargetPortGroup[];
  /** The buffer ended before RETURN DATA LENGTH + 4. */
  truncated: boolean;
}

/** SPC-5 REPORT TARGET PORT GROUPS data; `extended` as the CDB asked (PARAMETER DATA FORMAT 001b). */
export function parseTargetPortGroups(buf: Buffer, extended = false): TargetPortGroups {
  const ctx = 'REPORT TARGET PORT GROUPS data';
  need(ctx, buf, 4);
  const returnDataLength = buf.readUInt32BE(0);
  const declared = 4 + returnDataLength;
  const end = Math.min(buf.length, declared);
  const out: TargetPortGroups = { returnDataLength, groups: [], truncated: buf.length < declared };
  let off = 4;
  if (extended) {
    if (end < 8) return out;
    out.formatType = (buf[4]! >> 4) & 7;
    out.implicitTransitionTime = buf[5]!;
    off = 8;
  }
  while (off + 8 <= end) {
    const count = buf[off + 7]!;
    const size = 8 + 4 * count;
    if (off + size > end) {
      if (end >= declared)
        throw decodeError(`${ctx}: target port group descriptor at byte ${off} (${count} ports) overruns RETURN DATA LENGTH ${returnDataLength}`);
      break;
    }
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(buf.readUInt16BE(off + 8 + 4 * i + 2));
    out.groups.push({
      pref: (buf[off]! & 0x80) !== 0,
      state: buf[off]! & 0x0f,
      supported: buf[off + 1]!,
      group: buf.readUInt16BE(off + 2),
      statusCode: buf[off + 5]!,
      vendorSpecific: buf[off + 6]!,
      ports,
    });
    off += size;
  }
  if (off < end && end >= declared) throw decodeError(`${ctx}: ${end - off} bytes after the last descriptor`);
  return out;
}

/** SPC-5 REPORT TARGET PORT GROUPS data; `alloc` cuts it, RETURN DATA LENGTH stays full. */
export function encodeTargetPortGroups(
  o: { extended?: boolean; implicitTransitionTime?: number; groups: Omit<TargetPortGroup, 'vendorSpecific' | 'statusCode'>[] },
  alloc?: number,
): Buffer {
  const ctx = 'REPORT TARGET PORT GROUPS data';
  const descs = o.groups.map((g) => {
    const b = Buffer.alloc(8 + 4 * g.ports.length);
    b[0] = (g.pref ? 0x80 : 0) | uint(ctx, 'ASYMMETRIC ACCESS STATE', g.state, 4);
    b[1] = uint(ctx, 'supported states', g.supported, 8);
    b.writeUInt16BE(uint(ctx, 'TARGET PORT GROUP', g.group, 16), 2);
    b[7] = uint(ctx, 'TARGET PORT COUNT', g.ports.length, 8);
    g.ports.forEach((p, i) => b.writeUInt16BE(uint(ctx, 'RELATIVE TARGET PORT IDENTIFIER', p, 16), 8 + 4 * i + 2));
    return b;
  });
  const head = Buffer.alloc(o.extended ? 8 : 4);
  if (o.extended) {
    head[4] = 0x10;
    head[5] = uint(ctx, 'IMPLICIT TRANSITION TIME', o.implicitTransitionTime ?? 0, 8);
  }
  const all = Buffer.concat([head, ...descs]);
  all.writeUInt32BE(all.length - 4, 0);
  return alloc === undefined ? all : all.subarray(0, Math.min(all.length, alloc));
}
