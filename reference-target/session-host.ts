/**
 * What a connection and the server know of each other, as two narrow interfaces: the server creates
 * connections, and a connection reaches the server only through `SessionHost` (settings, login
 * admission, the session registry, SendTargets' view of the nodes). So connection.ts and the files of
 * its PDU families import no server, and the server imports only the connection's constructor.
 */
import type * as net from 'node:net';
import type { SessionParams } from '../protocol/iscsi/index.js';
import type { DataBudget } from './data-budget.js';
import type { LoginEnvironment, LoginResult } from './login.js';
import type { TargetNode } from './node.js';
import type { Quirks } from './quirks.js';
import type { Nexus } from './scsi/index.js';

export interface ConnectionInfo {
  remote: string;
  local: string;
}

/** A connection as the server sees it: who it is, and the three things the server asks of it. */
export interface ConnectionHandle {
  readonly info: ConnectionInfo;
  /** Set once login completes. */
  readonly result: LoginResult | undefined;
  readonly node: TargetNode | undefined;
  close(why: string): void;
  /** Ask the initiator to log out within `seconds` (asynchronous event 1). */
  requestLogout(seconds: number): void;
  /** Drop a connection that was asked to log out and did not, announcing it first (asynchronous event 2). */
  dropUnloggedOut(why: string): void;
  /** Tasks on `lun` not yet handed to the device server (gathering Data-Out) end without status; how many. */
  endPendingTasks(lun: number, taskAborted?: boolean): number;
  /** Another session of this node reset the target: end local tasks (warm) or the connection (cold). */
  onTargetReset(cold: boolean): void;
}

/** The server as a connection sees it. */
export interface SessionHost {
  readonly quirks: Quirks;
  /** Log every PDU in and out (decided once, read on every PDU). */
  readonly tracePdus: boolean;
  readonly loginTimeoutSeconds: number;
  readonly nopIntervalSeconds: number;
  readonly nopTimeoutSeconds: number;
  /** Write data the whole target may hold; each session gets a budget of `sessionDataBudget` below it. */
  readonly dataBudget: DataBudget;
  readonly sessionDataBudget: number;
  /** Seconds an initiator may hold back Data-Out the target granted before its connection is dropped. */
  readonly dataTimeoutSeconds: number;
  log(line: string): void;
  initialStatSN(): number;
  loginEnvironment(conn: ConnectionHandle): LoginEnvironment;
  /** How long to hold the answer to a failed authentication of this initiator (repeated failures slow it). */
  authenticationFailed(initiatorName: string): number;
  /** A login completed: register the session; returns its I_T nexus (none for discovery). */
  sessionStarted(conn: ConnectionHandle, r: LoginResult): Nexus | undefined;
  sessionEnded(conn: ConnectionHandle, how: 'logout' | 'loss'): void;
  connectionClosed(conn: ConnectionHandle): void;
  /** A target reset completed on `from`: the node's other sessions lose their tasks (and, cold, connections). */
  resetOthers(from: ConnectionHandle, cold: boolean): void;
  /** Target nodes, for SendTargets. */
  nodes(): TargetNode[];
  /** TargetAddress values for SendTargets on this socket. */
  portalAddresses(socket: net.Socket): string[];
}

/** What full feature phase of one session knows once login is over. */
export interface SessionState {
  readonly result: LoginResult;
  /** The target node (undefined in a discovery session). */
  readonly node: TargetNode | undefined;
  readonly nexus: Nexus | undefined;
  /** Negotiated parameters; Text negotiation in full feature phase may change MaxSendDataSegmentLength. */
  params: SessionParams;
}
