/**
 * The shape of a command in the device server's table: its CDB length and CDB usage map (SPC-5 6.35.3),
 * which is also the strict reserved-field check (a CDB bit the usage map does not claim is rejected with
 * INVALID FIELD IN CDB pointing at it), its availability on a LU, and its handler.
 */
import type { Quirks } from '../../quirks.js';
import type { LogicalUnit } from '../lu.js';
import type { Task } from '../taskset.js';
import type { CommandRequest, CommandResult } from '../types.js';

/** What the device server shares with the command handlers. */
export interface ServerCore {
  readonly targetName: string;
  readonly quirks: Quirks;
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
  readonly sanitizeDurationMs: number;
  readonly protocolIdentifier: number;
  /** LUN numbers in REPORT LUNS order. */
  lunNumbers(): number[];
  /** I_T nexus identities currently known (logged in). */
  itKeys(): string[];
  /** The commands a LU supports (REPORT SUPPORTED OPERATION CODES). */
  specsFor(lu: LogicalUnit): CommandSpec[];
}

export interface Ctx {
  core: ServerCore;
  lu: LogicalUnit;
  task: Task;
  req: CommandRequest;
  /** The CDB cut to the command's length. */
  cdb: Buffer;
  itKey: string;
}

/** A handler's answer; status defaults to GOOD. Errors are thrown as CheckCondition. */
export type HandlerResult = Omit<CommandResult, 'status' | 'aborted'> & { status?: number };

export interface CommandSpec {
  op: number;
  /** Service action (bits 4-0 of byte 1). */
  sa?: number;
  name: string;
  cdbLength: number;
  /**
   * CDB usage map: [0] is the operation code, then for each byte the bits the device server evaluates (the
   * SERVICE ACTION bits excluded). Bits outside it (and outside `obsolete`) must be zero.
   */
  usage(lu: LogicalUnit): number[];
  /** Obsolete bits that are accepted and ignored (not in the usage map). */
  obsolete?: number[];
  /** Whether the LU implements the command (default: yes). */
  available?(lu: LogicalUnit): boolean;
  /** INQUIRY, REPORT LUNS and REQUEST SENSE neither report nor clear unit attentions (SAM-5 5.14). */
  noUa?: boolean;
  /** Processed while a sanitize operation runs (SBC-4 4.11.2): INQUIRY, REPORT LUNS, REQUEST SENSE. */
  duringSanitize?: boolean;
  /** Recommended command timeout in seconds (RSOC command timeouts descriptor). */
  timeout?: number;
  handler(ctx: Ctx): Promise<HandlerResult>;
}

/** A usage map from (byte, mask) pairs; unnamed bytes are 0. */
export function usageMap(op: number, len: number, bits: Record<number, number>): number[] {
  const u = new Array<number>(len).fill(0);
  u[0] = op;
  for (const [k, v] of Object.entries(bits)) u[Number(k)] = v;
  return u;
}

/** `count` bytes of 0xff starting at `from` (a usage-map fragment). */
export function ff(from: number, count: number): Record<number, number> {
  const o: Record<number, number> = {};
  for (let i = 0; i < count; i++) o[from + i] = 0xff;
  return o;
}
