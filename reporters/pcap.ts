/**
 * A pcap file (libpcap format, Ethernet link type) from the bytes a session recorded, so a failed test's
 * traffic opens in Wireshark or tshark (`tshark -r f.pcap -d tcp.port==PORT,iscsi` when the target is not
 * on 3260). The TCP stream is synthesised: a handshake, then each recorded PDU as one or more segments
 * with consistent sequence numbers, IPv4 or IPv6 as the session used, with correct checksums.
 */
import type { SessionTrace } from '../harness/results.js';

const LINKTYPE_ETHERNET = 1;
const MAX_SEGMENT = 16384;
const MAC_INITIATOR = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
const MAC_TARGET = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

function ipBytes(addr: string): Buffer {
  const a = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  if (/^[0-9]+(\.[0-9]+){3}$/.test(a)) return Buffer.from(a.split('.').map(Number));
  // IPv6: expand '::'.
  const [head, tail] = a.split('%')[0]!.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g: string, i: number) => b.writeUInt16BE(parseInt(g || '0', 16) & 0xffff, i * 2));
  return b;
}

function sum16(buf: Buffer, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) s += buf.readUInt16BE(i);
  if (buf.length & 1) s += buf[buf.length - 1]! << 8;
  return s;
}

const fold = (s: number): number => {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
};

interface Endpoint {
  ip: Buffer;
  port: number;
  mac: Buffer;
}

function packet(src: Endpoint, dst: Endpoint, seq: number, ack: number, flags: number, payload: Buffer): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(src.port, 0);
  tcp.writeUInt16BE(dst.port, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  const v6 = src.ip.length === 16;
  const tcpLen = tcp.length + payload.length;
  // Pseudo-header for the TCP checksum (RFC 793 / RFC 8200 8.1).
  let pseudo: Buffer;
  if (v6) {
    pseudo = Buffer.alloc(40);
    src.ip.copy(pseudo, 0);
    dst.ip.copy(pseudo, 16);
    pseudo.writeUInt32BE(tcpLen, 32);
    pseudo[39] = 6;
  } else {
    pseudo = Buffer.alloc(12);
    src.ip.copy(pseudo, 0);
    dst.ip.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcpLen, 10);
  }
  tcp.writeUInt16BE(fold(sum16(payload, sum16(tcp, sum16(pseudo)))), 16);
  let ip: Buffer;
  if (v6) {
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(tcpLen, 4);
    ip[6] = 6;
    ip[7] = 64;
    src.ip.copy(ip, 8);
    dst.ip.copy(ip, 24);
  } else {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + tcpLen, 2);
    ip.writeUInt16BE(0x4000, 6);
    ip[8] = 64;
    ip[9] = 6;
    src.ip.copy(ip, 12);
    dst.ip.copy(ip, 16);
    ip.writeUInt16BE(fold(sum16(ip)), 10);
  }
  const eth = Buffer.alloc(14);
  dst.mac.copy(eth, 0);
  src.mac.copy(eth, 6);
  eth.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  return Buffer.concat([eth, ip, tcp, payload]);
}

function record(timeMs: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Math.floor(timeMs / 1000), 0);
  h.writeUInt32LE(Math.floor((timeMs % 1000) * 1000), 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt32LE(frame.length, 12);
  return Buffer.concat([h, frame]);
}

/** The pcap file of some sessions' traffic (each its own TCP stream). */
export function pcapOf(traces: readonly SessionTrace[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16);
  global.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const out: Buffer[] = [global];
  for (const t of traces) {
    const ini: Endpoint = { ip: ipBytes(t.local.address), port: t.local.port, mac: MAC_INITIATOR };
    let tgt: Endpoint = { ip: ipBytes(t.remote.address), port: t.remote.port, mac: MAC_TARGET };
    if (tgt.ip.length !== ini.ip.length) tgt = { ...tgt, ip: ini.ip.length === 16 ? ipBytes('::1') : ipBytes('127.0.0.1') };
    let iSeq = 1000;
    let tSeq = 5000;
    const t0 = t.entries[0]?.time ?? Date.now();
    out.push(record(t0, packet(ini, tgt, iSeq - 1, 0, SYN, Buffer.alloc(0))));
    out.push(record(t0, packet(tgt, ini, tSeq - 1, iSeq, SYN | ACK, Buffer.alloc(0))));
    out.push(record(t0, packet(ini, tgt, iSeq, tSeq, ACK, Buffer.alloc(0))));
    let last = t0;
    for (const e of t.entries) {
      const data = Buffer.concat(e.bytes);
      last = e.time;
      for (let off = 0; off < data.length; off += MAX_SEGMENT) {
        const seg = data.subarray(off, off + MAX_SEGMENT);
        if (e.dir === 'send') {
          out.push(record(e.time, packet(ini, tgt, iSeq, tSeq, PSH | ACK, seg)));
          iSeq = (iSeq + seg.length) >>> 0;
        } else {
          out.push(record(e.time, packet(tgt, ini, tSeq, iSeq, PSH | ACK, seg)));
          tSeq = (tSeq + seg.length) >>> 0;
        }
      }
    }
    out.push(record(last, packet(ini, tgt, iSeq, tSeq, FIN | ACK, Buffer.alloc(0))));
  }
  return Buffer.concat(out);
}
