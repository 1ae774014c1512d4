/**
 * The reference target's server: its portal, its target nodes, and the registry of sessions that
 * decides admission (new session, reinstatement of the same initiator name and ISID, refusal of a
 * second connection at MaxConnections=1, out of resources) and tells each node's device server when
 * I_T nexuses begin and end.
 */
import { randomInt } from 'node:crypto';
import * as net from 'node:net';
import { LoginStatus } from '../protocol/iscsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import type { TargetServerConfig } from './config.js';
import { AuthThrottle } from './auth-throttle.js';
import { TargetConnection } from './connection.js';
import { Q_LOGIN, type LoginEnvironment, type LoginResult } from './login.js';
import { logoutDeadlineSeconds, Q_ASYNC, RETAINED_SESSION_MS } from './async-quirks.js';
import type { ConnectionHandle, SessionHost } from './session-host.js';
import { DataBudget, DEFAULT_DATA_TIMEOUT, DEFAULT_SESSION_DATA_BUDGET, DEFAULT_TARGET_DATA_BUDGET } from './data-budget.js';
import { IsnsRegistration } from './isns.js';
import { TargetNode } from './node.js';
import { allQuirks, Quirks } from './quirks.js';
import type { Nexus } from './scsi/index.js';
import { iscsiTransportId } from '../protocol/scsi/index.js';

/**
 * Seconds a target being stopped gives its initiators to log out after asking them to (iscsi-target's
 * --logout-wait default, and what the harness's controlled stop of the reference target uses).
 */
export const DEFAULT_LOGOUT_WAIT_S = 2;

interface SessionEntry {
  tsih: number;
  initiatorName: string;
  isid: number;
  node?: TargetNode;
  conn: ConnectionHandle;
  nexus?: Nexus;
  /** Kept after its connection dropped (the session-retained quirk). */
  retained?: boolean;
}

export interface TargetServerOptions extends TargetServerConfig {
  log?: (line: string) => void;
}

/** MaxSessions when the configuration sets none: a bound on the target's memory, not a feature limit. */
export const DEFAULT_MAX_SESSIONS = 1024;

/**
 * RFC 7143 9.2.1: "Any CHAP secret used for initiator authentication MUST NOT be configured for
 * authentication of any target, and any CHAP secret used for target authentication MUST NOT be configured
 * for authentication of any initiator." A configuration that does (IncomingUser and OutgoingUser with one
 * secret, anywhere in it) is refused, naming both accounts.
 */
export function checkChapSecrets(config: Pick<TargetServerOptions, 'targets' | 'discoveryUsers' | 'discoveryOutgoingUser'>): void {
  const incoming = [
    ...config.targets.flatMap((t) => (t.incomingUsers ?? []).map((a) => ({ a, where: `target ${t.iqn}` }))),
    ...(config.discoveryUsers ?? []).map((a) => ({ a, where: 'discovery' })),
  ];
  const outgoing = [
    ...config.targets.flatMap((t) => (t.outgoingUser ? [{ a: t.outgoingUser, where: `target ${t.iqn}` }] : [])),
    ...(config.discoveryOutgoingUser ? [{ a: config.discoveryOutgoingUser, where: 'discovery' }] : []),
  ];
  for (const o of outgoing) {
    const i = incoming.find((x) => x.a.secret === o.a.secret);
    if (i) {
      throw new IscsiError(
        'E_CONFIG',
        `OutgoingUser ${o.a.user} (${o.where}) has the same CHAP secret as IncomingUser ${i.a.user} (${i.where}): a ` +
          `secret that authenticates initiators must not authenticate the target (RFC 7143 9.2.1)`,
      );
    }
  }
}

export class TargetServer implements SessionHost {
  /** Log every PDU in and out (debug level 1 and up): read on every PDU, so decided once. */
  readonly tracePdus: boolean;
  readonly quirks: Quirks;
  readonly config: TargetServerOptions;
  private readonly nodeMap = new Map<string, TargetNode>();
  /** Repeated CHAP failures of one initiator name are answered ever later (auth-throttle.ts). */
  private readonly authThrottle = new AuthThrottle();
  private readonly sessions = new Map<number, SessionEntry>();
  private readonly conns = new Set<ConnectionHandle>();
  private server: net.Server | undefined;
  /** Registration with an iSNS server (iSNSServer / --isns), started once the portal listens. */
  isns: IsnsRegistration | undefined;
  private nextTsih = randomInt(1, 0xff00);
  private readonly logFn: (line: string) => void;
  /** Write data every session together may hold (TargetDataBudget). */
  readonly dataBudget: DataBudget;
  address = '';
  port = 0;

  constructor(config: TargetServerOptions) {
    this.config = config;
    this.quirks = new Quirks(config.quirks ?? []);
    this.tracePdus = (config.debug ?? 0) >= 1;
    const unknown = this.quirks.unknown();
    if (unknown.length) {
      throw new IscsiError(
        'E_CONFIG',
        `unknown quirk ${unknown.join(', ')} (known: ${allQuirks()
          .map((q) => q.name)
          .join(', ')})`,
      );
    }
    this.logFn = config.log ?? (() => {});
    this.dataBudget = new DataBudget(config.targetDataBudget ?? DEFAULT_TARGET_DATA_BUDGET);
    if (config.targets.length === 0) throw new IscsiError('E_CONFIG', 'no target configured');
    checkChapSecrets(config);
    for (const t of config.targets) {
      if (this.nodeMap.has(t.iqn)) throw new IscsiError('E_CONFIG', `target ${t.iqn} configured twice`);
      const node = new TargetNode(t, this.quirks);
      node.device.onTasksEnded = (lun, ids, taskAborted) => this.endPendingTasks(node, lun, ids, taskAborted);
      this.nodeMap.set(t.iqn, node);
    }
  }

  get tpgt(): number {
    return this.config.tpgt ?? 1;
  }
  get loginTimeoutSeconds(): number {
    return this.config.loginTimeout ?? 15;
  }
  get nopIntervalSeconds(): number {
    return this.config.nopInterval ?? 0;
  }
  get nopTimeoutSeconds(): number {
    return this.config.nopTimeout ?? 10;
  }
  get sessionDataBudget(): number {
    return this.config.sessionDataBudget ?? DEFAULT_SESSION_DATA_BUDGET;
  }
  get dataTimeoutSeconds(): number {
    return this.config.dataTimeout ?? DEFAULT_DATA_TIMEOUT;
  }

  log(line: string): void {
    this.logFn(line);
  }

  nodes(): TargetNode[] {
    return [...this.nodeMap.values()];
  }

  initialStatSN(): number {
    return randomInt(0, 0x7fffffff);
  }

  async listen(): Promise<void> {
    const srv = net.createServer((socket) => {
      // Memory stays bounded whatever arrives: past twice MaxSessions (sessions plus logins under way,
      // each dropped after LoginTimeout), a new connection is closed at once.
      if (this.conns.size >= 2 * this.maxSessions) {
        this.log(
          `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} refused: already ${this.conns.size} connections (twice MaxSessions ${this.maxSessions})`,
        );
        socket.destroy();
        return;
      }
      const c = new TargetConnection(socket, this);
      this.conns.add(c);
    });
    this.server = srv;
    const host = this.config.address ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: NodeJS.ErrnoException) =>
        reject(new IscsiError('E_CONFIG', `cannot listen on ${host.includes(':') ? `[${host}]` : host}:${this.config.port ?? 3260}: ${e.code ?? e.message}`));
      srv.once('error', onErr);
      srv.listen(this.config.port ?? 3260, host, () => {
        srv.off('error', onErr);
        // From now on a portal error is logged; a failure to listen is the caller's error, told once.
        srv.on('error', (e) => this.log(`portal error: ${e.message}`));
        resolve();
      });
    });
    const a = srv.address() as net.AddressInfo;
    this.address = a.address;
    this.port = a.port;
    if (this.config.isns) await this.startIsns(this.config.isns);
  }

  /** Register with the iSNS server; its failures are logged and retried, never stop the portal. */
  private async startIsns(spec: string): Promise<void> {
    const isns = new IsnsRegistration({
      server: spec,
      address: this.address,
      port: this.port,
      tpgt: this.tpgt,
      nodes: this.nodes(),
      accessControl: this.config.isnsAccessControl ?? false,
      quirks: this.quirks,
      ...(this.config.isnsRegistrationPeriod !== undefined ? { registrationPeriod: this.config.isnsRegistrationPeriod } : {}),
      log: (l) => this.log(l),
    });
    this.isns = isns;
    if (this.config.isnsAccessControl) for (const n of this.nodes()) n.accessCheck = (who) => isns.allows(n.config.iqn, who);
    await isns.start();
  }

  /** TargetAddress values for SendTargets: the address the initiator reached us on (RFC 7143 13.8). */
  portalAddresses(socket: net.Socket): string[] {
    const addr = socket.localAddress ?? this.address;
    const host = addr.includes(':') ? `[${addr}]` : addr;
    return [`${host}:${socket.localPort ?? this.port},${this.tpgt}`];
  }

  loginEnvironment(conn: ConnectionHandle): LoginEnvironment {
    return {
      tpgt: this.tpgt,
      findTarget: (name) => this.nodeMap.get(name),
      anyTarget: () => this.nodeMap.values().next().value,
      ...(this.config.discoveryUsers ? { discoveryUsers: this.config.discoveryUsers } : {}),
      ...(this.config.discoveryOutgoingUser ? { discoveryOutgoingUser: this.config.discoveryOutgoingUser } : {}),
      quirks: this.quirks,
      admit: (req) => {
        if (req.tsih !== 0) {
          const s = this.sessions.get(req.tsih);
          if (!s && this.quirks.has(Q_LOGIN.tsihUnchecked)) return { tsih: this.allocTsih() };
          if (!s || s.initiatorName !== req.initiatorName || s.isid !== req.isid) {
            return { status: LoginStatus.SESSION_DOES_NOT_EXIST, why: `no session with TSIH ${req.tsih} for this initiator and ISID` };
          }
          return { status: LoginStatus.TOO_MANY_CONNECTIONS, why: `session TSIH ${req.tsih} already has its one connection (MaxConnections=1)` };
        }
        // Session reinstatement (RFC 7143 6.3.5): same initiator name, ISID and target.
        const old = this.quirks.has(Q_LOGIN.noReinstatement)
          ? undefined
          : [...this.sessions.values()].find((s) => s.initiatorName === req.initiatorName && s.isid === req.isid && s.node === req.node && s.conn !== conn);
        if (!old && this.sessions.size >= this.maxSessions) {
          return { status: LoginStatus.OUT_OF_RESOURCES, why: `already ${this.sessions.size} sessions (MaxSessions)` };
        }
        return { tsih: this.allocTsih(), ...(old ? { reinstates: old } : {}) };
      },
      log: (line) => this.log(`${conn.info.remote} ${line}`),
    };
  }

  private allocTsih(): number {
    // Bounded by the number of sessions.
    for (;;) {
      this.nextTsih = (this.nextTsih % 0xffff) + 1;
      if (!this.sessions.has(this.nextTsih)) return this.nextTsih;
    }
  }

  /** A login completed: register the session (ending the one it reinstates) and its I_T nexus. */
  authenticationFailed(initiatorName: string): number {
    return this.config.authFailureDelay === false ? 0 : this.authThrottle.failed(initiatorName);
  }

  sessionStarted(conn: ConnectionHandle, r: LoginResult): Nexus | undefined {
    this.authThrottle.succeeded(r.initiatorName);
    const old = r.reinstates as SessionEntry | undefined;
    if (old && this.sessions.get(old.tsih) === old) {
      this.log(`session TSIH ${old.tsih} of ${old.initiatorName} reinstated by TSIH ${r.tsih}`);
      old.conn.close(`session reinstated by TSIH ${r.tsih}`);
    }
    const entry: SessionEntry = { tsih: r.tsih, initiatorName: r.initiatorName, isid: r.isid, conn };
    if (r.node) {
      entry.node = r.node;
      const isid = r.isid.toString(16).padStart(12, '0');
      const tpgt = this.tpgt.toString(16).padStart(4, '0');
      entry.nexus = {
        id: `${r.initiatorName},i,0x${isid}|${r.node.config.iqn},t,0x${tpgt}|${r.tsih}`,
        initiatorPort: `${r.initiatorName},i,0x${isid}`,
        initiatorName: r.initiatorName,
        // SPC-5 (TransportID for iSCSI): an iSCSI initiator port is the name with ,i,0x and the ISID (format 01b)
        transportId: iscsiTransportId(r.initiatorName, isid),
        targetPort: `${r.node.config.iqn},t,0x${tpgt}`,
        targetName: r.node.config.iqn,
        relativeTargetPort: 1,
        targetPortGroup: 1,
      };
      r.node.device.nexusCreated(entry.nexus);
    }
    this.sessions.set(r.tsih, entry);
    return entry.nexus;
  }

  /** A session's connection ended: by logout, or by an I_T nexus loss (dropped, reinstated, reset). */
  sessionEnded(conn: ConnectionHandle, how: 'logout' | 'loss'): void {
    const r = conn.result;
    if (!r) return;
    const e = this.sessions.get(r.tsih);
    if (!e || e.conn !== conn) return;
    if (how === 'loss' && this.quirks.has(Q_ASYNC.sessionRetained) && !e.retained) {
      e.retained = true;
      setTimeout(() => this.sessionEnded(conn, how), RETAINED_SESSION_MS).unref?.();
      return;
    }
    this.sessions.delete(r.tsih);
    if (e.node && e.nexus) e.node.device.nexusEnded(e.nexus, how);
  }

  /** Most sessions at once (MaxSessions; default DEFAULT_MAX_SESSIONS). */
  get maxSessions(): number {
    return this.config.maxSessions ?? DEFAULT_MAX_SESSIONS;
  }

  /** Connections open now (logging in, in full feature phase or closing). */
  get connectionCount(): number {
    return this.conns.size;
  }

  connectionClosed(conn: ConnectionHandle): void {
    this.conns.delete(conn);
  }

  /** The device server ended tasks of these nexuses (or all) on a LUN: the sessions end those they still hold. */
  private endPendingTasks(node: TargetNode, lun: number, ids: ReadonlySet<string> | 'all', taskAborted: boolean): Set<string> {
    const ended = new Set<string>();
    for (const s of this.sessions.values()) {
      if (s.node !== node || !s.nexus || (ids !== 'all' && !ids.has(s.nexus.id))) continue;
      if (s.conn.endPendingTasks(lun, taskAborted) > 0) ended.add(s.nexus.id);
    }
    return ended;
  }

  /** A target reset on one session: the others of that node lose their queued work (and, cold, their connections). */
  resetOthers(from: ConnectionHandle, cold: boolean): void {
    for (const s of [...this.sessions.values()]) {
      if (s.conn !== from && s.node === from.node) s.conn.onTargetReset(cold);
    }
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Stop: with `logoutSeconds`, first ask every initiator in full feature phase to log out
   * (Asynchronous Message, AsyncEvent 1, RFC 7143 11.9.1) and wait up to that long for their sessions to
   * end; then drop what is left, close the portal and flush the LUNs.
   */
  async stop(opts: { logoutSeconds?: number } = {}): Promise<void> {
    // net.Server.close() calls back only once every connection has ended: close them first, or a
    // single initiator that stays logged in keeps the target from stopping.
    const portalClosed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    await this.isns?.stop();
    const secs = opts.logoutSeconds ?? 0;
    if (secs > 0 && this.conns.size > 0) {
      for (const c of this.conns) c.requestLogout(secs);
      const until = Date.now() + logoutDeadlineSeconds(this.quirks, secs) * 1000;
      // Bounded by the time the initiators were given.
      while (this.conns.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      if (this.conns.size > 0) this.log(`target stopping: ${this.conns.size} connection(s) did not log out within ${secs} s; dropping them`);
      for (const c of [...this.conns]) c.dropUnloggedOut(`target stopping: no logout within ${secs} s of the request`);
    }
    for (const c of [...this.conns]) c.close('target stopping');
    await portalClosed;
    for (const n of this.nodeMap.values()) await n.device.close();
  }
}
