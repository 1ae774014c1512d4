/**
 * A small iSNS server (RFC 4171) the harness plays to test a target's own iSNS behaviour: it keeps the
 * entities registered with it (portals, nodes, portal groups), grants a Registration Period of its
 * choosing, answers queries about them, deregistrations and SCN registrations, and records every message
 * with its time so tests can judge refreshes. It can misbehave on purpose (answer with an error status,
 * stay silent, forget everything and drop its connections as a restarted server would) and can send an
 * Entity Status Inquiry to a registered portal's ESI port.
 *
 * It is a test instrument, not a production server: no discovery domains, no authentication.
 */
import * as net from 'node:net';
import { IsnsChannel } from './channel.js';
import { Flag, Func, functionName, RESPONSE_BIT, Status, Tag } from './constants.js';
import { IsnsError } from './errors.js';
import { decodeResponse, IsnsMessage, responsePayload } from './message.js';
import { decodeTlvs, encodeTlvs, Tlv, tlv, tlvValue } from './tlv.js';

export interface RegisteredPortal {
  ip: string;
  port: number;
  esiPort?: number;
  esiInterval?: number;
  scnPort?: number;
}
export interface RegisteredNode {
  name: string;
  type: number;
  alias?: string;
}
export interface RegisteredPortalGroup {
  name: string;
  ip: string;
  port: number;
  tag: number | null;
}
export interface RegisteredEntity {
  eid: string;
  protocol?: number;
  portals: RegisteredPortal[];
  nodes: RegisteredNode[];
  portalGroups: RegisteredPortalGroup[];
  registeredAt: number;
  /** Last message from a node of this entity (what refreshes a registration, RFC 4171 6.2.6). */
  lastContact: number;
}

export interface ReceivedMessage {
  at: number;
  functionId: number;
  name: string;
  tlvs: Tlv[];
  /** The Source attribute (first iSCSI Name) of a request. */
  source?: string;
  /** The status this server answered with. */
  answered?: number;
  remote: string;
}

export interface IsnsServerOptions {
  host?: string;
  port?: number;
  /** Registration Period granted to every entity, in seconds (default 30). */
  registrationPeriod?: number;
  log?: (line: string) => void;
}

/** Read a value as a string/number, or undefined when it does not decode. */
function value(t: Tlv): string | number | undefined {
  try {
    const v = tlvValue(t);
    return typeof v === 'string' || typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

export class IsnsServer {
  readonly entities = new Map<string, RegisteredEntity>();
  readonly received: ReceivedMessage[] = [];
  registrationPeriod: number;
  /** Answer the next requests with this status instead of handling them (count decrements). */
  private failWith: { status: number; count: number } | undefined;
  private silent = false;
  private server: net.Server | undefined;
  private readonly channels = new Set<IsnsChannel>();
  private nextEid = 1;
  private xid = 1;
  host: string;
  port: number;

  constructor(private readonly opts: IsnsServerOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.registrationPeriod = opts.registrationPeriod ?? 30;
  }

  get address(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const srv = net.createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.port, this.host, () => resolve());
    });
    srv.on('error', (e) => this.opts.log?.(`iSNS server: ${e.message}`));
    this.server = srv;
    this.port = (srv.address() as net.AddressInfo).port;
  }

  /** Close the port and every connection; `forget` also drops every registration (a restart with an empty database). */
  async stop(opts: { forget?: boolean } = {}): Promise<void> {
    const srv = this.server;
    this.server = undefined;
    for (const c of this.channels) c.close();
    this.channels.clear();
    if (opts.forget) this.entities.clear();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }

  /** Answer the next `count` requests with `status` (Busy, InternalError...) instead of handling them. */
  failNext(status: number, count = 1): void {
    this.failWith = { status, count };
  }

  /** Read requests but never answer them. */
  setSilent(on: boolean): void {
    this.silent = on;
  }

  /** The entity holding an iSCSI node of this name. */
  entityOf(nodeName: string): RegisteredEntity | undefined {
    for (const e of this.entities.values()) if (e.nodes.some((n) => n.name === nodeName)) return e;
    return undefined;
  }

  /** Messages received from a node (by Source) since `since` (ms epoch). */
  messagesFrom(nodeNames: readonly string[], since = 0): ReceivedMessage[] {
    return this.received.filter((m) => m.at >= since && m.source !== undefined && nodeNames.includes(m.source));
  }

  /**
   * Send an ESI to a portal's ESI port (RFC 4171 5.6.5.13) and wait at most `timeoutMs` for the ESIRsp.
   * Resolves with its status and TLVs; rejects with an IsnsError naming what went wrong.
   */
  esi(entity: RegisteredEntity, portal: RegisteredPortal, timeoutMs: number): Promise<{ status: number; tlvs: Tlv[] }> {
    if (!portal.esiPort) return Promise.reject(new IsnsError('ISNS_E_RANGE', `portal ${portal.ip}:${portal.port} registered no ESI port`));
    const xid = this.xid++ & 0xffff;
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: portal.ip, port: portal.esiPort! });
      let done = false;
      const finish = (err: IsnsError | undefined, r?: { status: number; tlvs: Tlv[] }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ch.close();
        if (err) reject(err);
        else resolve(r!);
      };
      const timer = setTimeout(
        () => finish(new IsnsError('ISNS_E_TIMEOUT', `no ESIRsp from ${portal.ip}:${portal.esiPort} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const ch = new IsnsChannel(sock, {
        message: (m) => {
          if (m.functionId !== (Func.ESI | RESPONSE_BIT) || m.transactionId !== xid) {
            return finish(new IsnsError('ISNS_E_UNSOLICITED', `answer to the ESI (xid ${xid}) was ${functionName(m.functionId)} xid ${m.transactionId}`));
          }
          try {
            finish(undefined, decodeResponse(m.payload));
          } catch (e) {
            finish(e as IsnsError);
          }
        },
        error: (e) => finish(e),
        close: () => finish(new IsnsError('ISNS_E_CLOSED', `${portal.ip}:${portal.esiPort} closed the ESI connection without an ESIRsp`)),
      });
      sock.once('connect', () => {
        const tlvs = [tlv(Tag.EntityId, entity.eid), tlv(Tag.PortalIp, portal.ip), tlv(Tag.PortalPort, portal.port)];
        ch.send({ functionId: Func.ESI, flags: Flag.SERVER, transactionId: xid, payload: encodeTlvs(tlvs) });
      });
    });
  }

  private accept(sock: net.Socket): void {
    const ch = new IsnsChannel(sock, {
      message: (m, c) => this.onMessage(m, c),
      error: (e, fatal, c) => {
        this.opts.log?.(`iSNS server: from ${c.remote}: ${e.message}`);
        if (!fatal && e.details['header']) {
          const h = e.details['header'] as { functionId: number; transactionId: number };
          if (!(h.functionId & RESPONSE_BIT)) this.answer(c, h.functionId, h.transactionId, Status.MessageFormatError, []);
        }
      },
      close: (c) => this.channels.delete(c),
    });
    this.channels.add(ch);
  }

  private onMessage(m: IsnsMessage, ch: IsnsChannel): void {
    const rec: ReceivedMessage = { at: Date.now(), functionId: m.functionId, name: functionName(m.functionId), tlvs: [], remote: ch.remote };
    this.received.push(rec);
    if (this.received.length > 10_000) this.received.splice(0, 5000);
    if (m.functionId & RESPONSE_BIT) return;
    let tlvs: Tlv[];
    try {
      tlvs = decodeTlvs(m.payload);
    } catch (e) {
      this.opts.log?.(`iSNS server: ${rec.name} from ${ch.remote}: ${(e as Error).message}`);
      return this.answer(ch, m.functionId, m.transactionId, (rec.answered = Status.MessageFormatError), []);
    }
    rec.tlvs = tlvs;
    const src = tlvs[0]?.tag === Tag.IscsiName ? value(tlvs[0]) : undefined;
    if (typeof src === 'string') rec.source = src;
    if (typeof src === 'string') {
      const e = this.entityOf(src);
      if (e) e.lastContact = rec.at;
    }
    if (this.silent) return;
    if (this.failWith && this.failWith.count > 0) {
      this.failWith.count--;
      return this.answer(ch, m.functionId, m.transactionId, (rec.answered = this.failWith.status), []);
    }
    const [status, out] = this.handle(m, tlvs, rec.at);
    rec.answered = status;
    this.answer(ch, m.functionId, m.transactionId, status, out);
  }

  private handle(m: IsnsMessage, tlvs: Tlv[], now: number): [number, Tlv[]] {
    const delim = tlvs.findIndex((t) => t.tag === Tag.Delimiter);
    const key = delim < 0 ? tlvs.slice(1) : tlvs.slice(1, delim);
    const op = delim < 0 ? [] : tlvs.slice(delim + 1);
    switch (m.functionId) {
      case Func.DevAttrReg:
        return this.register(m, tlvs, op, now);
      case Func.DevAttrQry: {
        // Enough of a query for a client's refresh: the entity keyed by a node's name or its EID, with
        // the entity attributes asked for. Other objects are not searched.
        const name = key.find((t) => t.tag === Tag.IscsiName);
        const eid = key.find((t) => t.tag === Tag.EntityId);
        const e = name ? this.entityOf(String(value(name))) : eid ? this.entities.get(String(value(eid))) : undefined;
        if (!e) return [Status.Successful, [...key, tlv(Tag.Delimiter)]];
        const out: Tlv[] = [...key, tlv(Tag.Delimiter), tlv(Tag.EntityId, e.eid)];
        for (const t of op) {
          if (t.tag === Tag.RegistrationPeriod) out.push(tlv(Tag.RegistrationPeriod, this.registrationPeriod));
          if (t.tag === Tag.EntityProtocol && e.protocol !== undefined) out.push(tlv(Tag.EntityProtocol, e.protocol));
        }
        return [Status.Successful, out];
      }
      case Func.DevDereg: {
        for (const t of op) {
          if (t.tag === Tag.EntityId) this.entities.delete(String(value(t)));
          if (t.tag === Tag.IscsiName) {
            const e = this.entityOf(String(value(t)));
            if (e) e.nodes = e.nodes.filter((n) => n.name !== value(t));
          }
        }
        return [Status.Successful, []];
      }
      case Func.SCNReg:
      case Func.SCNDereg:
        return [Status.Successful, []];
      default:
        return [Status.MessageNotSupported, []];
    }
  }

  private register(m: IsnsMessage, all: Tlv[], op: Tlv[], now: number): [number, Tlv[]] {
    if (op.length === 0 && all.length <= 1) return [Status.MessageFormatError, []];
    const eidTlv = op.find((t) => t.tag === Tag.EntityId);
    const eid = eidTlv && value(eidTlv) ? String(value(eidTlv)) : `isns-harness-entity-${this.nextEid++}`;
    const replace = (m.flags & Flag.REPLACE) !== 0;
    const old = this.entities.get(eid);
    const e: RegisteredEntity = !old || replace ? { eid, portals: [], nodes: [], portalGroups: [], registeredAt: now, lastContact: now } : old;
    e.lastContact = now;
    let portal: RegisteredPortal | undefined;
    let node: RegisteredNode | undefined;
    let pg: RegisteredPortalGroup | undefined;
    for (const t of op) {
      const v = value(t);
      switch (t.tag) {
        case Tag.EntityProtocol:
          e.protocol = Number(v);
          break;
        case Tag.PortalIp:
          portal = { ip: String(v), port: 0 };
          e.portals.push(portal);
          break;
        case Tag.PortalPort:
          if (portal) portal.port = Number(v) & 0xffff;
          break;
        case Tag.EsiPort:
          if (portal) portal.esiPort = Number(v) & 0xffff;
          break;
        case Tag.EsiInterval:
          if (portal) portal.esiInterval = Number(v);
          break;
        case Tag.ScnPort:
          if (portal) portal.scnPort = Number(v) & 0xffff;
          break;
        case Tag.IscsiName:
          node = e.nodes.find((n) => n.name === v) ?? { name: String(v), type: 0 };
          if (!e.nodes.includes(node)) e.nodes.push(node);
          break;
        case Tag.IscsiNodeType:
          if (node) node.type = Number(v);
          break;
        case Tag.IscsiAlias:
          if (node) node.alias = String(v);
          break;
        case Tag.PgIscsiName:
          pg = { name: String(v), ip: '', port: 0, tag: null };
          e.portalGroups.push(pg);
          break;
        case Tag.PgPortalIp:
          if (pg) pg.ip = String(v);
          break;
        case Tag.PgPortalPort:
          if (pg) pg.port = Number(v) & 0xffff;
          break;
        case Tag.PgTag:
          if (pg) pg.tag = t.value.length === 4 ? t.value.readUInt32BE(0) : null;
          break;
      }
    }
    this.entities.set(eid, e);
    this.opts.log?.(`iSNS server: registered ${eid}: ${e.nodes.map((n) => n.name).join(', ')}`);
    return [Status.Successful, [tlv(Tag.EntityId, eid), tlv(Tag.Delimiter), tlv(Tag.EntityId, eid), tlv(Tag.RegistrationPeriod, this.registrationPeriod)]];
  }

  private answer(ch: IsnsChannel, functionId: number, xid: number, status: number, tlvs: Tlv[]): void {
    try {
      ch.send({ functionId: functionId | RESPONSE_BIT, flags: Flag.SERVER, transactionId: xid, payload: responsePayload(status, tlvs) });
    } catch {
      /* the client hung up */
    }
  }
}
