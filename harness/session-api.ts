/**
 * What a test sees of an iSCSI session: interfaces only. The embedded initiator's Session implements
 * `TestSession` as it is (structurally); `RawSession` is the adapter for negative tests (raw-session.ts),
 * which a test gets from `t.raw(session)`. Neither lets a suite assign the initiator's sequence numbers or
 * reach its connection: a test that needs a number reads it, a test that needs a PDU the initiator would
 * never send builds it with the numbers read and sends it through `RawSession.send`.
 */
import type {
  AnyPdu,
  AsyncMessage,
  KeyValue,
  LoginResponse,
  LogoutResponse,
  NopIn,
  RawPdu,
  Reject,
  ScsiCommand,
  SessionParams,
} from '../protocol/iscsi/index.js';
import type { IscsiError } from '../protocol/errors.js';
import type { CommandOptions, DiscoveredTarget, ScsiResult, TmfResult } from './initiator/index.js';

/** What a test may read of the login that opened a session. */
export interface LoginFacts {
  readonly tsih: number;
  readonly isid: number;
  /** The authentication method the target chose ('None', 'CHAP'). */
  readonly authMethod: string;
  /** Every Login Response, in order (their text carries the target's answers to each key). */
  readonly responses: readonly LoginResponse[];
}

/** A logged-in session as the tests use it: SCSI commands, NOP, task management, text, logout. */
export interface TestSession {
  /** The operational parameters negotiated at login. */
  readonly params: Readonly<SessionParams>;
  readonly login: LoginFacts;
  /** True in full feature phase (after login, before logout or a dropped connection). */
  readonly isOpen: boolean;
  /** Why the connection closed, once it has. */
  readonly closeReason: IscsiError | undefined;
  /** host:port of the target. */
  readonly where: string;
  /** Tasks still waiting for an answer. */
  readonly outstanding: number;
  /** Reject PDUs received, in order. */
  readonly rejects: readonly Reject[];
  /** Asynchronous messages received, in order. */
  readonly asyncMessages: readonly AsyncMessage[];
  /** NOP-In pings the target sent of its own (TTT valid). */
  readonly targetPings: readonly NopIn[];
  /** Send a SCSI command; resolves with its outcome (status, sense, data, residuals, PDU counts). */
  command(o: CommandOptions): Promise<ScsiResult>;
  /** NOP-Out ping with a valid ITT; resolves with the NOP-In. */
  nop(opts?: { data?: Buffer; lun?: number; immediate?: boolean; timeoutMs?: number }): Promise<NopIn>;
  /** Any task management function (RFC 7143 11.5), sent immediate. */
  taskManagement(fn: number, opts?: { lun?: number | bigint; referencedTaskTag?: number; refCmdSN?: number; timeoutMs?: number }): Promise<TmfResult>;
  abortTask(itt: number, opts?: { lun?: number | bigint; timeoutMs?: number }): Promise<TmfResult>;
  lunReset(lun?: number | bigint, timeoutMs?: number): Promise<TmfResult>;
  /** A text negotiation in full feature phase; resolves with the target's pairs. */
  text(pairs: KeyValue[], opts?: { timeoutMs?: number; maxExchanges?: number }): Promise<KeyValue[]>;
  sendTargets(value?: string, timeoutMs?: number): Promise<DiscoveredTarget[]>;
  logout(reason?: number, timeoutMs?: number, cid?: number): Promise<LogoutResponse>;
  /** Resolves when the connection has closed (with the reason), or after timeoutMs with undefined. */
  waitClosed(timeoutMs: number, signal?: AbortSignal): Promise<IscsiError | undefined>;
  /** Log out if possible, else drop the connection; never throws. */
  close(timeoutMs?: number): Promise<void>;
  /** Close TCP at once, without Logout (an I_T nexus loss as the target sees it). */
  destroy(): void;
}

/** The session's sequence numbers as the initiator holds them (RFC 7143 4.2.2). */
export interface SequenceNumbers {
  /** CmdSN the next non-immediate command will carry. */
  readonly cmdSN: number;
  /** The last ExpCmdSN / MaxCmdSN the target sent: the command window. */
  readonly expCmdSN: number;
  readonly maxCmdSN: number;
  /** One more than the last StatSN received. */
  readonly expStatSN: number;
}

/** What an alteration of an outgoing PDU returns: the PDU (changed or not), raw bytes instead, or null to drop it. */
export type Altered = AnyPdu | Buffer | Buffer[] | null;

/** Fields of a hand-built SCSI Command PDU; the rest comes from the session (next ITT, its numbers, the URL's LUN). */
export interface RawCommandFields {
  cdb: Buffer;
  itt?: number;
  /** Default: the next CmdSN, taken (immediate commands: the current CmdSN, not taken). */
  cmdSN?: number;
  immediate?: boolean;
  expectedDataTransferLength?: number;
  read?: boolean;
  write?: boolean;
  final?: boolean;
  attr?: number;
  lun?: bigint;
  data?: Buffer;
}

/**
 * A session for negative tests: send what the initiator would never send, watch and alter the PDUs in
 * flight, read the sequence numbers. Everything goes through the same connection as the session's own
 * traffic, so the harness's guards (destructive commands) and traces still see it.
 */
export interface RawSession extends SequenceNumbers {
  /** The session this adapter drives. */
  readonly session: TestSession;
  readonly params: Readonly<SessionParams>;
  readonly isOpen: boolean;
  /** A copy of the numbers now (for narration and for building PDUs). */
  numbers(): SequenceNumbers;
  /** A fresh Initiator Task Tag, unused by the session. */
  newItt(): number;
  /** Take the next CmdSN as a non-immediate command would (the session's next command gets the one after). */
  takeCmdSN(): number;
  /** A SCSI Command PDU with the session's numbers for every field not given (a non-immediate one takes a CmdSN). */
  scsiCommand(f: RawCommandFields): ScsiCommand;
  /** Send a PDU as it is (through the alterations installed); throws ISCSI_E_CLOSED once the connection is gone. */
  send(pdu: AnyPdu): void;
  /** Send bytes as they are. */
  sendBytes(...bufs: Buffer[]): void;
  /**
   * The bytes of a PDU framed with the session's digests, optionally with a wrong header or data digest
   * (the last bit flipped), for `sendBytes`.
   */
  frame(pdu: AnyPdu, o?: { corruptHeaderDigest?: boolean; corruptDataDigest?: boolean }): Buffer[];
  /** Call `fn` with every PDU received (before the session acts on it); returns the function that stops it. */
  watch(fn: (pdu: AnyPdu, raw: RawPdu) => void): () => void;
  /** Pass every outgoing PDU through `fn` (after earlier alterations); returns the function that removes it. */
  alter(fn: (pdu: AnyPdu) => Altered): () => void;
  /** The next received PDU matching `pred`; rejects with ISCSI_E_TIMEOUT after `timeoutMs`, or at once when `signal` aborts. */
  waitFor(pred: (p: AnyPdu) => boolean, timeoutMs: number, what?: string, signal?: AbortSignal): Promise<AnyPdu>;
}
