/**
 * The reference target as an iSNS client, proven with open-isns's isnsd and isnsadm (started here on a
 * free loopback port with their own state directory): it registers its entity, portal, node and portal
 * group (the tag its logins report); stays registered past the Registration Period; registers again
 * after isnsd restarts with an empty database; is gone after a clean stop; keeps serving iSCSI while
 * the iSNS server is down; and with iSNSAccessControl admits only the initiators of its discovery domain.
 */
import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../../harness/initiator/index.js';
import { IscsiError } from '../../protocol/errors.js';
import { Isnsd } from '../support/isnsd.js';
import { requirePeers } from '../support/peers.js';
import { freePort, run, start, stop } from '../support/proc.js';
import { INIT_A, INIT_B, IQN, mark, opts, Ref, sleep, startRef, waitLog } from './iscsi/helpers.js';

async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(250);
  }
}

describe('reference target registers with isnsd', function () {
  this.timeout(90_000);
  let d: Isnsd;
  let ref: Ref;

  before(async function () {
    requirePeers(this, 'isnsd', 'isnsadm');
    d = await Isnsd.start({ registrationPeriod: 6 });
    ref = await startRef({ server: { isns: d.address, isnsRegistrationPeriod: 6 } });
  });
  after(async () => {
    await ref?.stop();
    await d?.close();
  });

  it('isnsadm --query shows its node (type Target), its portal and a portal group with its TargetPortalGroupTag', async () => {
    await waitLog(ref, /iSNS: registered entity/, 5000);
    const q = await d.query();
    assert.match(q, new RegExp(`iSCSI name = "${IQN}"`), q);
    assert.match(q, /iSCSI node type = Target/, q);
    assert.match(q, new RegExp(`Portal IP address = 127.0.0.1[\\s\\S]*Portal TCP/UDP port = ${ref.t.port}/tcp`), q);
    assert.match(
      q,
      new RegExp(`Portal group name = "${IQN}"[\\s\\S]*Portal group port = ${ref.t.port}/tcp[\\s\\S]*Portal group tag = ${ref.t.server.tpgt}`),
      q,
    );
  });

  it('is still registered after twice its Registration Period (it refreshes)', async () => {
    await sleep(12_000);
    assert.match(await d.query(), new RegExp(IQN));
  });

  it('registers again after isnsd restarts with an empty database', async () => {
    await d.restart(true);
    assert.doesNotMatch(await d.query(), new RegExp(IQN), 'fresh isnsd knows nothing yet');
    await until('re-registration', 20_000, async () => new RegExp(IQN).test(await d.query()));
  });

  it('iscsi-test isns lists it with its portal, tag and LUN; an isns:// URL names it for a run', async () => {
    const bin = join(dirname(fileURLToPath(import.meta.url)), '../../bin/iscsi-test.js');
    const l = await run(process.execPath, [bin, 'isns', d.address, '--luns'], { timeoutMs: 30_000 });
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, new RegExp(`Target: ${IQN}\\n  Portal: 127\\.0\\.0\\.1:${ref.t.port},${ref.t.server.tpgt}\\n  LUN 0: DIRECT_ACCESS`), l.stdout);
    const r = await run(process.execPath, [bin, '--test=SCSI.TestUnitReady,SCSI.Inquiry', `isns://${d.address}/${IQN}/0`], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`Target: +iscsi://127\\.0\\.0\\.1:${ref.t.port}/${IQN}/0`));
    assert.match(r.stdout, /Summary: [1-9]\d* passed, 0 failed/);
    const missing = await run(process.execPath, [bin, `isns://${d.address}/iqn.2026-01.org.example:nobody/0`], { timeoutMs: 30_000 });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /does not show target iqn\.2026-01\.org\.example:nobody/);
  });

  it('keeps serving iSCSI while the iSNS server is down', async () => {
    await d.stop();
    mark(ref);
    await sleep(500);
    const s = await Session.open(opts(ref));
    await s.logout();
    await d.restart();
  });

  it('is gone from isnsd after a clean stop (DevDereg)', async () => {
    await waitLog(ref, /registered entity .*re-established/, 20_000);
    await ref.stop();
    assert.doesNotMatch(await d.query(), new RegExp(IQN));
  });
});

describe('reference target with iSNSAccessControl', function () {
  this.timeout(60_000);
  let d: Isnsd;
  let ref: Ref;

  before(async function () {
    requirePeers(this, 'isnsd', 'isnsadm');
    d = await Isnsd.start({ defaultDd: false });
    for (const [e, n] of [
      ['ent-a', INIT_A],
      ['ent-b', INIT_B],
    ]) {
      const r = await d.isnsadm('--register', `entity=${e}`, `initiator=${n}`);
      assert.equal(r.code, 0, r.stderr);
    }
    const dd = await d.isnsadm('--dd-register', 'dd-name=dom1', `member-name=${INIT_A}`, `member-name=${IQN}`);
    assert.equal(dd.code, 0, dd.stdout + dd.stderr);
    ref = await startRef({ server: { isns: d.address, isnsAccessControl: true } });
    await waitLog(ref, /admits/, 5000);
  });
  after(async () => {
    await ref?.stop();
    await d?.close();
  });

  it('admits the initiator of its discovery domain and refuses one outside it', async () => {
    const s = await Session.open(opts(ref, { initiatorName: INIT_A }));
    await s.logout();
    await assert.rejects(
      Session.open(opts(ref, { initiatorName: INIT_B })),
      (e: unknown) => e instanceof IscsiError && /authoriz|not allowed|ACL|0x0202/i.test(e.message),
    );
  });
});

describe('iscsi-target --isns (the program)', function () {
  this.timeout(60_000);

  it('registers with isnsd, and deregisters when stopped by SIGTERM', async function () {
    requirePeers(this, 'isnsd', 'isnsadm');
    const d = await Isnsd.start();
    const port = await freePort();
    const bin = join(dirname(fileURLToPath(import.meta.url)), '../../bin/iscsi-target.js');
    const t = start(process.execPath, [bin, '-f', '-a', '127.0.0.1', '-p', String(port), '--target', IQN, '--isns', d.address]);
    try {
      await until('registration', 15_000, async () => new RegExp(`Portal TCP/UDP port = ${port}/tcp`).test(await d.query()));
      assert.match(await d.query(), new RegExp(`iSCSI name = "${IQN}"`));
      await stop(t.child, ['SIGTERM']);
      assert.equal(t.child.exitCode, 0, t.output());
      assert.doesNotMatch(await d.query(), new RegExp(IQN), t.output());
    } finally {
      await stop(t.child);
      await d.close();
    }
  });
});
