/**
 * Helpers of the iSNS family: the harness plays the iSNS server (t.config.isns) that the target under
 * test was pointed at, and these read what the target registered there.
 */
import { iscsi, isnsp, type IsnsServer, type RegisteredEntity, type RegisteredPortal, type TestContext } from '../../harness/api.js';

export function server(t: TestContext): IsnsServer {
  const s = t.config.isns;
  if (!s) return t.skip('no iSNS server is played by the harness (--isns-server)');
  return s;
}

/**
 * Wait (bounded) until the target's node is registered; fails naming the server and the wait. With
 * `dependent`, a test that relies on the registration skips instead, naming the test that checks it.
 */
export async function registration(t: TestContext, withinMs = 30_000, dependent = false): Promise<RegisteredEntity> {
  const s = server(t);
  const name = t.config.target.targetName;
  const ms = Math.min(withinMs, t.remainingMs() - 1000);
  const until = Date.now() + ms;
  for (;;) {
    const e = s.entityOf(name);
    if (e) return e;
    if (Date.now() > until) {
      const why = `the target did not register ${name} with the harness's iSNS server at ${s.address} within ${Math.round(ms / 1000)} s`;
      if (dependent) t.skip(`${why} (iSNSRegistration.Entity, or iSNSRegistration.ServerRestart after a restart, checks that)`);
      t.fail(why);
    }
    await t.sleep(100);
  }
}

/** The registered portal the harness logs in to (by TCP port, and address when it is the same). */
export function loginPortal(t: TestContext, e: RegisteredEntity): RegisteredPortal | undefined {
  const port = t.config.target.port;
  return e.portals.find((p) => p.port === port && p.ip === t.config.target.host) ?? e.portals.find((p) => p.port === port);
}

/** The TargetPortalGroupTag the target gave in the login of the test's session. */
export function loginTpgt(t: TestContext): number | undefined {
  for (const r of t.session.login.responses) {
    const pairs = r.data && r.data.length ? iscsi.decodeText(r.data) : [];
    const v = pairs.find(([k]) => k === 'TargetPortalGroupTag')?.[1];
    if (v !== undefined) return Number(v);
  }
  return undefined;
}

export const { Func, Status, statusName, NodeType, EntityProtocol, Tag, tlvValue } = isnsp;
