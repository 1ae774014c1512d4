/**
 * The reference target as an iSNS client (`--isns HOST[:PORT]`, ietd.conf `iSNSServer`): it registers
 * its entity, each portal (with the ESI and SCN port it listens on), every target node and each node's
 * portal group with the Portal Group Tag its logins report (RFC 4171 5.6.5.1, 6.5); refreshes before the
 * Registration Period the server grants runs out; answers ESIs (the client does); registers again when
 * the server forgot it (a refresh that no longer finds it) or came back after the connection broke;
 * deregisters the entity on a clean stop. With `iSNSAccessControl Yes` a node admits only the initiators
 * iSNS shows it (those in a discovery domain with it), refreshed on every SCN.
 *
 * Nothing here may stop the target serving iSCSI: every iSNS failure is logged and retried later.
 */
import { hostname, networkInterfaces } from 'node:os';
import { IsnsClient, IsnsResponse } from '../isns/client.js';
import { EntityProtocol, Flag, Func, ISNS_PORT, NodeType, ScnBit, Status, Tag } from '../isns/constants.js';
import { IsnsError } from '../isns/errors.js';
import { tlvValue } from '../isns/tlv.js';
import type { TargetNode } from './node.js';
import { defineQuirk, type Quirks } from './quirks.js';

/** Defects of the target's iSNS side, so that each test of the iSNS family can be shown failing. */
export const Q_ISNS = {
  noRefresh: defineQuirk('isns-no-refresh', 'isns', 'registers once and never again: no refresh, no re-registration after the server forgot it'),
  wrongPgt: defineQuirk('isns-wrong-pgt', 'isns', 'registers its portal groups with a Portal Group Tag one more than its logins report'),
  noEsi: defineQuirk('isns-no-esi', 'isns', 'registers an ESI port but never answers an ESI'),
  initiatorType: defineQuirk('isns-initiator-type', 'isns', 'registers its target nodes with iSCSI Node Type Initiator'),
  noDereg: defineQuirk('isns-no-dereg', 'isns', 'stops without deregistering: its registration stays until the Registration Period runs out'),
  giveUp: defineQuirk('isns-give-up', 'isns', 'gives up registering after the server answers a registration with an error status'),
};

export interface IsnsRegistrationOptions {
  /** host[:port] of the iSNS server (IPv6 as [addr]:port). */
  server: string;
  /** The iSCSI portal: the address the target listens on and its port. */
  address: string;
  port: number;
  tpgt: number;
  nodes: TargetNode[];
  accessControl: boolean;
  quirks: Quirks;
  /** Registration Period asked for, in seconds (the server may grant another; default 60). */
  registrationPeriod?: number;
  /** ESI interval asked for, in seconds (default 20). */
  esiInterval?: number;
  log: (line: string) => void;
}

/** Split host[:port], [v6]:port or a bare IPv6 address; port 3205 when none is given. */
export function parseIsnsServer(spec: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(spec);
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(spec);
  const m = bracket ?? plain;
  const host = m ? m[1]! : spec.includes(':') ? spec : '';
  const port = m?.[2] !== undefined ? Number(m[2]) : ISNS_PORT;
  if (!host || port < 1 || port > 65535) throw new IsnsError('ISNS_E_RANGE', `iSNS server "${spec}": expected HOST[:PORT]`);
  return { host, port };
}

/** The addresses to register for a portal: the one listened on, or every interface's for a wildcard. */
function portalIps(address: string): string[] {
  if (address !== '0.0.0.0' && address !== '::') return [address];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' || (address === '::' && !a.address.startsWith('fe80'))) out.push(a.address);
    }
  }
  return out.length ? out : ['127.0.0.1'];
}

export class IsnsRegistration {
  readonly client: IsnsClient;
  readonly entityId: string;
  private readonly ips: string[];
  private listenPort = 0;
  private cancelRefresh: (() => void) | undefined;
  private registered = false;
  private stopped = false;
  private registering: Promise<void> | undefined;
  /** With access control: the initiators iSNS shows each node, by node name (absent: not known yet). */
  private readonly visible = new Map<string, Set<string>>();

  constructor(private readonly opts: IsnsRegistrationOptions) {
    const { host, port } = parseIsnsServer(opts.server);
    this.client = new IsnsClient({ host, port, timeoutMs: 5000, reconnectDelayMs: 2000 });
    this.ips = portalIps(opts.address);
    this.entityId = `iscsi-test:${hostname()}:${opts.port}`;
    this.client.on('error', (e) => opts.log(`iSNS: ${e.message}`));
    // The connection came back (server restarted, network healed): the server may have forgotten us.
    this.client.on('connect', () => {
      if (!this.stopped && !this.frozen) void this.register('the iSNS connection was re-established');
    });
    this.client.on('disconnect', () => {
      if (!this.stopped) opts.log(`iSNS: connection to ${opts.server} lost; reconnecting`);
    });
    if (opts.quirks.has(Q_ISNS.noEsi)) this.client.ignoreEsi = true;
    this.client.on('scn', () => {
      if (opts.accessControl) void this.refreshAcl();
    });
  }

  /** Start: listen for ESI/SCN, register, and keep registered. Never throws for iSNS trouble. */
  async start(): Promise<void> {
    // The server connects to this port for ESI and SCN, on the address the portal listens on.
    this.listenPort = await this.client.listen(this.opts.address, 0);
    await this.register('start');
  }

  /** Whether a node admits an initiator by iSNS access control (always true without it). */
  allows(node: string, initiator: string): boolean {
    if (!this.opts.accessControl) return true;
    return this.visible.get(node)?.has(initiator) ?? false;
  }

  private register(why: string): Promise<void> {
    this.registering ??= this.doRegister(why).finally(() => (this.registering = undefined));
    return this.registering;
  }

  private async doRegister(why: string): Promise<void> {
    if (this.stopped) return;
    const o = this.opts;
    const first = o.nodes[0]!.config.iqn;
    const t = this.client
      .transaction(Func.DevAttrReg, Flag.REPLACE)
      .add(Tag.IscsiName, first)
      .add(Tag.EntityId, this.entityId)
      .delimiter()
      .add(Tag.EntityId, this.entityId)
      .add(Tag.EntityProtocol, EntityProtocol.iSCSI)
      .add(Tag.RegistrationPeriod, o.registrationPeriod ?? 60);
    for (const ip of this.ips) {
      t.add(Tag.PortalIp, ip)
        .add(Tag.PortalPort, o.port)
        .add(Tag.EsiInterval, o.esiInterval ?? 20)
        .add(Tag.EsiPort, this.listenPort)
        .add(Tag.ScnPort, this.listenPort);
    }
    for (const n of o.nodes) {
      t.add(Tag.IscsiName, n.config.iqn).add(Tag.IscsiNodeType, o.quirks.has(Q_ISNS.initiatorType) ? NodeType.Initiator : NodeType.Target);
      if (n.config.alias) t.add(Tag.IscsiAlias, n.config.alias);
    }
    // One portal group object per node and portal: the tag its logins give as TargetPortalGroupTag.
    for (const n of o.nodes) {
      for (const ip of this.ips)
        t.add(Tag.PgIscsiName, n.config.iqn)
          .add(Tag.PgPortalIp, ip)
          .add(Tag.PgPortalPort, o.port)
          .add(Tag.PgTag, o.quirks.has(Q_ISNS.wrongPgt) ? o.tpgt + 1 : o.tpgt);
    }
    let r: IsnsResponse;
    try {
      r = await this.client.send(t);
    } catch (e) {
      o.log(`iSNS: registration with ${o.server} (${why}) failed: ${(e as Error).message}; retrying`);
      this.scheduleRefresh(5);
      return;
    }
    if (r.status !== Status.Successful) {
      const giveUp = o.quirks.has(Q_ISNS.giveUp);
      o.log(`iSNS: ${o.server} refused the registration (${why}): ${r.statusName}; ${giveUp ? 'giving up' : 'retrying'}`);
      if (giveUp) this.stopped = true;
      else this.scheduleRefresh(5);
      return;
    }
    this.registered = true;
    // The server may grant another period than asked for (RFC 4171 6.2.6): refresh at half of it.
    const granted = r.tlvs.find((x) => x.tag === Tag.RegistrationPeriod);
    const period = granted && granted.value.length === 4 ? granted.value.readUInt32BE(0) : (o.registrationPeriod ?? 60);
    o.log(`iSNS: registered entity ${this.entityId} with ${o.server} (${why}): ${o.nodes.length} node(s), ${this.ips.length} portal(s), period ${period} s`);
    if (o.accessControl) {
      for (const n of o.nodes) {
        const s = await this.client
          .send(
            this.client
              .transaction(Func.SCNReg)
              .add(Tag.IscsiName, n.config.iqn)
              .add(Tag.IscsiName, n.config.iqn)
              .delimiter()
              .add(Tag.IscsiScnBitmap, ScnBit.DdMemberAdded | ScnBit.DdMemberRemoved | ScnBit.ObjectAdded | ScnBit.ObjectRemoved),
          )
          .catch((e: Error) => e);
        if (s instanceof Error || s.status !== Status.Successful)
          o.log(`iSNS: SCN registration of ${n.config.iqn}: ${s instanceof Error ? s.message : s.statusName}`);
      }
      await this.refreshAcl();
    }
    this.scheduleRefresh(period > 0 ? Math.max(1, Math.floor(period / 2)) : 0);
  }

  /** Quirk isns-no-refresh: once registered, never a message again. */
  private get frozen(): boolean {
    return this.registered && this.opts.quirks.has(Q_ISNS.noRefresh);
  }

  private scheduleRefresh(seconds: number): void {
    this.cancelRefresh?.();
    this.cancelRefresh = undefined;
    if (this.stopped || seconds <= 0 || this.frozen) return;
    const node = this.opts.nodes[0]!.config.iqn;
    this.cancelRefresh = this.client.startRefresh(node, seconds * 1000, (r) => {
      if (r instanceof IsnsError) return; // the client reconnects; 'connect' registers again
      const known = r.status === Status.Successful && r.tlvs.some((x) => x.tag === Tag.EntityId && x.value.length > 0);
      if (!known) void this.register(`the server no longer knows ${node} (${r.statusName})`);
    });
  }

  /** Ask which initiators each node may see (same discovery domain): DevAttrQry with the node as Source. */
  private async refreshAcl(): Promise<void> {
    for (const n of this.opts.nodes) {
      const iqn = n.config.iqn;
      const r = await this.client
        .send(
          this.client
            .transaction(Func.DevAttrQry)
            .add(Tag.IscsiName, iqn)
            .add(Tag.IscsiNodeType, NodeType.Initiator)
            .delimiter()
            .add(Tag.IscsiName)
            .add(Tag.IscsiNodeType),
        )
        .catch((e: Error) => e);
      if (r instanceof Error || (r.status !== Status.Successful && r.status !== Status.NoSuchEntry)) {
        this.opts.log(`iSNS: access control query for ${iqn}: ${r instanceof Error ? r.message : r.statusName}; keeping the last answer`);
        continue;
      }
      const names = new Set<string>();
      let name: string | undefined;
      for (const t of r.tlvs) {
        if (t.tag === Tag.Delimiter) name = undefined;
        else if (t.tag === Tag.IscsiName) name = tlvValue(t) as string;
        else if (t.tag === Tag.IscsiNodeType && name && t.value.length === 4 && t.value.readUInt32BE(0) & NodeType.Initiator) names.add(name);
      }
      this.visible.set(iqn, names);
      this.opts.log(`iSNS: ${iqn} admits ${names.size ? [...names].join(', ') : 'no initiator'} (discovery domains)`);
    }
  }

  /** Deregister the entity (bounded wait) and stop every timer and connection. */
  async stop(waitMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelRefresh?.();
    if (this.registered && !this.opts.quirks.has(Q_ISNS.noDereg)) {
      const t = this.client.transaction(Func.DevDereg).add(Tag.IscsiName, this.opts.nodes[0]!.config.iqn).delimiter().add(Tag.EntityId, this.entityId);
      const r = await this.client.send(t, waitMs).catch((e: Error) => e);
      this.opts.log(`iSNS: deregistered ${this.entityId}: ${r instanceof Error ? r.message : r.statusName}`);
    }
    this.client.stop();
  }
}
