/**
 * The public shapes of the embedded initiator's session: how it is opened, what a SCSI command takes
 * and gives back, what task management and SendTargets give back. Apart from the session so that
 * each PDU family's file and the harness can name them without importing the session itself.
 */
import type { DataOut, TaskMgmtResponse } from '../../protocol/iscsi/index.js';
import type { Sense } from '../../protocol/scsi/index.js';
import type { LoginOptions } from './login.js';

export interface SessionOptions extends LoginOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  /** Time limit of the whole login. */
  loginTimeoutMs?: number;
  /** Default time limit of each request (command, TMF, NOP, text, logout). */
  timeoutMs?: number;
  /** LUN used when a command names none. */
  lun?: number;
  /** Keep a trace of every PDU (for --trace and failure reports). */
  trace?: boolean;
  /** Answer the target's NOP-In pings (default true). */
  answerNopIn?: boolean;
  /** Plug the CmdSN gap a rejected command leaves with ABORT TASK (default true; RFC 7143 11.17.1). */
  plugCmdSNGaps?: boolean;
  /**
   * On an Asynchronous Message asking for logout (AsyncEvent 1), let the commands in flight end,
   * refuse new ones and log out within the time the target gave (default true; RFC 7143 11.9.1).
   */
  honourLogoutRequest?: boolean;
}

export interface CommandOptions {
  cdb: Buffer;
  lun?: number | bigint;
  /** Bytes expected from the target (sets R and, unless `edtl` is given, Expected Data Transfer Length). */
  dataIn?: number;
  /** Bytes to send (sets W). */
  dataOut?: Buffer;
  /**
   * Where Data-In goes (at its Buffer Offset); at least `dataIn` bytes. Reusing one buffer across
   * commands keeps a read loop free of allocations. Default: a new buffer per command.
   */
  into?: Buffer;
  /** Expected Data Transfer Length as sent, overriding what dataIn/dataOut imply (residual tests). */
  edtl?: number;
  /** Override the R and W bits. */
  readFlag?: boolean;
  writeFlag?: boolean;
  attr?: number;
  /** Send with the I bit (immediate delivery; CmdSN does not advance). */
  immediate?: boolean;
  timeoutMs?: number;
  /** Use immediate data if negotiated (default true). */
  useImmediateData?: boolean;
  /** Send unsolicited Data-Out if InitialR2T=No (default true). */
  sendUnsolicited?: boolean;
  /** Largest data segment per Data-Out PDU (default: the target's MaxRecvDataSegmentLength). */
  dataOutSegment?: number;
  /** Called with each Data-Out PDU before it is sent (negative tests may alter it or return null to drop it). */
  alterDataOut?: (pdu: DataOut, index: number) => DataOut | null;
  /** Called once the command PDU has been handed to the socket. */
  onSent?: (itt: number, cmdSN: number) => void;
}

export interface ScsiResult {
  itt: number;
  cmdSN: number;
  /** The iSCSI response code (0 = command completed at target). */
  response: number;
  status: number;
  /** Sense data without the 2-byte SenseLength. */
  senseData?: Buffer;
  sense?: Sense;
  /** Why the sense data could not be decoded, if it could not. */
  senseError?: string;
  /** Data-In received (a view of `into` when one was given). */
  data: Buffer;
  residual: { overflow: boolean; underflow: boolean; count: number };
  bidiResidual?: { overflow: boolean; underflow: boolean; count: number };
  dataInPdus: number;
  dataOutPdus: number;
  r2ts: number;
  /** Whether the status came in the final Data-In (phase collapse) rather than a SCSI Response. */
  statusInDataIn: boolean;
  /** Describes the command, for messages. */
  readonly what: string;
}

export interface TmfResult {
  response: number;
  responseName: string;
  /** The target's answer; absent when the initiator settled the request itself (`local`). */
  pdu?: TaskMgmtResponse;
  /**
   * ABORT TASK of a command still queued in the initiator (the CmdSN window was closed, so it never
   * left): it is dropped without a word to the target, which never saw it, and reported complete.
   */
  local?: boolean;
}

export interface DiscoveredTarget {
  name: string;
  addresses: { host: string; port: number; tpgt: number; raw: string }[];
}
