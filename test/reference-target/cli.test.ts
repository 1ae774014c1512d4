/**
 * bin/iscsi-target as a user runs it (issue 3, item 4): quick mode with a memory and a file LUN, both
 * checked with the embedded initiator; SIGTERM and SIGINT stop it cleanly with a session still logged
 * in and leave the file LUN's data on disk; -c with the sample configuration; daemon mode returning
 * with the daemon's PID; bad usage ending with a one-line message, a non-zero status and no stack
 * trace; --list-quirks. Every process started here is stopped here, by its PID.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discover, Session, SessionOptions } from '../../harness/initiator/index.js';
import * as scsi from '../../protocol/scsi/index.js';
import { allQuirks } from '../../reference-target/index.js';
import { freePort, run, start, Started, stop, waitExit } from '../support/proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '../../bin/iscsi-target.js');
const SAMPLE = join(here, '../../../fixtures/target/sample.conf');
const IQN = 'iqn.2026-11.org.iscsi-test:cli';
const INIT = 'iqn.2026-11.org.iscsi-test:cli-initiator';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait (bounded) until the output shows the portal; returns the port it names. */
async function listening(p: Started, timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = /iscsi-target: listening on 127\.0\.0\.1:(\d+)/.exec(p.output());
    if (m) return Number(m[1]);
    if (p.child.exitCode !== null || Date.now() > until) assert.fail(`iscsi-target did not report listening:\n${p.output()}`);
    await sleep(20);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function session(port: number, o: Partial<SessionOptions> = {}): Promise<Session> {
  const s = await Session.open({ host: '127.0.0.1', port, initiatorName: INIT, targetName: IQN, timeoutMs: 5000, loginTimeoutMs: 5000, ...o });
  for (const lun of [0, 1]) {
    for (let i = 0; i < 3; i++) if ((await s.command({ cdb: scsi.testUnitReady(), lun })).status === 0) break;
  }
  return s;
}

const pattern = (seed: number, len: number) => {
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
  return b;
};

describe('iscsi-target command line', function () {
  this.timeout(20_000);
  let dir: string;
  const procs: Started[] = [];
  const daemons: number[] = [];
  const sessions: Session[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iscsi-target-cli-'));
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    for (const p of procs.splice(0)) await stop(p.child, ['SIGTERM', 'SIGKILL'], 3000);
  });
  after(async () => {
    // Daemons we started and that a failed test left running: by their PID only.
    for (const pid of daemons) {
      if (!alive(pid)) continue;
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 60 && alive(pid); i++) await sleep(50);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const spawnTarget = (args: string[]) => {
    const p = start(process.execPath, [BIN, ...args]);
    procs.push(p);
    return p;
  };

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    // SIGTERM with the default --logout-wait: the initiator is asked to log out (AsyncEvent 1) and does;
    // SIGINT with --logout-wait 0: the session is dropped at once.
    const graceful = sig === 'SIGTERM';
    it(`quick mode with a memory and a file LUN; ${sig} with a session logged in stops it cleanly${graceful ? ' after asking the initiator to log out' : ' (--logout-wait 0: dropped at once)'} and the file holds the data`, async () => {
      const port = await freePort();
      const img = join(dir, `disk-${sig}.img`);
      const p = spawnTarget([
        '-f',
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '--target',
        IQN,
        '--lun',
        '0:memory:64M',
        '--lun',
        `1:file:${img}:16M`,
        ...(graceful ? [] : ['--logout-wait', '0']),
      ]);
      assert.equal(await listening(p), port);
      assert.match(
        p.output(),
        new RegExp(`listening on 127\\.0\\.0\\.1:${port}: ${IQN} \\(LUN 0 memory 67108864 bytes, LUN 1 file ${img.replace(/[.]/g, '\\.')} 16777216 bytes\\)`),
      );
      const s = await session(port);
      sessions.push(s);
      const rl = await s.command({ cdb: scsi.reportLuns({ alloc: 4096 }), dataIn: 4096 });
      assert.deepEqual(scsi.parseReportLuns(rl.data).luns, [0, 1]);
      for (const [lun, size] of [
        [0, 64 << 20],
        [1, 16 << 20],
      ] as const) {
        const rc = await s.command({ cdb: scsi.readCapacity16({ alloc: 32 }), dataIn: 32, lun });
        const cap = scsi.parseReadCapacity16(rc.data);
        assert.equal((cap.lastLba + 1n) * BigInt(cap.blockLength), BigInt(size), `LUN ${lun} capacity`);
      }
      // LUN 0 works too.
      const d0 = pattern(1, 8192);
      assert.equal((await s.command({ cdb: scsi.write10({ lba: 100, blocks: 16 }), dataOut: d0, lun: 0 })).status, 0);
      assert.ok((await s.command({ cdb: scsi.read10({ lba: 100, blocks: 16 }), dataIn: 8192, lun: 0 })).data.equals(d0));
      // The file LUN: one write with FUA, one followed by SYNCHRONIZE CACHE, one plain (flushed at stop).
      const fua = pattern(2, 4096);
      const synced = pattern(3, 4096);
      const plain = pattern(4, 4096);
      assert.equal((await s.command({ cdb: scsi.write10({ lba: 8, blocks: 8, fua: true }), dataOut: fua, lun: 1 })).status, 0);
      assert.equal((await s.command({ cdb: scsi.write10({ lba: 64, blocks: 8 }), dataOut: synced, lun: 1 })).status, 0);
      assert.equal((await s.command({ cdb: scsi.synchronizeCache10(), lun: 1 })).status, 0);
      assert.equal((await s.command({ cdb: scsi.write10({ lba: 1000, blocks: 8 }), dataOut: plain, lun: 1 })).status, 0);
      assert.ok((await s.command({ cdb: scsi.read10({ lba: 8, blocks: 8 }), dataIn: 4096, lun: 1 })).data.equals(fua));
      // Stop it with the session still logged in.
      const asked = new Promise<string>((r) => s.once('logged-out', (why: string) => r(why)));
      const t0 = Date.now();
      process.kill(p.pid, sig);
      assert.ok(await waitExit(p.child, 8000), `iscsi-target did not exit within 8 s of ${sig}:\n${p.output()}`);
      if (graceful) {
        assert.match(await asked, /AsyncEvent 1, within 2 s/);
        assert.ok(Date.now() - t0 < 2000, `stopping took ${Date.now() - t0} ms though the initiator logged out at once`);
        assert.doesNotMatch(p.output(), /did not log out/);
      } else {
        assert.equal(s.asyncMessages.length, 0);
      }
      assert.equal(s.isOpen, false);
      assert.equal(p.child.exitCode, 0, `exit status after ${sig}:\n${p.output()}`);
      assert.match(p.output(), new RegExp(`${sig}: stopping \\(flushing LUNs\\)`));
      assert.match(p.output(), /iscsi-target: stopped/);
      assert.doesNotMatch(p.output(), /\n\s+at /, 'a stack trace in the output');
      const file = readFileSync(img);
      assert.equal(file.length, 16 << 20);
      assert.ok(file.subarray(8 * 512, 16 * 512).equals(fua), 'the FUA write is not in the file');
      assert.ok(file.subarray(64 * 512, 72 * 512).equals(synced), 'the synchronized write is not in the file');
      assert.ok(file.subarray(1000 * 512, 1008 * 512).equals(plain), 'the write flushed at stop is not in the file');
    });
  }

  for (const level of ['0', '1']) {
    it(`-d ${level} logs the login${level === '1' ? ' and every PDU in and out' : ', not each PDU'}`, async () => {
      const port = await freePort();
      const p = spawnTarget(['-f', '-d', level, '-a', '127.0.0.1', '-p', String(port), '--target', IQN, '--lun', '0:memory:1M']);
      assert.equal(await listening(p), port);
      const s = await Session.open({ host: '127.0.0.1', port, initiatorName: INIT, targetName: IQN, timeoutMs: 5000 });
      sessions.push(s);
      await s.command({ cdb: scsi.inquiry({ alloc: 96 }), dataIn: 96 }).catch(() => undefined);
      await s.logout();
      const until = Date.now() + 3000;
      while (!/logout: /.test(p.output()) && Date.now() < until) await sleep(20);
      const out = p.output();
      assert.match(out, new RegExp(`login: ${INIT.replace(/[.]/g, '\\.')}`));
      if (level === '1') {
        assert.match(out, /<< Login Request/);
        assert.match(out, />> Login Response/);
        assert.match(out, /<< SCSI Command .*INQUIRY/);
        assert.match(out, />> (SCSI Response|SCSI Data-In)/);
      } else {
        assert.doesNotMatch(out, /<< |>> /);
      }
    });
  }

  it('a 1 TiB sparse LUN: the process stays small until blocks are written, and grows by about what is written', async function () {
    if (!existsSync('/proc/self/status')) this.skip();
    const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    const port = await freePort();
    const p = spawnTarget(['-f', '-a', '127.0.0.1', '-p', String(port), '--target', IQN, '--lun', '0:sparse:1T']);
    assert.equal(await listening(p), port);
    const s = await Session.open({ host: '127.0.0.1', port, initiatorName: INIT, targetName: IQN, timeoutMs: 5000 });
    sessions.push(s);
    await s.command({ cdb: scsi.testUnitReady() });
    const rc = scsi.parseReadCapacity16((await s.command({ cdb: scsi.readCapacity16({ alloc: 32 }), dataIn: 32 })).data);
    assert.equal((rc.lastLba + 1n) * BigInt(rc.blockLength), 1n << 40n);
    const before = rss(p.pid);
    assert.ok(before < 200, `a 1 TiB sparse LUN made the target ${before.toFixed(0)} MiB resident`);
    // 16 MiB written at 16 places spread over the LUN, then read back.
    const chunk = pattern(9, 1 << 20);
    const step = (1n << 40n) / 512n / 16n;
    for (let i = 0n; i < 16n; i++) assert.equal((await s.command({ cdb: scsi.write16({ lba: i * step, blocks: 2048 }), dataOut: chunk })).status, 0);
    for (let i = 0n; i < 16n; i += 5n) assert.ok((await s.command({ cdb: scsi.read16({ lba: i * step, blocks: 2048 }), dataIn: 1 << 20 })).data.equals(chunk));
    const after = rss(p.pid);
    assert.ok(after - before < 16 + 48, `writing 16 MiB grew the target from ${before.toFixed(0)} to ${after.toFixed(0)} MiB`);
  });

  it('-c fixtures/target/sample.conf serves both of its targets as configured', async () => {
    const port = await freePort();
    const p = spawnTarget(['-f', '-c', SAMPLE, '-a', '127.0.0.1', '-p', String(port)]);
    await listening(p);
    assert.match(
      p.output(),
      /iqn\.2026-11\.org\.iscsi-test:sample-disk \(LUN 0 memory 33554432 bytes, LUN 1 sparse 1073741824 bytes thin\); iqn\.2026-11\.org\.iscsi-test:sample-chap/,
    );
    const d = await Session.open({ host: '127.0.0.1', port, initiatorName: INIT, sessionType: 'Discovery', timeoutMs: 5000 });
    sessions.push(d);
    // The ACL of sample-chap names another initiator.
    assert.deepEqual(
      (await d.sendTargets('All')).map((t) => t.name),
      ['iqn.2026-11.org.iscsi-test:sample-disk'],
    );
    const s = await session(port, { targetName: 'iqn.2026-11.org.iscsi-test:sample-disk', headerDigest: 'CRC32C', dataDigest: 'CRC32C' });
    sessions.push(s);
    assert.ok(s.params.headerDigest && s.params.dataDigest);
    const rc = scsi.parseReadCapacity16((await s.command({ cdb: scsi.readCapacity16({ alloc: 32 }), dataIn: 32, lun: 1 })).data);
    assert.equal(rc.blockLength, 4096);
    assert.equal(rc.lbpme, true);
    const c = await Session.open({
      host: '127.0.0.1',
      port,
      initiatorName: 'iqn.2026-11.org.iscsi-test:sample-initiator',
      targetName: 'iqn.2026-11.org.iscsi-test:sample-chap',
      chap: { user: 'sample-user', secret: 'sample-secret-0123' },
      targetChap: { user: 'sample-target', secret: 'sample-secret-4567' },
      timeoutMs: 5000,
    });
    sessions.push(c);
    assert.equal(c.login.authMethod, 'CHAP');
  });

  it("daemon mode (no -f) returns with the daemon's PID; the daemon serves until stopped by that PID", async () => {
    const port = await freePort();
    const log = join(dir, 'daemon.log');
    const r = await run(process.execPath, [BIN, '-a', '127.0.0.1', '-p', String(port), '--target', IQN, '--lun', '0:memory:16M', '--log', log], {
      timeoutMs: 15_000,
    });
    const m = /listening on 127\.0\.0\.1:(\d+).* \(pid (\d+)\)\s*$/.exec(r.stdout);
    assert.ok(m, `no "listening ... (pid N)" line: ${JSON.stringify(r)}`);
    const pid = Number(m[2]);
    daemons.push(pid);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Number(m[1]), port);
    assert.ok(alive(pid), 'the daemon is not running');
    const s = await session(port);
    sessions.push(s);
    const data = pattern(9, 4096);
    assert.equal((await s.command({ cdb: scsi.write10({ lba: 0, blocks: 8 }), dataOut: data })).status, 0);
    assert.ok((await s.command({ cdb: scsi.read10({ lba: 0, blocks: 8 }), dataIn: 4096 })).data.equals(data));
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 160 && alive(pid); i++) await sleep(50);
    assert.ok(!alive(pid), 'the daemon is still running 8 s after SIGTERM');
    const text = readFileSync(log, 'utf8');
    assert.match(text, /login: iqn\.2026-11\.org\.iscsi-test:cli-initiator/);
    assert.match(text, /SIGTERM: stopping/);
    assert.match(text, /iscsi-target: stopped/);
  });

  describe('bad usage: a non-zero exit, one line on stderr, no stack trace', () => {
    let held: net.Server;
    let heldPort: number;
    before(async () => {
      held = net.createServer();
      await new Promise<void>((r) => held.listen(0, '127.0.0.1', () => r()));
      heldPort = (held.address() as net.AddressInfo).port;
    });
    after(() => held.close());

    const q = ['-f', '-a', '127.0.0.1', '-p', '0'];
    const cases: [string, () => string[], number, RegExp][] = [
      ['an unknown flag', () => [...q, '--bogus'], 2, /Unknown argument: bogus/],
      ['a bad --lun', () => [...q, '--lun', '0:tape:1G'], 2, /--lun 0:tape:1G: backing "tape" is not memory, sparse or file/],
      ['a --lun without a size', () => [...q, '--lun', '0:memory'], 2, /--lun 0:memory: expected 0:memory:SIZE/],
      ['the same LUN twice', () => [...q, '--lun', '0:memory:1M', '--lun', '0:sparse:1M'], 2, /LUN 0 .*twice/],
      ['both -c and --lun', () => [...q, '-c', SAMPLE, '--lun', '0:memory:1M'], 2, /give either -c\/--config or --target\/--lun, not both/],
      ['both -c and --target', () => [...q, '-c', SAMPLE, '--target', IQN], 2, /not both/],
      ['a config file that does not exist', () => [...q, '-c', '/nonexistent/iscsi.conf'], 2, /\/nonexistent\/iscsi\.conf: cannot read: ENOENT/],
      ['a target name that is not an iSCSI name', () => [...q, '--target', 'disk1'], 2, /--target disk1: not an iSCSI name/],
      ['a digest that does not exist', () => [...q, '--header-digest', 'MD5'], 2, /--header-digest: HeaderDigest MD5: "MD5" is not one of CRC32C, None/],
      ['a port out of range', () => ['-f', '-a', '127.0.0.1', '-p', '70000'], 2, /-p\/--port 70000: expected a port number 0\.\.65535/],
      ['a port that is not a number', () => ['-f', '-a', '127.0.0.1', '-p', 'http'], 2, /-p\/--port http: expected a port number 0\.\.65535/],
      ['a negative NOP-In interval', () => [...q, '--nop-interval', '-5'], 2, /--nop-interval -5: expected a whole number of seconds/],
      ['a debug level that is not a number', () => [...q, '-d', 'lots'], 2, /-d\/--debug lots: expected a whole number/],
      ['an unknown quirk', () => [...q, '--quirk', 'bogus'], 2, /unknown quirk bogus/],
      [
        'an iSNS server that is not HOST[:PORT]',
        () => [...q, '--isns', 'isns.example.org:99999'],
        2,
        /iSNS server "isns\.example\.org:99999": expected HOST\[:PORT\]/,
      ],
      ['iSNS access control without an iSNS server', () => [...q, '--isns-access-control'], 2, /iSNS access control needs an iSNS server/],
      ['a short CHAP secret', () => [...q, '--chap', 'alice:short'], 2, /--chap: a CHAP secret must be at least 12 characters/],
      [
        'a CHAP secret file that does not exist',
        () => [...q, '--chap', 'alice:@/nonexistent/secret'],
        2,
        /--chap: cannot read the secret file \/nonexistent\/secret \(ENOENT\)/,
      ],
      ['--discovery-chap without --chap', () => [...q, '--discovery-chap'], 2, /--discovery-chap needs --chap/],
      [
        'one secret for --chap and --mutual-chap',
        () => [...q, '--chap', 'alice:@SECRET', '--mutual-chap', 'tgt:@SECRET'],
        2,
        /OutgoingUser tgt .* has the same CHAP secret as IncomingUser alice .*RFC 7143 9\.2\.1/,
      ],
      ['an address this host does not have', () => ['-f', '-a', '192.0.2.1', '-p', '3260'], 1, /cannot listen on 192\.0\.2\.1:3260: EADDRNOTAVAIL/],
      ['a port already in use', () => ['-f', '-a', '127.0.0.1', '-p', String(heldPort)], 1, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/],
      ['a daemon that cannot bind', () => ['-a', '127.0.0.1', '-p', String(heldPort)], 1, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/],
    ];
    for (const [name, args, code, re] of cases) {
      it(name, async () => {
        const secret = join(dir, 'secret');
        writeFileSync(secret, 'shared-secret-4567\n');
        const r = await run(process.execPath, [BIN, ...args().map((a) => a.replace('@SECRET', `@${secret}`))], { timeoutMs: 10_000 });
        assert.equal(r.code, code, `exit status (stderr: ${r.stderr})`);
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `stderr is not one line:\n${r.stderr}`);
        assert.match(lines[0]!, /^iscsi-target: /);
        assert.match(lines[0]!, re);
        assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at |Error: /, 'a stack trace or an error class in the output');
        assert.doesNotMatch(r.stdout, /listening/);
      });
    }
  });

  describe('CHAP secrets kept out of the process list', () => {
    const ALICE = { user: 'alice', secret: 'alice-secret-1234' };
    const TGT = { user: 'tgt', secret: 'target-secret-5678' };
    const quick = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const p = start(process.execPath, [BIN, '-f', '-a', '127.0.0.1', '-p', '0', '--target', IQN, ...args], { env: { ...process.env, ...env } });
      procs.push(p);
      return p;
    };

    it('USER:@FILE for --chap and --mutual-chap: no warning, and mutual CHAP logins work; --discovery-chap makes discovery need the account too', async () => {
      writeFileSync(join(dir, 'alice'), `${ALICE.secret}\n`);
      writeFileSync(join(dir, 'tgt'), `${TGT.secret}\n`);
      const p = quick(['--chap', `alice:@${join(dir, 'alice')}`, '--mutual-chap', `tgt:@${join(dir, 'tgt')}`, '--discovery-chap']);
      const port = await listening(p);
      assert.doesNotMatch(p.output(), /warning/);
      const s = await Session.open({
        host: '127.0.0.1',
        port,
        initiatorName: INIT,
        targetName: IQN,
        timeoutMs: 5000,
        loginTimeoutMs: 5000,
        chap: ALICE,
        targetChap: TGT,
      });
      sessions.push(s);
      const base = { host: '127.0.0.1', port, initiatorName: INIT, timeoutMs: 5000 };
      await assert.rejects(discover(base), /authentication|Authentication|CHAP/, 'a discovery session without CHAP was accepted');
      const found = await discover({ ...base, chap: ALICE, targetChap: TGT });
      assert.deepEqual(
        found.map((t) => t.name),
        [IQN],
      );
    });

    it('without --discovery-chap a discovery session needs no authentication (as the README says)', async () => {
      const p = quick(['--chap', 'alice:alice-secret-1234']);
      const port = await listening(p);
      const found = await discover({ host: '127.0.0.1', port, initiatorName: INIT, timeoutMs: 5000 });
      assert.deepEqual(
        found.map((t) => t.name),
        [IQN],
      );
    });

    it('a literal secret on the command line works but warns, naming what to use instead', async () => {
      const p = quick(['--chap', 'alice:alice-secret-1234']);
      await listening(p);
      assert.match(
        p.output(),
        /iscsi-target: warning: the --chap secret is visible to every local user in the process list; give USER:@FILE or ISCSI_TARGET_CHAP instead/,
      );
    });

    it('ISCSI_TARGET_CHAP supplies the account when --chap is not given', async () => {
      const p = quick([], { ISCSI_TARGET_CHAP: `${ALICE.user}:${ALICE.secret}` });
      const port = await listening(p);
      assert.doesNotMatch(p.output(), /warning/);
      await assert.rejects(
        Session.open({ host: '127.0.0.1', port, initiatorName: INIT, targetName: IQN, timeoutMs: 5000, loginTimeoutMs: 5000 }),
        /CHAP|uthentication/,
      );
      const s = await Session.open({ host: '127.0.0.1', port, initiatorName: INIT, targetName: IQN, timeoutMs: 5000, loginTimeoutMs: 5000, chap: ALICE });
      sessions.push(s);
    });
  });

  it('--list-quirks prints every quirk with its layer and effect, sorted', async () => {
    const r = await run(process.execPath, [BIN, '--list-quirks'], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const names = lines.map((l) => l.split(/\s+/)[0]!);
    assert.deepEqual(
      names,
      allQuirks().map((q) => q.name),
    );
    assert.deepEqual(names, [...names].sort());
    for (const q of allQuirks()) {
      const line = lines.find((l) => l.startsWith(`${q.name} `))!;
      assert.match(line, new RegExp(`^${q.name}\\s+${q.layer}\\s+`));
      assert.ok(line.endsWith(q.effect), line);
    }
    assert.ok(names.includes('no-reject') && names.includes('cmdsn-window-ignored'));
  });

  it('-h prints the usage and exits 0', async () => {
    const r = await run(process.execPath, [BIN, '-h'], { timeoutMs: 10_000 });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /iscsi-target \[options\]/);
    for (const f of ['--config', '--address', '--port', '--foreground', '--debug', '--uid', '--gid', '--lun', '--quirk', '--list-quirks'])
      assert.ok(r.stdout.includes(f), f);
  });
});
