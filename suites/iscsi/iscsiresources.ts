/**
 * The target's resources as logins see them (RFC 7143 11.13.5): a target that cannot take one more session
 * refuses the login as "out of resources", and keeps serving the sessions it holds. Nothing in the RFC sets a
 * number of sessions, so the test opens sessions up to a bound (the target's limit when the run is told it with
 * --max-sessions, else 64) and skips, saying so, when the target took them all.
 */
import { defineSuite, LOGGED_IN, LOGIN_STATUS, retryWhile, type TestSession } from '../../harness/api.js';
import { LoginStatus, newIsid } from './_login.js';

const suite = defineSuite('iSCSIResources', { families: ['iSCSI'], clause: 'RFC 7143 11.13.5' });

/** Sessions opened at most when the run does not know the target's limit. */
export const SESSION_BOUND = 64;

const OUT_OF_RESOURCES = LOGIN_STATUS(LoginStatus.OUT_OF_RESOURCES >> 8, LoginStatus.OUT_OF_RESOURCES & 0xff);

suite.test(
  'OutOfResources',
  {
    doc: `Log in sessions of one initiator name, each with a new ISID, and keep them all open, until the target refuses one or the bound is reached
      (one more than --max-sessions when the run is told the target's limit, else ${SESSION_BOUND}). A login refused for want of sessions should get
      status class 03, detail 02, "Out of resources: the target has insufficient session, connection, or other resources" (11.13.5), not another
      status or a dropped connection. The sessions held must go on working (a NOP-Out ping on the first and the last answered), and once one of
      them logs out a new login should be accepted. Skips when the target accepts every session up to the bound.`,
    clause: 'RFC 7143 11.13.5',
    level: 'SHOULD',
    session: false,
    timeout: 120,
  },
  async (t) => {
    const bound = t.config.maxSessions !== undefined ? t.config.maxSessions + 1 : SESSION_BOUND;
    const held: TestSession[] = [];
    let refused = false;
    while (held.length < bound && !refused) {
      const n = held.length + 1;
      const r = await t.expectLogin(`login ${n} of at most ${bound}, with ${held.length} sessions open`, { isid: newIsid() }, [LOGGED_IN, OUT_OF_RESOURCES]);
      if (r.session) held.push(r.session);
      else refused = true;
    }
    if (!refused)
      t.skip(
        `the target accepted ${held.length} sessions at once and refused none: no out-of-resources answer to check` +
          (t.config.maxSessions === undefined ? ' (--max-sessions N tells the run a known limit)' : ''),
      );
    t.log(`login ${held.length + 1} refused as out of resources with ${held.length} sessions open`);
    for (const [which, s] of [
      ['first', held[0]],
      ['last', held[held.length - 1]],
    ] as const) {
      if (!s) continue;
      const ping = await t.settle(s.nop({ data: Buffer.from('held') }), 5000);
      t.check(ping.done && 'value' in ping, `a NOP-Out ping on the ${which} of the ${held.length} sessions held after the refusal went unanswered`);
    }
    const last = held.pop();
    if (!last) return;
    const logout = await t.settle(last.logout(), 5000);
    t.check(logout.done && 'value' in logout, 'the Logout of one held session (to free a session) was not answered');
    const accepted = await retryWhile(t, 3000, async () => {
      const r = await t.expectLogin('a login after one session logged out', { isid: newIsid() }, [LOGGED_IN, OUT_OF_RESOURCES]);
      return !r.session;
    });
    t.should(accepted, `after one of ${held.length + 1} sessions logged out, a new login was still refused as out of resources for 3 s`);
  },
);

export default suite;
