/**
 * Heartbeat discovery (RFC 4171 5.6.5.14): an iSNS server may announce itself by UDP, to a multicast
 * group or a broadcast address, with its IP address, TCP and UDP ports, the interval of its heartbeats
 * and a counter. A client that was given no server listens for one and learns where to connect.
 * Datagrams that are not a well-formed Heartbeat are reported and ignored; the wait is bounded.
 */
import * as dgram from 'node:dgram';
import { IsnsError } from './errors.js';
import { decodeHeartbeatDatagram, Heartbeat } from './message.js';

export interface HeartbeatDiscoveryOptions {
  /** The UDP port heartbeats are sent to. */
  port: number;
  /** The address to bind (default every IPv4 interface). */
  host?: string;
  /** A multicast group to join, when the server sends to one. */
  multicastGroup?: string;
  /** How long to wait for a heartbeat (ms). */
  timeoutMs: number;
  /** Called for each datagram that is not a Heartbeat, with the reason. */
  onError?: (e: IsnsError) => void;
}

export interface DiscoveredServer {
  /** Where to connect: the address the heartbeat names, or its sender when it names none. */
  host: string;
  port: number;
  heartbeat: Heartbeat;
  /** The datagram's sender, address:port. */
  from: string;
}

const UNSPECIFIED = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/** Listen for the first Heartbeat and resolve with the server it names; ISNS_E_TIMEOUT when none comes within the wait. */
export function discoverByHeartbeat(opts: HeartbeatDiscoveryOptions): Promise<DiscoveredServer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    let done = false;
    const finish = (err: IsnsError | undefined, found?: DiscoveredServer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(found!);
    };
    const timer = setTimeout(
      () => finish(new IsnsError('ISNS_E_TIMEOUT', `no iSNS Heartbeat on UDP port ${opts.port} within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    sock.on('error', (e) => finish(new IsnsError('ISNS_E_CLOSED', `Heartbeat socket on UDP port ${opts.port}: ${e.message}`)));
    sock.on('message', (d, rinfo) => {
      let h: Heartbeat;
      try {
        h = decodeHeartbeatDatagram(d);
      } catch (e) {
        opts.onError?.(e as IsnsError);
        return;
      }
      const host = UNSPECIFIED.has(h.address) ? rinfo.address : h.address;
      finish(undefined, { host, port: h.tcpPort, heartbeat: h, from: `${rinfo.address}:${rinfo.port}` });
    });
    sock.bind(opts.port, opts.host ?? '0.0.0.0', () => {
      if (!opts.multicastGroup) return;
      try {
        sock.addMembership(opts.multicastGroup);
      } catch (e) {
        finish(new IsnsError('ISNS_E_CLOSED', `cannot join multicast group ${opts.multicastGroup}: ${(e as Error).message}`));
      }
    });
  });
}
