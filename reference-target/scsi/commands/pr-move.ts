/**
 * PERSISTENT RESERVE OUT REGISTER AND MOVE (SPC-5 reservations, "Registering and moving the reservation"; its
 * parameter list, SPC-5 6.17): the reservation holder registers another I_T nexus, named by an iSCSI
 * TransportID and a RELATIVE TARGET PORT IDENTIFIER, with the SERVICE ACTION RESERVATION KEY and moves the
 * reservation to it, keeping its own registration unless UNREG is one.
 */
import { ReservationConflict, invalidCdb, invalidParam, paramListLengthError, topBit } from '../check.js';
import { Q } from '../quirks.js';
import { isAllRegistrants } from '../reservations.js';
import { itKeyOf } from '../types.js';
import { decodeTid, portsOf } from './pr-transport-ids.js';
import { addRegistrations, unregister } from './pr-registrations.js';
import type { Ctx, HandlerResult } from './types.js';

/** The REGISTER AND MOVE parameter list: 24 bytes, then the TransportID (its length at bytes 20-23). */
const HEADER = 24;
const UNREG = 0x02;
const APTPL = 0x01;
/** TRANSPORTID LENGTH: at least 24 and a multiple of 4. */
const MIN_TID = 24;

interface MoveList {
  rk: bigint;
  sark: bigint;
  unreg: boolean;
  rtpi: number;
}

/** The parameter list's own checks: its length against the CDB and the TRANSPORTID LENGTH, reserved bits, APTPL. */
function moveList(ctx: Ctx, out: HandlerResult): MoveList {
  const len = ctx.f.num('paramLen');
  const d = ctx.req.dataOut ?? Buffer.alloc(0);
  if (d.length !== len) out.transferLength = len;
  if (len < HEADER || d.length < len) throw paramListLengthError();
  // the PARAMETER LIST LENGTH must hold the TransportID the TRANSPORTID LENGTH announces, and no more
  if (HEADER + d.readUInt32BE(20) !== len) throw paramListLengthError();
  const flags = d[17]!;
  if (!ctx.core.quirks.has(Q.IGNORE_RESERVED_BITS)) {
    if (d[16]) throw invalidParam(16, topBit(d[16]!));
    if (flags & ~(UNREG | APTPL) & 0xff) throw invalidParam(17, topBit(flags & 0xfc));
  }
  // PTPL_C is 0: APTPL=1 is refused as in the other lists
  if (flags & APTPL && !ctx.core.quirks.has(Q.PR_APTPL_ACCEPTED)) throw invalidParam(17, 0);
  return { rk: d.readBigUInt64BE(0), sark: d.readBigUInt64BE(8), unreg: (flags & UNREG) !== 0, rtpi: d.readUInt16BE(18) };
}

/** REGISTER AND MOVE, its checks in the order of the table of REGISTER AND MOVE behaviours and the sentences after it. */
export function registerAndMove(ctx: Ctx, out: HandlerResult): HandlerResult {
  const { lu, core, itKey, req } = ctx;
  const pr = lu.pr;
  const m = moveList(ctx, out);
  // an unregistered I_T nexus, or a RESERVATION KEY other than its own: RESERVATION CONFLICT
  const reg = pr.get(itKey);
  if (!reg || reg.key !== m.rk) throw new ReservationConflict();
  const res = pr.reservation;
  // no persistent reservation: INVALID FIELD IN CDB
  if (!res) throw invalidCdb(1, 4);
  // a registered I_T nexus that does not hold it, or an all-registrants reservation: RESERVATION CONFLICT
  if (!pr.isHolder(itKey) || isAllRegistrants(res.type)) throw new ReservationConflict();
  // SERVICE ACTION RESERVATION KEY zero: INVALID FIELD IN PARAMETER LIST
  if (m.sark === 0n) throw invalidParam(8);
  const d = req.dataOut!;
  const tidLen = d.readUInt32BE(20);
  if (tidLen < MIN_TID || tidLen % 4 !== 0) throw invalidParam(20);
  const tid = decodeTid(d, HEADER, HEADER + tidLen);
  if (tid.length !== tidLen) throw invalidParam(20);
  // the target port: one of this SCSI target device's, by its relative target port identifier
  const target = core.nexusList().find((n) => n.targetName === req.nexus.targetName && n.relativeTargetPort === m.rtpi);
  if (!target) throw invalidParam(18);
  // the initiator port: format 00b must name a device with exactly one port here to name a nexus
  const ports = portsOf(tid, core.nexusList(), req.nexus.targetName);
  if (ports.length !== 1) throw invalidParam(HEADER + 4);
  const port = ports[0]!;
  // a TransportID naming the initiator port the command came through: INVALID FIELD IN PARAMETER LIST
  if (port.initiatorPort === req.nexus.initiatorPort) {
    if (!core.quirks.has(Q.PR_MOVE_TO_SELF_ACCEPTED)) throw invalidParam(HEADER);
    return out;
  }
  const dest = itKeyOf({ initiatorPort: port.initiatorPort, targetPort: target.targetPort });
  const existing = pr.get(dest);
  // registering an I_T nexus that is registered already is not an error: its key is replaced
  if (existing) existing.key = m.sark;
  else
    addRegistrations(ctx, [
      { itKey: dest, key: m.sark, transportId: port.transportId, targetPort: target.targetPort, relativeTargetPort: m.rtpi, allTgPt: false },
    ]);
  // the reservation moves with its scope and type (the CDB's SCOPE and TYPE are ignored)
  pr.reservation = { type: res.type, scope: res.scope, holder: dest };
  if (m.unreg && !core.quirks.has(Q.PR_MOVE_KEEPS_SOURCE)) unregister(ctx, itKey);
  pr.bump(core.quirks);
  return out;
}
