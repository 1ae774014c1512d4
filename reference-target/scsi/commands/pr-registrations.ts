/**
 * What the PERSISTENT RESERVE OUT service actions share (SPC-5 reservations): adding and removing
 * registrations, and the unit attentions they establish for other I_T nexuses.
 */
import { Asc, SenseKey } from '../../../protocol/scsi/sense.js';
import { CheckCondition } from '../check.js';
import { Q } from '../quirks.js';
import { MAX_REGISTRATIONS, isAllRegistrants, isRegistrantsType, type Registration } from '../reservations.js';
import type { Ctx } from './types.js';

/** Unit attentions of a PERSISTENT RESERVE OUT for the initiator ports of these I_T nexuses. */
export function prUa(ctx: Ctx, keys: Iterable<string>, ascAscq: number): void {
  if (ctx.core.quirks.has(Q.PR_NO_UA)) return;
  for (const k of keys) ctx.lu.establishUa(k, ascAscq);
}

/** The registered I_T nexuses other than the one the command came on. */
export const otherRegistrants = (ctx: Ctx): string[] =>
  ctx.lu.pr
    .list()
    .map((r) => r.itKey)
    .filter((k) => k !== ctx.itKey);

/**
 * Removes a registration ("Unregistering", SPC-5 reservations): the holder's reservation of a non-all-registrants
 * type is released (a registrants-only one announced with RESERVATIONS RELEASED to the other registrants);
 * an all-registrants reservation ends with its last registrant.
 */
export function unregister(ctx: Ctx, itKey: string): void {
  const pr = ctx.lu.pr;
  pr.delete(itKey);
  const res = pr.reservation;
  if (!res) return;
  if (isAllRegistrants(res.type)) {
    if (pr.count === 0) pr.reservation = null;
  } else if (res.holder === itKey && !ctx.core.quirks.has(Q.PR_UNREGISTER_KEEPS_RESERVATION)) {
    pr.reservation = null;
    if (isRegistrantsType(res.type)) prUa(ctx, otherRegistrants(ctx), Asc.RESERVATIONS_RELEASED);
  }
}

/** Adds registrations, all or none: no room is INSUFFICIENT REGISTRATION RESOURCES (6.17.1). */
export function addRegistrations(ctx: Ctx, adds: readonly Registration[]): void {
  const pr = ctx.lu.pr;
  const fresh = adds.filter((r) => !pr.get(r.itKey));
  if (pr.count + fresh.length > MAX_REGISTRATIONS) throw new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INSUFFICIENT_REGISTRATION_RESOURCES);
  for (const r of fresh) pr.add(r);
}
