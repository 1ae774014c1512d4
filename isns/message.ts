/**
 * iSNSP messages and their PDUs (RFC 4171 5.1-5.3). A message is one function ID and transaction ID
 * with a payload; it travels in one PDU, or in several when the payload is longer than a PDU carries,
 * the first flagged First PDU, the last Last PDU, sequence IDs counting from 0. A response payload
 * starts with a 4-byte status (5.4, 5.7); a Heartbeat carries fixed fields instead of TLVs (5.6.5.14).
 */
import { Flag, Func, functionName, ISNS_HEADER_LENGTH, ISNS_MAX_PAYLOAD, ISNSP_VERSION, isResponse, statusName } from './constants.js';
import { IsnsError } from './errors.js';
import { decodeTlvs, describeTlv, encodeTlvs, ipText, ipValue, Tlv } from './tlv.js';

export interface IsnsHeader {
  version: number;
  functionId: number;
  /** Payload length of this PDU (header excluded). */
  length: number;
  flags: number;
  transactionId: number;
  sequenceId: number;
}

/** A whole message: the flags that belong to the message (client/server/replace/auth), not First/Last. */
export interface IsnsMessage {
  functionId: number;
  flags: number;
  transactionId: number;
  payload: Buffer;
}

const pduError = (msg: string, details: Record<string, unknown> = {}) => new IsnsError('ISNS_E_PDU', msg, details);

export function encodeHeader(h: IsnsHeader): Buffer {
  const b = Buffer.alloc(ISNS_HEADER_LENGTH);
  b.writeUInt16BE(h.version, 0);
  b.writeUInt16BE(h.functionId, 2);
  b.writeUInt16BE(h.length, 4);
  b.writeUInt16BE(h.flags, 6);
  b.writeUInt16BE(h.transactionId, 8);
  b.writeUInt16BE(h.sequenceId, 10);
  return b;
}

export function decodeHeader(b: Buffer): IsnsHeader {
  if (b.length < ISNS_HEADER_LENGTH) throw pduError(`iSNSP header truncated: ${b.length} of ${ISNS_HEADER_LENGTH} bytes`);
  return {
    version: b.readUInt16BE(0),
    functionId: b.readUInt16BE(2),
    length: b.readUInt16BE(4),
    flags: b.readUInt16BE(6),
    transactionId: b.readUInt16BE(8),
    sequenceId: b.readUInt16BE(10),
  };
}

/**
 * The PDUs of a message, each header plus payload slice. `maxPayload` (a multiple of 4, at most 65532)
 * bounds each PDU; tests use small values to make multi-PDU messages.
 */
export function encodeMessage(msg: IsnsMessage, maxPayload = ISNS_MAX_PAYLOAD): Buffer[] {
  if (maxPayload < 4 || maxPayload > ISNS_MAX_PAYLOAD || maxPayload % 4 !== 0) {
    throw new IsnsError('ISNS_E_RANGE', `PDU payload bound ${maxPayload} is not a multiple of 4 in 4..${ISNS_MAX_PAYLOAD}`);
  }
  if (msg.payload.length % 4 !== 0) throw new IsnsError('ISNS_E_RANGE', `message payload of ${msg.payload.length} bytes is not 4-byte aligned`);
  for (const [name, v] of [
    ['function ID', msg.functionId],
    ['transaction ID', msg.transactionId],
    ['flags', msg.flags],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new IsnsError('ISNS_E_RANGE', `${name} ${v} does not fit 16 bits`);
  }
  const count = Math.max(1, Math.ceil(msg.payload.length / maxPayload));
  if (count > 0x10000) throw new IsnsError('ISNS_E_RANGE', `message of ${msg.payload.length} bytes needs more than 65536 PDUs`);
  const out: Buffer[] = [];
  const baseFlags = msg.flags & ~(Flag.FIRST_PDU | Flag.LAST_PDU);
  for (let i = 0; i < count; i++) {
    const part = msg.payload.subarray(i * maxPayload, (i + 1) * maxPayload);
    const flags = baseFlags | (i === 0 ? Flag.FIRST_PDU : 0) | (i === count - 1 ? Flag.LAST_PDU : 0);
    const h = encodeHeader({ version: ISNSP_VERSION, functionId: msg.functionId, length: part.length, flags, transactionId: msg.transactionId, sequenceId: i });
    out.push(Buffer.concat([h, part]));
  }
  return out;
}

/** A request payload: TLVs in order (message key, Delimiter, operating attributes). */
export const requestPayload = (tlvs: readonly Tlv[]): Buffer => encodeTlvs(tlvs);

/** A response payload: the status code, then TLVs (RFC 4171 5.7). */
export function responsePayload(status: number, tlvs: readonly Tlv[] = []): Buffer {
  const s = Buffer.alloc(4);
  s.writeUInt32BE(status >>> 0, 0);
  return Buffer.concat([s, encodeTlvs(tlvs)]);
}

export interface DecodedResponse {
  status: number;
  tlvs: Tlv[];
}

export function decodeResponse(payload: Buffer): DecodedResponse {
  if (payload.length < 4) throw pduError(`response payload of ${payload.length} bytes has no 4-byte status`);
  return { status: payload.readUInt32BE(0), tlvs: decodeTlvs(payload, 4) };
}

export interface Heartbeat {
  address: string;
  tcpPort: number;
  udpPort: number;
  interval: number;
  counter: number;
}

/** Heartbeat payload: server IP (16), TCP port (2), UDP port (2), interval (4), counter (4), as tshark reads it. */
export function heartbeatPayload(h: Heartbeat): Buffer {
  const b = Buffer.alloc(28);
  ipValue(h.address).copy(b, 0);
  b.writeUInt16BE(h.tcpPort, 16);
  b.writeUInt16BE(h.udpPort, 18);
  b.writeUInt32BE(h.interval >>> 0, 20);
  b.writeUInt32BE(h.counter >>> 0, 24);
  return b;
}

export function decodeHeartbeat(payload: Buffer): Heartbeat {
  if (payload.length < 28) throw pduError(`Heartbeat payload of ${payload.length} bytes is shorter than its 28 bytes`);
  return {
    address: ipText(payload.subarray(0, 16)),
    tcpPort: payload.readUInt16BE(16),
    udpPort: payload.readUInt16BE(18),
    interval: payload.readUInt32BE(20),
    counter: payload.readUInt32BE(24),
  };
}

/**
 * A Heartbeat as a server sends it by UDP (RFC 4171 5.6.5.14): one whole PDU in one datagram. The header
 * must say iSNSP version 1, function Heartbeat, a PDU length equal to the bytes that follow it, and be
 * the only PDU of its message; every other datagram is an ISNS_E_PDU naming what was wrong.
 */
export function decodeHeartbeatDatagram(d: Buffer): Heartbeat {
  const h = decodeHeader(d);
  if (h.version !== ISNSP_VERSION) throw pduError(`Heartbeat datagram: iSNSP version ${h.version}, expected ${ISNSP_VERSION}`, { header: h });
  if (h.functionId !== Func.Heartbeat) throw pduError(`datagram of ${functionName(h.functionId)}, not a Heartbeat`, { header: h });
  if (h.length !== d.length - ISNS_HEADER_LENGTH)
    throw pduError(`Heartbeat datagram: PDU length ${h.length} but ${d.length - ISNS_HEADER_LENGTH} bytes follow the header`, { header: h });
  if ((h.flags & (Flag.FIRST_PDU | Flag.LAST_PDU)) !== (Flag.FIRST_PDU | Flag.LAST_PDU))
    throw pduError(`Heartbeat datagram: flags 0x${h.flags.toString(16)} do not mark it the first and last PDU`, { header: h });
  return decodeHeartbeat(d.subarray(ISNS_HEADER_LENGTH));
}

/** One line for logs: `DevAttrRegRsp xid=3 status=Successful: iSCSI Name = "iqn...", ...`. */
export function describeMessage(m: IsnsMessage): string {
  const head = `${functionName(m.functionId)} xid=${m.transactionId}`;
  try {
    if (m.functionId === Func.Heartbeat) {
      const h = decodeHeartbeat(m.payload);
      return `${head} server=${h.address}:${h.tcpPort} interval=${h.interval} counter=${h.counter}`;
    }
    if (isResponse(m.functionId)) {
      const r = decodeResponse(m.payload);
      return `${head} status=${statusName(r.status)}${r.tlvs.length ? `: ${r.tlvs.map(describeTlv).join(', ')}` : ''}`;
    }
    const tlvs = decodeTlvs(m.payload);
    return `${head}${tlvs.length ? `: ${tlvs.map(describeTlv).join(', ')}` : ''}`;
  } catch (err) {
    return `${head} (malformed: ${(err as Error).message})`;
  }
}
