/**
 * The target's own iSNS behaviour (RFC 4171), with the harness playing the iSNS server it registers
 * with: what it registers, that it refreshes, answers ESI, and comes back after the server failed.
 * These tests need the target pointed at the harness's server before the run (see the skip reason).
 */
import { defineSuite, type ReceivedMessage } from '../../harness/api.js';
import { EntityProtocol, Func, loginPortal, loginTpgt, NodeType, registration, server, Status, statusName, Tag, tlvValue } from './_isns.js';

const HOWTO =
  `Needs the target pointed at the iSNS server the harness plays: iscsi-test --isns-server 127.0.0.1:PORT, with the target's iSNS server ` +
  `set to that address (iscsi-target --isns, ietd.conf iSNSServer, tgtadm iSNSServerIP/iSNSServerPort/iSNS=On); the embedded target is pointed there by ` +
  `itself.`;

// Exclusive: the tests share the harness's iSNS server, which ServerRestart and ServerErrors take down,
// and Refresh times the target's messages; under --jobs they must not overlap.
const suite = defineSuite('iSNSRegistration', { families: ['iSNS'], clause: 'RFC 4171 5.6.5.1', needs: ['isnsServer'], exclusive: true });

suite.test(
  'Entity',
  {
    doc: `The target must register with the iSNS server a Network Entity of Entity Protocol iSCSI (2) holding a Storage Node with the target's iSCSI
      Name and iSCSI Node Type with the Target bit set, and a Portal with the TCP port the harness logs in on. ${HOWTO}`,
    clause: 'RFC 4171 6.2.2, RFC 4171 6.4.2, RFC 4171 6.3.2',
    level: 'MUST',
    timeout: 60,
  },
  async (t) => {
    const e = await registration(t);
    const name = t.config.target.targetName;
    t.log(
      `entity ${e.eid}: nodes ${e.nodes.map((n) => `${n.name} type ${n.type}`).join(', ')}; portals ${e.portals.map((p) => `${p.ip}:${p.port}`).join(', ')}`,
    );
    t.check(e.protocol === EntityProtocol.iSCSI, `entity ${e.eid} registered Entity Protocol ${e.protocol ?? '(none)'}, expected iSCSI (2)`);
    const node = e.nodes.find((n) => n.name === name)!;
    t.check((node.type & NodeType.Target) !== 0, `node ${name} registered iSCSI Node Type 0x${node.type.toString(16)}, expected the Target bit (0x1) set`);
    t.check(
      loginPortal(t, e) !== undefined,
      `no registered portal has TCP port ${t.config.target.port}, the port of the target's portal (registered: ` +
        `${e.portals.map((p) => `${p.ip}:${p.port}`).join(', ') || 'none'})`,
    );
  },
);

suite.test(
  'PortalGroupTag',
  {
    doc: `The Portal Group object the target registers for its node and the portal the harness logs in on must carry the Portal Group Tag its Login
      Response gave as TargetPortalGroupTag; when it registers no Portal Group for them, the server's default tag 1 must be that value. ${HOWTO}`,
    clause: 'RFC 4171 3.4, RFC 4171 6.5.4',
    level: 'MUST',
    timeout: 60,
  },
  async (t) => {
    const e = await registration(t, 30_000, true);
    const tpgt = loginTpgt(t);
    if (tpgt === undefined) return t.skip('the login gave no TargetPortalGroupTag (iSCSILogin.TargetPortalGroupTag checks that)');
    const portal = loginPortal(t, e);
    if (!portal) return t.skip('no registered portal matches the login (iSNSRegistration.Entity checks that)');
    const name = t.config.target.targetName;
    const pgs = e.portalGroups.filter((g) => g.name === name && g.port === portal.port && g.ip === portal.ip);
    t.log(
      `portal groups of ${name} at ${portal.ip}:${portal.port}: ${pgs.map((g) => String(g.tag)).join(', ') || 'none registered'}; login TargetPortalGroupTag ${tpgt}`,
    );
    const tag = pgs.length ? pgs[pgs.length - 1]!.tag : 1;
    t.check(
      tag === tpgt,
      `the Portal Group Tag registered for ${name} at ${portal.ip}:${portal.port} is ` +
        `${tag === null ? 'NULL (no access through this portal)' : tag}${pgs.length ? '' : ' (the default: no Portal Group registered)'}, but the login gave ` +
        `TargetPortalGroupTag ${tpgt}`,
    );
  },
);

suite.test(
  'Refresh',
  {
    doc: `A registration lasts the Registration Period the server grants (the harness grants 10 s) from the entity's last message: the target should
      send an iSNSP message (a query, a re-registration) within that period so that it stays registered. The test waits the period plus 2 s for one.
      ${HOWTO}`,
    clause: 'RFC 4171 6.2.6',
    level: 'SHOULD',
    timeout: 60,
  },
  async (t) => {
    const s = server(t);
    const e = await registration(t, 30_000, true);
    const since = Date.now();
    const ms = (s.registrationPeriod + 2) * 1000;
    const names = e.nodes.map((n) => n.name);
    while (Date.now() - since < ms && s.messagesFrom(names, since).length === 0) await t.sleep(100);
    const got = s.messagesFrom(names, since);
    t.should(
      got.length > 0,
      `no iSNSP message from entity ${e.eid} within ${ms / 1000} s (its Registration Period is ${s.registrationPeriod} s): the registration would lapse`,
    );
    if (got.length) t.log(`${got[0]!.name} from ${got[0]!.source} after ${((got[0]!.at - since) / 1000).toFixed(1)} s`);
  },
);

suite.test(
  'Esi',
  {
    doc: `When the target registers an ESI Port for a portal, the iSNS server checks the entity with Entity Status Inquiries there: the harness sends
      one (Entity Identifier, Portal IP Address and Port) and the target must answer with an ESIRsp of the same transaction with status Successful
      within 5 s. Skipped when it registers no ESI port. ${HOWTO}`,
    clause: 'RFC 4171 5.6.5.13, RFC 4171 5.7.5.13',
    level: 'MUST',
    timeout: 60,
  },
  async (t) => {
    const s = server(t);
    const e = await registration(t, 30_000, true);
    const portal = e.portals.find((p) => p.esiPort);
    if (!portal) return t.skip(`entity ${e.eid} registered no ESI Port: it does not use ESI`);
    t.log(`ESI to ${portal.ip}:${portal.esiPort} for portal ${portal.ip}:${portal.port}`);
    const r = await s.esi(e, portal, 5000).catch((err: Error) => t.fail(`ESI to the registered ESI port ${portal.ip}:${portal.esiPort}: ${err.message}`));
    t.check(r.status === Status.Successful, `ESIRsp status ${statusName(r.status)}, expected Successful`);
  },
);

suite.test(
  'Deregister',
  {
    doc: `A target that stops should deregister (DevDereg of its Network Entity, or of its Storage Nodes) rather than stay listed, sending initiators
      to a portal that is gone, until its Registration Period runs out. The harness stops the target, waits 10 s for a DevDereg from it that leaves
      none of its nodes registered, then starts the target again and waits for it to register again, so that the run goes on. The harness stops
      and starts the embedded target itself; any other target needs --target-stop-command and --target-start-command, shell commands that stop the
      target (or only its iSNS client) and bring it back on the same portal. ${HOWTO}`,
    clause: 'RFC 4171 5.6.5.4',
    level: 'SHOULD',
    timeout: 90,
    session: false,
    needs: ['targetControl'],
  },
  async (t) => {
    const s = server(t);
    const control = t.config.targetControl!;
    const e = await registration(t, 30_000, true);
    const names = e.nodes.map((n) => n.name);
    const named = (m: ReceivedMessage) =>
      m.tlvs.some((x) => (x.tag === Tag.IscsiName || x.tag === Tag.EntityId) && x.value.length > 0 && [e.eid, ...names].includes(String(tlvValue(x))));
    // A DevDereg from the entity: its Source is one of its nodes, or it names the entity or one of its nodes.
    const fromEntity = (m: ReceivedMessage) => m.functionId === Func.DevDereg && (names.includes(m.source ?? '') || named(m));
    const since = Date.now();
    t.log(`stopping the target: ${control.how}`);
    await control.stop();
    try {
      const until = since + 10_000;
      const dereg = () => s.received.find((m) => m.at >= since && fromEntity(m));
      while (!dereg() && Date.now() < until) await t.sleep(100);
      const d = dereg();
      const stays = `it stays registered until its Registration Period (${s.registrationPeriod} s) runs out`;
      if (!t.should(d, `no DevDereg from entity ${e.eid} (${names.join(', ')}) within 10 s after the target was stopped: ${stays}`)) return;
      t.log(`DevDereg from ${d!.source ?? d!.remote} ${((d!.at - since) / 1000).toFixed(1)} s after the stop, answered ${statusName(d!.answered ?? 0)}`);
      const left = names.filter((n) => s.entityOf(n));
      t.should(
        left.length === 0,
        `after the target's DevDereg the iSNS server still holds ${left.join(', ')}: it named neither entity ${e.eid} nor those nodes`,
      );
    } finally {
      t.log('starting the target again');
      await control.start();
      const until = Date.now() + Math.min(30_000, Math.max(0, t.remainingMs() - 2000));
      while (!s.entityOf(t.config.target.targetName) && Date.now() < until) await t.sleep(100);
      t.log(s.entityOf(t.config.target.targetName) ? 'the target registered again' : 'the target did not register again within 30 s of its start');
    }
  },
);

suite.test(
  'ServerRestart',
  {
    doc: `The harness's iSNS server drops its connections and forgets every registration, as a server restarted with an empty database would; the
      target must keep serving iSCSI (a login succeeds meanwhile) and should register again within its Registration Period plus 10 s, through a
      refresh that finds it unknown or a new connection. ${HOWTO}`,
    clause: 'RFC 4171 6.2.6',
    level: 'SHOULD',
    timeout: 60,
    session: false,
  },
  async (t) => {
    const s = server(t);
    await registration(t, 30_000, true);
    t.log('iSNS server: drop connections, forget registrations, listen again');
    await s.stop({ forget: true });
    await s.start();
    const login = await t.login();
    t.check(login.isOpen, 'the target accepts a login while its iSNS server forgot it');
    const ms = (s.registrationPeriod + 10) * 1000;
    const until = Date.now() + ms;
    while (!s.entityOf(t.config.target.targetName) && Date.now() < until) await t.sleep(100);
    t.should(s.entityOf(t.config.target.targetName), `the target did not register again within ${ms / 1000} s after the iSNS server forgot it`);
  },
);

suite.test(
  'ServerErrors',
  {
    doc: `The harness's iSNS server forgets the target and answers its next two registrations with Busy (status 12); the target must keep serving
      iSCSI and should try again until it is registered, within twice its Registration Period plus 10 s. ${HOWTO}`,
    clause: 'RFC 4171 5.4',
    level: 'SHOULD',
    timeout: 60,
    session: false,
  },
  async (t) => {
    const s = server(t);
    await registration(t, 30_000, true);
    s.failNext(Status.Busy, 2);
    await s.stop({ forget: true });
    await s.start();
    const login = await t.login();
    t.check(login.isOpen, 'the target accepts a login while its iSNS server answers with errors');
    const ms = (2 * s.registrationPeriod + 10) * 1000;
    const until = Date.now() + ms;
    while (!s.entityOf(t.config.target.targetName) && Date.now() < until) await t.sleep(100);
    const refused = s.received.filter((m) => m.answered === Status.Busy).length;
    t.log(`${refused} request(s) answered Busy`);
    t.should(s.entityOf(t.config.target.targetName), `the target did not register again within ${ms / 1000} s after its registrations were answered Busy`);
  },
);

export default suite;
