/**
 * Reservations of a logical unit: persistent reservations (SPC-5 reservations; PERSISTENT RESERVE IN 6.16 and
 * OUT 6.17) and the SPC-2 logical unit reservation of RESERVE(6) / RELEASE(6), and the rule every
 * command goes through: whether a reservation held by another I_T nexus makes it a RESERVATION CONFLICT.
 *
 * Registrations are per I_T nexus (initiator port with its ISID, and target port: SPC-5 reservations "an I_T
 * nexus is registered"). They and the persistent reservation survive I_T nexus loss, logout, LUN RESET
 * and target resets; they end only by PERSISTENT RESERVE OUT (APTPL is not supported, PTPL_C 0, so a
 * power cycle of the target process loses them). The SPC-2 reservation ends with its holder's logout or
 * nexus loss and with any reset (SAM-5 6.3).
 */
import { PrType } from '../../protocol/scsi/opcodes.js';
import type { Quirks } from './quirk-registry.js';
import type { CommandSpec, PrAccess } from './commands/types.js';
import { Q } from './quirks.js';

/** Most registrations a LU keeps; one more is INSUFFICIENT REGISTRATION RESOURCES (SPC-5 6.17). */
export const MAX_REGISTRATIONS = 1024;

/** The six reservation types this device server supports (REPORT CAPABILITIES type mask). */
export const PR_TYPES: readonly number[] = [
  PrType.WRITE_EXCLUSIVE,
  PrType.EXCLUSIVE_ACCESS,
  PrType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
  PrType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY,
  PrType.WRITE_EXCLUSIVE_ALL_REGISTRANTS,
  PrType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS,
];

/** All-registrants types: every registered I_T nexus is a reservation holder (SPC-5 reservations, reservation holder). */
export const isAllRegistrants = (type: number): boolean => type === PrType.WRITE_EXCLUSIVE_ALL_REGISTRANTS || type === PrType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS;

/** Registrants-only and all-registrants types (their release is announced to the other registrants). */
export const isRegistrantsType = (type: number): boolean => type >= PrType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY && type <= PrType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS;

export interface Registration {
  /** The I_T nexus identity (itKeyOf). */
  itKey: string;
  key: bigint;
  /** The initiator port's TransportID, from its nexus (READ FULL STATUS reports it). */
  transportId: Buffer;
  targetPort: string;
  relativeTargetPort: number;
  /** Registered with ALL_TG_PT=1. */
  allTgPt: boolean;
}

export interface Reservation {
  type: number;
  scope: number;
  /** The I_T nexus holding it (for all-registrants types, the one that created it: every registrant holds it). */
  holder: string;
}

/** Persistent reservation state of one LU. */
export class PersistentReservations {
  /** PRgeneration (32 bits, wraps). */
  generation = 0;
  reservation: Reservation | null = null;
  /** Registrations by I_T nexus, in registration order (READ KEYS order). */
  private readonly regs = new Map<string, Registration>();

  get count(): number {
    return this.regs.size;
  }

  list(): Registration[] {
    return [...this.regs.values()];
  }

  get(itKey: string): Registration | undefined {
    return this.regs.get(itKey);
  }

  add(r: Registration): void {
    this.regs.set(r.itKey, r);
  }

  delete(itKey: string): void {
    this.regs.delete(itKey);
  }

  clear(): void {
    this.regs.clear();
    this.reservation = null;
  }

  /** The I_T nexus holds the persistent reservation (SPC-5 reservations, persistent reservation holder). */
  isHolder(itKey: string): boolean {
    const r = this.reservation;
    if (!r) return false;
    return isAllRegistrants(r.type) ? this.regs.has(itKey) : r.holder === itKey;
  }

  /** The RESERVATION KEY READ RESERVATION reports: 0 for all-registrants types (SPC-5 6.16 READ RESERVATION). */
  holderKey(): bigint {
    const r = this.reservation;
    if (!r || isAllRegistrants(r.type)) return 0n;
    return this.regs.get(r.holder)?.key ?? 0n;
  }

  bump(quirks: Quirks): void {
    if (!quirks.has(Q.PR_GENERATION_FROZEN)) this.generation = (this.generation + 1) >>> 0;
  }
}

/** Removes a registration and the reservation it held (the quirk pr-lost-on-nexus-loss; no unit attention). */
export function dropRegistration(pr: PersistentReservations, itKey: string): void {
  if (!pr.get(itKey)) return;
  const res = pr.reservation;
  pr.delete(itKey);
  if (res && (isAllRegistrants(res.type) ? pr.count === 0 : res.holder === itKey)) pr.reservation = null;
}

/** What the reservation check needs of a LU. */
export interface ReservationHolder {
  readonly pr: PersistentReservations;
  /** The I_T nexus holding the LU with RESERVE(6), or null. */
  spc2Holder: string | null;
}

const accessOf = (spec: CommandSpec, cdb: Buffer): PrAccess => (typeof spec.access === 'function' ? spec.access(cdb) : spec.access);
const spc2Allowed = (spec: CommandSpec, cdb: Buffer): boolean => (typeof spec.spc2Allowed === 'function' ? spec.spc2Allowed(cdb) : spec.spc2Allowed === true);

/**
 * Whether the command from this I_T nexus is a RESERVATION CONFLICT:
 * - SPC-2 5.5.1: while a RESERVE reservation is held, every PERSISTENT RESERVE IN and OUT conflicts,
 *   whoever sends it; while any registration exists, every RESERVE and RELEASE conflicts;
 * - an SPC-2 logical unit reservation lets another I_T nexus send only INQUIRY, REQUEST SENSE, REPORT
 *   LUNS, RELEASE and PREVENT ALLOW MEDIUM REMOVAL with PREVENT 00b;
 * - a persistent reservation held by another I_T nexus: the SPC-5 reservations and SBC-4 tables of commands
 *   allowed in the presence of each reservation type (see PrAccess).
 */
export function reservationConflict(lu: ReservationHolder, spec: CommandSpec, cdb: Buffer, itKey: string, quirks: Quirks): boolean {
  if (spec.reservation === 'persistent') return lu.spc2Holder !== null && !quirks.has(Q.RESERVE6_NO_CONFLICT);
  if (spec.reservation === 'spc2' && lu.pr.count > 0 && !quirks.has(Q.RESERVE6_IGNORES_PR)) return true;
  if (lu.spc2Holder !== null && lu.spc2Holder !== itKey && !quirks.has(Q.RESERVE6_NO_CONFLICT) && !spc2Allowed(spec, cdb)) return true;
  const res = lu.pr.reservation;
  if (!res || quirks.has(Q.PR_NO_CONFLICT) || lu.pr.isHolder(itKey)) return false;
  const access = accessOf(spec, cdb);
  if (access === 'any') return false;
  const registered = lu.pr.get(itKey) !== undefined;
  switch (res.type) {
    case PrType.WRITE_EXCLUSIVE:
      return access === 'write';
    case PrType.EXCLUSIVE_ACCESS:
      return true;
    case PrType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY:
    case PrType.WRITE_EXCLUSIVE_ALL_REGISTRANTS:
      return !registered && access === 'write';
    default: // EXCLUSIVE ACCESS - REGISTRANTS ONLY / ALL REGISTRANTS
      return !registered;
  }
}
