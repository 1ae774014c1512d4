/**
 * The shape of a command in the device server's table: its CDB length and CDB usage map (REPORT SUPPORTED OPERATION CODES, SPC-5),
 * which is also the strict reserved-field check (a CDB bit the usage map does not claim is rejected with
 * INVALID FIELD IN CDB pointing at it), its availability on a LU, how reservations held by other I_T
 * nexuses treat it, and its handler.
 */
import { catalogueEntry, cdbField, cdbUsage, decodeCdb, type DecodedCdb } from '../../../protocol/scsi/cdbcodec.js';
import type { Quirks } from '../quirk-registry.js';
import type { LogicalUnit } from '../lu.js';
import type { Task } from '../taskset.js';
import type { CommandRequest, CommandResult, Nexus } from '../types.js';

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
  specsFor(lu: LogicalUnit): readonly CommandSpec[];
  /** The I_T nexuses currently known (logged in). */
  nexusList(): Nexus[];
  /** Every logical unit of the target (EXTENDED COPY finds its copy targets among them). */
  logicalUnits(): LogicalUnit[];
  /**
   * Aborts the tasks of a LU that `pick` selects and waits until each has stopped (PREEMPT AND ABORT); the
   * tasks of the `pendingOf` I_T nexuses the transport still holds (gathering Data-Out) end too.
   */
  abortTasks(lu: LogicalUnit, pick: (t: Task) => boolean, pendingOf?: ReadonlySet<string>): Promise<void>;
}

export interface Ctx {
  core: ServerCore;
  lu: LogicalUnit;
  task: Task;
  req: CommandRequest;
  /** The CDB cut to the command's length. */
  cdb: Buffer;
  /** Its fields, decoded with the command catalogue (the harness decodes CDBs with the same codec). */
  f: CdbFields;
  itKey: string;
}

/** A CDB's fields by catalogue key, decoded once on first use. */
export class CdbFields {
  private decoded?: DecodedCdb;
  constructor(private readonly cdb: Buffer) {}

  private get d(): DecodedCdb {
    return (this.decoded ??= decodeCdb(this.cdb));
  }
  /** A field's value as a number (64-bit fields: only where the value is known to be small). */
  num(key: string): number {
    return Number(this.d.values[key] ?? 0);
  }
  /** A field's value as a bigint (LBAs). */
  big(key: string): bigint {
    return BigInt(this.d.values[key] ?? 0);
  }
  /** A one-bit field is set. */
  on(key: string): boolean {
    return this.d.values[key] === 1;
  }
  /** The byte a field starts at: where INVALID FIELD IN CDB points. */
  byteOf(key: string): number {
    return cdbField(this.d.entry, key).byte;
  }
  /** The command has this field. */
  has(key: string): boolean {
    return key in this.d.values;
  }
}

/** A handler's answer; status defaults to GOOD. Errors are thrown as CheckCondition. */
export type HandlerResult = Omit<CommandResult, 'status' | 'aborted'> & { status?: number };

/**
 * How a command fares from an I_T nexus that is not the holder of a persistent reservation (SPC-5 reservations,
 * table of SPC commands allowed in the presence of various reservations; SBC-4's table of SBC commands):
 * - `any`: allowed whatever the reservation type;
 * - `read`: allowed through Write Exclusive, through the registrants-only and all-registrants Write
 *   Exclusive types, and through the Exclusive Access ones when the I_T nexus is registered; conflicts
 *   through Exclusive Access, and through EA - Registrants Only / All Registrants when not registered;
 * - `write`: allowed only through the registrants-only and all-registrants types from a registered I_T
 *   nexus; conflicts otherwise.
 */
export type PrAccess = 'any' | 'read' | 'write';

export interface CommandSpec {
  op: number;
  /** Service action (bits 4-0 of byte 1). */
  sa?: number;
  name: string;
  cdbLength: number;
  /**
   * CDB usage map, built once with the table: [0] is the operation code, then for each byte the bits the
   * device server evaluates (the SERVICE ACTION bits excluded). Bits outside it (and outside `obsolete`)
   * must be zero.
   */
  usage: readonly number[];
  /** Obsolete bits that are accepted and ignored (not in the usage map). */
  obsolete?: readonly number[];
  /** Whether the LU implements the command (default: yes). */
  available?(lu: LogicalUnit): boolean;
  /** INQUIRY, REPORT LUNS and REQUEST SENSE neither report nor clear unit attentions (SAM-5 5.14). */
  noUa?: boolean;
  /** Processed while a sanitize operation runs (SBC-4 4.11.2): INQUIRY, REPORT LUNS, REQUEST SENSE. */
  duringSanitize?: boolean;
  /** Recommended command timeout in seconds (RSOC command timeouts descriptor). */
  timeout?: number;
  /** Against a persistent reservation held by another I_T nexus (see PrAccess); may depend on the CDB. */
  access: PrAccess | ((cdb: Buffer) => PrAccess);
  /**
   * Processed from another I_T nexus while a RESERVE(6) reservation holds the LU (SPC-2 logical unit
   * reservations): INQUIRY, REQUEST SENSE, REPORT LUNS, RELEASE, PREVENT ALLOW MEDIUM REMOVAL with PREVENT
   * 00b. Default: RESERVATION CONFLICT.
   */
  spc2Allowed?: boolean | ((cdb: Buffer) => boolean);
  /**
   * The reservation commands themselves: PERSISTENT RESERVE IN/OUT conflict with any RESERVE(6)
   * reservation, and RESERVE/RELEASE with any persistent reservation registration (SPC-2 5.5.1).
   */
  reservation?: 'persistent' | 'spc2';
  handler(ctx: Ctx): Promise<HandlerResult>;
}

/** The catalogue facts of a command spec: the fields the device server evaluates become its usage map. */
export type CataloguedSpec = Pick<CommandSpec, 'op' | 'sa' | 'name' | 'cdbLength' | 'usage' | 'obsolete'>;

/**
 * A command's name, CDB length, CDB usage map and obsolete bits from the command catalogue
 * (protocol/scsi/catalogue.ts). `without` names the catalogue fields (by key) this device server does not
 * evaluate: they are left out of the usage map, so the reserved-bit check rejects them when set.
 */
export function catalogued(op: number, sa?: number, without: readonly string[] = []): CataloguedSpec {
  const e = catalogueEntry(op, sa);
  if (!e || e.sa !== sa || e.length === undefined)
    throw new Error(`command ${op.toString(16)}h${sa === undefined ? '' : `/${sa.toString(16)}h`} is not in the command catalogue`);
  const { usage, obsolete } = cdbUsage(e, without);
  return { op, ...(sa === undefined ? {} : { sa }), name: e.name, cdbLength: e.length, usage, ...(obsolete.some((b) => b !== 0) ? { obsolete } : {}) };
}
