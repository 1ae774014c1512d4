/**
 * Reservation commands: PERSISTENT RESERVE IN (SPC-5 6.16: READ KEYS, READ RESERVATION, REPORT
 * CAPABILITIES, READ FULL STATUS), PERSISTENT RESERVE OUT (SPC-5 6.17: REGISTER, RESERVE, RELEASE, CLEAR,
 * PREEMPT, PREEMPT AND ABORT, REGISTER AND IGNORE EXISTING KEY) and the SPC-2 RESERVE(6) / RELEASE(6).
 *
 * What this device server supports, as REPORT CAPABILITIES says: the six reservation types, LU scope
 * only, ALL_TG_PT (ATP_C 1), SPEC_I_PT (SIP_C 1: REGISTER of the I_T nexuses iSCSI TransportIDs name,
 * pr-transport-ids.ts), REGISTER AND MOVE (pr-move.ts), not APTPL (PTPL_C 0: APTPL=1 is INVALID FIELD IN
 * PARAMETER LIST), CRH 0 (RESERVE / RELEASE follow SPC-2 5.5.1), not REPLACE LOST RESERVATION (an
 * unsupported service action: INVALID FIELD IN CDB, and REPORT SUPPORTED OPERATION CODES does not list it).
 *
 * Whether another I_T nexus's command conflicts with a reservation is decided for every command in
 * reservations.ts; the rules of each service action are here (SPC-5 reservations, clauses named in comments).
 */
import { Op, PrInSa, PrOutSa } from '../../../protocol/scsi/opcodes.js';
import { encodeReadFullStatus, encodeReadKeys, encodeReadReservation, encodeReportCapabilities } from '../../../protocol/scsi/pr.js';
import { Asc, SenseKey } from '../../../protocol/scsi/sense.js';
import { CheckCondition, ReservationConflict, invalidCdb, invalidParam, paramListLengthError, topBit } from '../check.js';
import { Q } from '../quirks.js';
import { PR_TYPES, isAllRegistrants, isRegistrantsType, type Registration } from '../reservations.js';
import { itKeyOf } from '../types.js';
import { decodeTid, portsOf, type IscsiTid } from './pr-transport-ids.js';
import { registerAndMove } from './pr-move.js';
import { addRegistrations, otherRegistrants, prUa, unregister } from './pr-registrations.js';
import { catalogued, type CommandSpec, type Ctx, type HandlerResult } from './types.js';

/** Length of the PERSISTENT RESERVE OUT basic parameter list (SPC-5 6.17 basic parameter list). */
const BASIC_LIST = 24;

const cut = (b: Buffer, alloc: number): Buffer => (b.length > alloc ? b.subarray(0, alloc) : b);

// --- PERSISTENT RESERVE IN (SPC-5 6.16) ----------------------------------------------------------------------

function prIn(sa: number): CommandSpec['handler'] {
  return async (ctx) => {
    const pr = ctx.lu.pr;
    const alloc = ctx.f.num('alloc');
    const generation = pr.generation;
    switch (sa) {
      case PrInSa.READ_KEYS:
        // 6.16.2: every registered key, ADDITIONAL LENGTH not cut by the allocation length
        return { data: encodeReadKeys({ generation, keys: pr.list().map((r) => r.key) }, alloc) };
      case PrInSa.READ_RESERVATION: {
        const r = pr.reservation;
        return { data: encodeReadReservation(r ? { generation, key: pr.holderKey(), scope: r.scope, type: r.type } : { generation }, alloc) };
      }
      case PrInSa.REPORT_CAPABILITIES:
        // 6.16.4: ALLOW COMMANDS 001b (TEST UNIT READY is allowed through Write Exclusive and Exclusive Access)
        return {
          data: cut(
            encodeReportCapabilities({ crh: false, sipC: true, atpC: true, ptplC: false, tmv: true, allowCommands: 1, ptplA: false, types: [...PR_TYPES] }),
            alloc,
          ),
        };
      default: {
        const res = pr.reservation;
        const descriptors = pr.list().map((r) => {
          const holder = pr.isHolder(r.itKey);
          return {
            key: r.key,
            allTgPt: r.allTgPt,
            rHolder: holder,
            scope: holder ? res!.scope : 0,
            type: holder ? res!.type : 0,
            relativeTargetPortId: r.relativeTargetPort,
            transportId: r.transportId,
          };
        });
        return { data: encodeReadFullStatus({ generation, descriptors }, alloc) };
      }
    }
  };
}

// --- PERSISTENT RESERVE OUT (SPC-5 6.17) ---------------------------------------------------------------------

interface OutParams {
  rk: bigint;
  sark: bigint;
  allTgPt: boolean;
  /** SPEC_I_PT=1 (REGISTER only): the TransportIDs of the additional parameter data. */
  specIPt: SpecIPt | null;
}

interface SpecIPt {
  tids: IscsiTid[];
  /** What was wrong after the TransportIDs in `tids` (held back only under the quirk pr-spec-i-pt-partial). */
  defect?: CheckCondition;
}

/** Offset of the TRANSPORTID PARAMETER DATA LENGTH field (SPEC_I_PT=1), and of the first TransportID. */
const TID_LIST_LENGTH_AT = BASIC_LIST;
const FIRST_TID_AT = BASIC_LIST + 4;

/**
 * The specify initiator ports additional parameter data: TRANSPORTID PARAMETER DATA LENGTH, then the TransportIDs.
 * A PARAMETER LIST LENGTH that does not hold exactly those bytes, or a length that cuts a TransportID, is a
 * PARAMETER LIST LENGTH ERROR (6.17 basic parameter list: ILLEGAL REQUEST).
 */
function specIPtList(d: Buffer, len: number, partial: boolean): SpecIPt {
  if (len < FIRST_TID_AT || d.length < len) throw paramListLengthError();
  const end = FIRST_TID_AT + d.readUInt32BE(TID_LIST_LENGTH_AT);
  if (end > len) throw paramListLengthError();
  const out: SpecIPt = { tids: [] };
  try {
    for (let at = FIRST_TID_AT; at < end;) {
      const tid = decodeTid(d, at, end);
      out.tids.push(tid);
      at += tid.length;
    }
    if (end !== len) throw paramListLengthError();
  } catch (e) {
    if (!partial || !(e instanceof CheckCondition)) throw e;
    out.defect = e;
  }
  return out;
}

/** The parameter list checks (SPC-5 6.17: its overview and the basic parameter list), in order: length, SPEC_I_PT, reserved bits, APTPL. */
function outParams(ctx: Ctx, sa: number, out: HandlerResult): OutParams {
  const { req, core } = ctx;
  const len = ctx.f.num('paramLen');
  const d = req.dataOut ?? Buffer.alloc(0);
  if (d.length !== len) out.transferLength = len;
  const lax = core.quirks.has(Q.PR_PARAM_LENGTH_UNCHECKED);
  // a list shorter than 24 bytes, or shorter than the CDB says, is a PARAMETER LIST LENGTH ERROR
  if ((len < BASIC_LIST && !lax) || d.length < Math.min(len, BASIC_LIST)) throw paramListLengthError();
  const p = Buffer.alloc(BASIC_LIST);
  d.copy(p, 0, 0, Math.min(len, BASIC_LIST));
  const flags = p[20]!;
  // SPEC_I_PT is valid with REGISTER only; with any other service action it is an invalid field (6.17.1)
  if (flags & 0x08 && sa !== PrOutSa.REGISTER) throw invalidParam(20, 3);
  const specIPt = flags & 0x08 ? specIPtList(d, len, core.quirks.has(Q.PR_SPEC_I_PT_PARTIAL)) : null;
  // without SPEC_I_PT the list is exactly 24 bytes (6.17.1)
  if (!specIPt && ((len !== BASIC_LIST && !lax) || d.length < len)) throw paramListLengthError();
  if (!core.quirks.has(Q.IGNORE_RESERVED_BITS)) {
    if (flags & 0xf2) throw invalidParam(20, topBit(flags & 0xf2));
    if (p[21]) throw invalidParam(21, topBit(p[21]!));
  }
  const registering = sa === PrOutSa.REGISTER || sa === PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY;
  // PTPL_C is 0: APTPL=1 with a service action that honours it is refused (6.17.3); others ignore the bit
  if (registering && flags & 0x01 && !core.quirks.has(Q.PR_APTPL_ACCEPTED)) throw invalidParam(20, 0);
  return { rk: p.readBigUInt64BE(0), sark: p.readBigUInt64BE(8), allTgPt: registering && (flags & 0x04) !== 0, specIPt };
}

/** RESERVATION CONFLICT unless the I_T nexus is registered with RESERVATION KEY (5.14: every service action but the REGISTERs). */
function requireRegistered(ctx: Ctx, rk: bigint): Registration {
  const reg = ctx.lu.pr.get(ctx.itKey);
  if (!reg || reg.key !== rk) throw new ReservationConflict();
  return reg;
}

/** The target ports a registration made through `n` covers: its own, or with ALL_TG_PT every one of the target in use. */
function targetPortsOf(ctx: Ctx, allTgPt: boolean): Map<string, number> {
  const n = ctx.req.nexus;
  const ports = new Map<string, number>([[n.targetPort, n.relativeTargetPort]]);
  if (allTgPt)
    for (const x of ctx.core.nexusList()) if (x.targetName === n.targetName && !ports.has(x.targetPort)) ports.set(x.targetPort, x.relativeTargetPort);
  return ports;
}

/**
 * The I_T nexuses a REGISTER with SPEC_I_PT names besides its own (SPC-5 registering, table "I_T nexuses being
 * registered"): each TransportID's initiator ports with these target ports. A named I_T nexus that is registered
 * already fails the command with INVALID FIELD IN PARAMETER LIST (the table of REGISTER behaviours), and nothing
 * is registered.
 */
function specifiedNexuses(ctx: Ctx, p: OutParams, targetPorts: Map<string, number>): Registration[] {
  const { lu, core, itKey, req } = ctx;
  const out = new Map<string, Registration>();
  for (const tid of p.specIPt?.tids ?? []) {
    for (const port of portsOf(tid, core.nexusList(), req.nexus.targetName)) {
      for (const [targetPort, relativeTargetPort] of targetPorts) {
        const k = itKeyOf({ initiatorPort: port.initiatorPort, targetPort });
        if (k === itKey || out.has(k)) continue;
        if (lu.pr.get(k) && !core.quirks.has(Q.PR_SPEC_I_PT_REREGISTERS)) throw invalidParam(tid.at);
        out.set(k, { itKey: k, key: p.sark, transportId: port.transportId, targetPort, relativeTargetPort, allTgPt: p.allTgPt });
      }
    }
  }
  return [...out.values()];
}

/** REGISTER and REGISTER AND IGNORE EXISTING KEY ("Registering", SPC-5 reservations). */
function register(ctx: Ctx, p: OutParams, ignoreKey: boolean): void {
  const { lu, core, itKey, req } = ctx;
  const pr = lu.pr;
  const reg = pr.get(itKey);
  if (reg) {
    // a registered I_T nexus: REGISTER needs its key; then SARK 0 unregisters, any other replaces the key
    if (!ignoreKey && p.rk !== reg.key && !core.quirks.has(Q.PR_REGISTER_IGNORES_KEY)) throw new ReservationConflict();
    // SPEC_I_PT from a registered I_T nexus: CHECK CONDITION, INVALID FIELD IN PARAMETER LIST (the table of REGISTER behaviours)
    if (p.specIPt) throw invalidParam(20, 3);
    if (p.sark === 0n) unregister(ctx, itKey);
    else reg.key = p.sark;
    pr.bump(core.quirks);
    return;
  }
  // an unregistered I_T nexus: REGISTER with a non-zero RESERVATION KEY conflicts; SARK 0 does nothing
  if (!ignoreKey && p.rk !== 0n) throw new ReservationConflict();
  if (p.sark === 0n) return;
  const n = req.nexus;
  const ports = targetPortsOf(ctx, p.allTgPt);
  const own = [...ports].map(([targetPort, relativeTargetPort]): Registration => {
    const k = itKeyOf({ ...n, targetPort });
    return { itKey: k, key: p.sark, transportId: n.transportId, targetPort, relativeTargetPort, allTgPt: p.allTgPt };
  });
  // registrations of the same initiator port through other target ports stay as they are
  addRegistrations(ctx, [...own.filter((r) => r.itKey === itKey || !pr.get(r.itKey)), ...specifiedNexuses(ctx, p, ports)]);
  pr.bump(core.quirks);
  // the quirk pr-spec-i-pt-partial: the I_T nexuses named before a bad TransportID stay registered
  if (p.specIPt?.defect) throw p.specIPt.defect;
}

/** RESERVE ("Reserving", SPC-5 reservations). */
function reserve(ctx: Ctx, p: OutParams, scope: number, type: number): void {
  requireRegistered(ctx, p.rk);
  const pr = ctx.lu.pr;
  const res = pr.reservation;
  if (res) {
    // only the holder may reserve again, and only with the same scope and type (which changes nothing)
    if (!pr.isHolder(ctx.itKey) || res.type !== type || res.scope !== scope) throw new ReservationConflict();
    return;
  }
  pr.reservation = { type, scope, holder: ctx.itKey };
}

/** RELEASE ("Releasing", SPC-5 reservations). */
function release(ctx: Ctx, p: OutParams, scope: number, type: number): void {
  requireRegistered(ctx, p.rk);
  const pr = ctx.lu.pr;
  const res = pr.reservation;
  // no reservation, or the I_T nexus does not hold it: GOOD, nothing released
  if (!res || !pr.isHolder(ctx.itKey)) return;
  if ((res.type !== type || res.scope !== scope) && !ctx.core.quirks.has(Q.PR_RELEASE_IGNORES_TYPE)) {
    throw new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
  }
  pr.reservation = null;
  // registrants-only and all-registrants types: RESERVATIONS RELEASED for the other registrants
  if (isRegistrantsType(res.type)) prUa(ctx, otherRegistrants(ctx), Asc.RESERVATIONS_RELEASED);
}

/** CLEAR ("Clearing", SPC-5 reservations): every registration and the reservation removed. */
function clear(ctx: Ctx, p: OutParams): void {
  requireRegistered(ctx, p.rk);
  const others = otherRegistrants(ctx);
  ctx.lu.pr.clear();
  ctx.lu.pr.bump(ctx.core.quirks);
  prUa(ctx, others, Asc.RESERVATIONS_PREEMPTED);
}

/**
 * PREEMPT and PREEMPT AND ABORT ("Preempting", "Preempting and aborting", SPC-5 reservations). Returns the I_T
 * nexuses whose registrations were removed (their tasks are aborted by PREEMPT AND ABORT).
 */
function preempt(ctx: Ctx, p: OutParams, scope: number, type: number): Set<string> {
  requireRegistered(ctx, p.rk);
  const { lu, itKey } = ctx;
  const pr = lu.pr;
  const res = pr.reservation;
  const regs = pr.list();
  let victims: string[];
  let takes = false;
  if (res && isAllRegistrants(res.type) && p.sark === 0n) {
    // an all-registrants reservation with SARK 0: every other registration removed, the reservation taken
    victims = regs.filter((r) => r.itKey !== itKey).map((r) => r.itKey);
    takes = true;
  } else if (res && !isAllRegistrants(res.type) && p.sark === pr.holderKey()) {
    // SARK names the holder: its registration (and any other with that key) removed, the reservation taken
    victims = regs.filter((r) => r.key === p.sark && r.itKey !== itKey).map((r) => r.itKey);
    takes = true;
  } else {
    // removing registrations only: SARK 0 is an invalid field, a SARK nobody holds a conflict
    if (p.sark === 0n) throw invalidParam(8);
    const named = regs.filter((r) => r.key === p.sark);
    if (named.length === 0) throw new ReservationConflict();
    victims = named.filter((r) => r.itKey !== itKey).map((r) => r.itKey);
  }
  for (const k of victims) pr.delete(k);
  if (takes) pr.reservation = { type, scope, holder: itKey };
  pr.bump(ctx.core.quirks);
  prUa(ctx, victims, Asc.REGISTRATIONS_PREEMPTED);
  // a change of type or scope is announced to the registrants that remain
  if (takes && (res!.type !== type || res!.scope !== scope)) prUa(ctx, otherRegistrants(ctx), Asc.RESERVATIONS_RELEASED);
  return new Set(victims);
}

function prOut(sa: number): CommandSpec['handler'] {
  return async (ctx) => {
    const { lu, core, task, f } = ctx;
    const scope = f.num('scope');
    const type = f.num('type');
    // SCOPE and TYPE are used by RESERVE, RELEASE, PREEMPT and PREEMPT AND ABORT (6.17.1): LU scope, six types
    if (sa === PrOutSa.RESERVE || sa === PrOutSa.RELEASE || sa === PrOutSa.PREEMPT || sa === PrOutSa.PREEMPT_AND_ABORT) {
      if (scope !== 0) throw invalidCdb(2, 7);
      if (!PR_TYPES.includes(type)) throw invalidCdb(2, 3);
    }
    const out: HandlerResult = {};
    // REGISTER AND MOVE has a parameter list of its own
    if (sa === PrOutSa.REGISTER_AND_MOVE) return registerAndMove(ctx, out);
    const p = outParams(ctx, sa, out);
    switch (sa) {
      case PrOutSa.REGISTER:
        register(ctx, p, false);
        break;
      case PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY:
        register(ctx, p, true);
        break;
      case PrOutSa.RESERVE:
        reserve(ctx, p, scope, type);
        break;
      case PrOutSa.RELEASE:
        release(ctx, p, scope, type);
        break;
      case PrOutSa.CLEAR:
        clear(ctx, p);
        break;
      default: {
        const victims = preempt(ctx, p, scope, type);
        // PREEMPT AND ABORT: the tasks of the preempted I_T nexuses are aborted (TAS 0: they end without status)
        if (sa === PrOutSa.PREEMPT_AND_ABORT && victims.size > 0 && !core.quirks.has(Q.PR_PREEMPT_NO_ABORT)) {
          await core.abortTasks(lu, (t) => t !== task && victims.has(t.itKey), victims);
        }
      }
    }
    return out;
  };
}

// --- RESERVE(6) / RELEASE(6) (SPC-2 7.21, 7.17) -----------------------------------------------------------

/** RESERVE(6): the logical unit reserved for this I_T nexus (again, if it holds it already). */
const reserve6: CommandSpec['handler'] = async (ctx) => {
  const { lu, itKey } = ctx;
  // another holder only gets here with the quirk reserve6-no-conflict: it keeps the reservation
  if (lu.spc2Holder === null) lu.spc2Holder = itKey;
  return {};
};

/** RELEASE(6): the holder's reservation released; from any other I_T nexus GOOD with no effect. */
const release6: CommandSpec['handler'] = async (ctx) => {
  if (ctx.lu.spc2Holder === ctx.itKey) ctx.lu.spc2Holder = null;
  return {};
};

// --- the table -----------------------------------------------------------------------------------------------

/** The service actions this device server implements (REPLACE LOST RESERVATION is not). */
const PR_IN_SAS = [PrInSa.READ_KEYS, PrInSa.READ_RESERVATION, PrInSa.REPORT_CAPABILITIES, PrInSa.READ_FULL_STATUS];
const PR_OUT_SAS = [
  PrOutSa.REGISTER,
  PrOutSa.RESERVE,
  PrOutSa.RELEASE,
  PrOutSa.CLEAR,
  PrOutSa.PREEMPT,
  PrOutSa.PREEMPT_AND_ABORT,
  PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY,
  PrOutSa.REGISTER_AND_MOVE,
];

export const prCommands: CommandSpec[] = [
  // 3RDPTY and extents (obsolete) are not supported: every bit of bytes 1-4 must be zero
  { ...catalogued(Op.RESERVE_6), access: 'write', reservation: 'spc2', handler: reserve6 },
  { ...catalogued(Op.RELEASE_6), access: 'any', spc2Allowed: true, reservation: 'spc2', handler: release6 },
  ...PR_IN_SAS.map((sa): CommandSpec => ({ ...catalogued(Op.PERSISTENT_RESERVE_IN, sa), access: 'any', reservation: 'persistent', handler: prIn(sa) })),
  ...PR_OUT_SAS.map((sa): CommandSpec => ({ ...catalogued(Op.PERSISTENT_RESERVE_OUT, sa), access: 'any', reservation: 'persistent', handler: prOut(sa) })),
];
