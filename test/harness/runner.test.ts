/**
 * Harness self-tests in the spirit of xfstests' selftest: tests with known outcomes run against a fake
 * target (the reference target behind a proxy that misbehaves on chosen commands), and the runner must
 * classify each one: pass, fail (with the expected-versus-got message), skip (with its reason), error
 * (harness or environment broke), a hang (fails with "did not answer", and the run goes on with a fresh
 * session), warn (SHOULD; fail with --strict), and the read-back integrity check.
 */
import { strict as assert } from 'node:assert';
import { Registry, defineSuite, type Suite } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import { probe } from '../../harness/probe.js';
import { Session } from '../../harness/initiator/index.js';
import type { TestSession } from '../../harness/session-api.js';
import { sessionOptions, type RunConfig } from '../../harness/target-under-test.js';
import type { RunReport, TestResult } from '../../harness/results.js';
import { LBA_OUT_OF_RANGE } from '../../harness/expect.js';
import { Asc, inquiry, Op, read10, read12, SenseKey, testUnitReady, write10 } from '../../protocol/scsi/index.js';
import type { RunningTarget } from '../../reference-target/index.js';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';
import { junitXml } from '../../reporters/junit.js';
import { Proxy, sense } from './support/proxy.js';
import { configFor, REF_IQN, refTarget } from './support/targets.js';

const XSD = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/junit/jenkins-junit.xsd');
const lbaOf = (cdb: Buffer) => cdb.readUInt32BE(2);
const isRead10At = (lba: number) => (cdb: Buffer) => cdb[0] === Op.READ_10 && lbaOf(cdb) === lba;

/** A suite named after READ(10): its tests check READ(10) itself, so a missing mandatory READ(10) fails them. */
function read10Suite(): Suite {
  const s = defineSuite('Read10', { families: ['SCSI'], clause: 'SBC-4 READ (10) command' });
  s.test('FailMandatory', { doc: 'READ(10), answered INVALID COMMAND OPERATION CODE: mandatory and the suite checks it, so a failure.' }, async (t) => {
    await t.command(read10({ lba: 5, blocks: 1 }));
  });
  return s;
}

function selfTestSuite(): Suite {
  const s = defineSuite('SelfTest', { families: ['SCSI'], clause: 'SPC-5 TEST UNIT READY' });
  s.test('Pass', { doc: 'TEST UNIT READY, GOOD: must pass.' }, async (t) => {
    await t.command(testUnitReady());
  });
  s.test(
    'Fail',
    { doc: 'READ(10) past the end that the fake target answers GOOD: must fail with the expected-versus-got message.', needs: ['capacity'] },
    async (t) => {
      await t.command(read10({ lba: t.dev.blocks, blocks: 1 }), { expect: LBA_OUT_OF_RANGE });
    },
  );
  s.test('SkipNeed', { doc: 'Needs a removable medium, which the fake target lacks: skipped before it runs.', needs: ['removable'] }, async () => {
    throw new Error('must not run');
  });
  s.test('SkipUnimplemented', { doc: 'READ(12), answered INVALID COMMAND OPERATION CODE: optional, so skipped.' }, async (t) => {
    await t.command(read12({ lba: 3, blocks: 1 }));
  });
  s.test('SkipMandatoryUsed', { doc: 'READ(10), answered INVALID COMMAND OPERATION CODE: mandatory, but this suite only uses it, so a skip.' }, async (t) => {
    await t.command(read10({ lba: 5, blocks: 1 }));
  });
  s.test('ErrorThrow', { doc: 'The body throws a TypeError: a harness/test error, not a target failure.' }, async () => {
    (undefined as unknown as { x: number }).x;
  });
  s.test('ErrorWriteRule', { doc: 'Writes without declaring dataloss: a harness error, and nothing is sent.' }, async (t) => {
    await t.command(write10({ lba: 0, blocks: 1 }));
  });
  s.test('ErrorRawWriteRule', { doc: 'Writes through the raw session without declaring dataloss: still a harness error.' }, async (t) => {
    await t.session.command({ cdb: write10({ lba: 0, blocks: 1 }), dataOut: Buffer.alloc(t.dev.blockSize) });
  });
  s.test('Hang', { doc: 'READ(10) the fake target never answers: fails at the time limit, naming the command.', timeout: 2 }, async (t) => {
    await t.command(read10({ lba: 9, blocks: 1 }));
  });
  s.test('AfterHang', { doc: 'The next test gets a fresh session and passes.' }, async (t) => {
    await t.command(testUnitReady());
  });
  s.test('Disconnect', { doc: 'The fake target drops the connection on a READ(10): the test fails, naming the command once.' }, async (t) => {
    await t.command(read10({ lba: 13, blocks: 1 }));
  });
  s.test('AfterDisconnect', { doc: 'The next test gets a fresh session and passes.' }, async (t) => {
    await t.command(testUnitReady());
  });
  s.test('BodyHang', { doc: 'The body waits for nothing the target owes: an error at the time limit.', timeout: 1 }, async () => {
    await new Promise(() => undefined);
  });
  s.test('ShouldLevel', { doc: 'A SHOULD-level test that fails: a warning (a failure with --strict).', level: 'SHOULD' }, async (t) => {
    t.fail('the device should have done better');
  });
  s.test('ShouldCheck', { doc: 'A MUST test with a failed SHOULD check: a warning (a failure with --strict).' }, async (t) => {
    t.should(false, 'a recommendation was not followed');
    await t.command(testUnitReady());
  });
  s.test(
    'Integrity',
    { doc: 'Writes LBA 100; the fake target corrupts what reads return there: the read-back check fails.', needs: ['dataloss', 'capacity'] },
    async (t) => {
      await t.command(write10({ lba: 100, blocks: 2 }));
    },
  );
  s.test('TwoNexuses', { doc: 'Needs two I_T nexuses: the second session is logged in as --initiator-name-2.', needs: ['twoInitiators'] }, async (t) => {
    // The harness's own test looks behind the interface at the initiator's options.
    const name = (x: TestSession) => (x as Session).options.initiatorName;
    t.equal(name(t.session2), t.config.initiatorName2, 'initiator name of the second session');
    t.equal(name(t.session), t.config.initiatorName, 'initiator name of the first session');
    t.check(t.session2.login.isid !== t.session.login.isid || name(t.session2) !== name(t.session), 'two distinct nexuses');
    await t.command(testUnitReady(), { session: t.session2 });
  });
  s.test('SecondUndeclared', { doc: 'Uses the second nexus without declaring twoInitiators: a harness error.' }, async (t) => {
    await t.command(testUnitReady(), { session: t.session2 });
  });
  s.test(
    'Helpers',
    { doc: 'readBlocks returns what was written; unitAttentions drains the unit attentions of a new nexus.', needs: ['dataloss', 'capacity'] },
    async (t) => {
      const data = t.pattern(300, 2);
      await t.command(write10({ lba: 300, blocks: 2 }), { dataOut: data });
      t.check((await t.readBlocks(300, 2)).equals(data), 'readBlocks returns what was written');
      const s = await t.login({ initiatorName: 'iqn.2026-11.org.iscsi-test:ua-probe' });
      const uas = await t.unitAttentions(s);
      t.check(uas.length >= 1 && uas.every((u) => u.key === SenseKey.UNIT_ATTENTION), `a new nexus reports a unit attention (got ${uas.length})`);
      t.equal((await t.unitAttentions(s)).length, 0, 'unit attentions left after draining');
    },
  );
  s.test('DatalossOk', { doc: 'Writes with dataloss declared: the read-back check passes.', needs: ['dataloss', 'capacity'] }, async (t) => {
    await t.command(write10({ lba: 200, blocks: 4 }));
  });
  return s;
}

/** Tests of the per-command limit: the fake target never answers READ(10) at LBA 9. */
function silentSuite(): Suite {
  const s = defineSuite('Silent', { families: ['SCSI'], clause: 'SPC-5 TEST UNIT READY' });
  s.test('Unanswered', { doc: 'READ(10) the fake target never answers: fails at --command-timeout, not at the 20 s test limit.' }, async (t) => {
    await t.command(read10({ lba: 9, blocks: 1 }));
  });
  s.test('OwnLimit', { doc: 'The same in a test with its own limit of 2 s: its commands may take that long.', timeout: 2 }, async (t) => {
    await t.command(read10({ lba: 9, blocks: 1 }));
  });
  s.test('After', { doc: 'The next test gets a fresh session and passes.' }, async (t) => {
    await t.command(testUnitReady());
  });
  return s;
}

const byName = (r: RunReport) => new Map<string, TestResult>(r.results.map((x) => [x.name, x]));

describe('harness runner self-tests (fake target: reference target behind a misbehaving proxy)', function () {
  this.timeout(120_000);
  let target: RunningTarget;
  let proxy: Proxy;
  const reg = new Registry([selfTestSuite(), read10Suite()]);
  const plan = select(reg, { tests: ['SCSI.SelfTest', 'SCSI.Read10'] });

  before(async () => {
    target = await refTarget();
    proxy = await Proxy.start({ host: '127.0.0.1', port: target.port });
  });
  after(async () => {
    await proxy?.stop();
    await target?.stop();
  });
  beforeEach(() => {
    proxy.rules.length = 0;
    proxy.refuseConnections = false;
    proxy.rules.push(
      { match: (c) => c[0] === Op.READ_10 && c.readUInt32BE(2) >= 131072, reply: () => ({ status: 0, data: Buffer.alloc(512) }) },
      { match: (c) => c[0] === Op.READ_12, reply: () => ({ status: 2, sense: sense(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE) }) },
      { match: isRead10At(5), reply: () => ({ status: 2, sense: sense(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE) }) },
      { match: isRead10At(9), drop: true },
      { match: isRead10At(13), close: true },
      {
        match: (c) => c[0] === Op.READ_10 && lbaOf(c) <= 100 && lbaOf(c) + c.readUInt16BE(7) > 100,
        dataIn: (d, c) => {
          const at = (100 - lbaOf(c)) * 512;
          if (at < d.length) d[at + 20]! ^= 0xff;
          return d;
        },
      },
    );
  });

  const run = (cfg: Partial<RunConfig> = {}) => runTests({ plan, config: configFor(proxy.url(REF_IQN, 0), cfg), reporters: [] });

  it('classifies pass, fail, skip, error, hang, warn and the read-back check', async () => {
    const writes = proxy.seen.length;
    const report = await run();
    const r = byName(report);
    const v = (n: string) => `${r.get(n)?.verdict}: ${r.get(n)?.message ?? ''}`;
    assert.equal(r.get('Pass')!.verdict, 'pass', v('Pass'));
    assert.equal(r.get('Fail')!.verdict, 'fail', v('Fail'));
    assert.equal(r.get('Fail')!.message, 'READ(10) LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD');
    assert.equal(r.get('SkipNeed')!.verdict, 'skip');
    assert.equal(r.get('SkipNeed')!.message, 'medium is not removable (RMB=0)');
    assert.equal(r.get('SkipUnimplemented')!.verdict, 'skip', v('SkipUnimplemented'));
    assert.equal(r.get('SkipUnimplemented')!.message, 'target does not implement READ(12)');
    assert.equal(r.get('SkipMandatoryUsed')!.verdict, 'skip', v('SkipMandatoryUsed'));
    assert.match(
      r.get('SkipMandatoryUsed')!.message!,
      /^target does not implement READ\(10\), which is mandatory \(SBC-4 .*\): the Read10 and Mandatory suites fail for that$/,
    );
    assert.equal(r.get('FailMandatory')!.verdict, 'fail', v('FailMandatory'));
    assert.match(
      r.get('FailMandatory')!.message!,
      /^READ\(10\) LBA=5 LEN=1: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID COMMAND OPERATION CODE: READ\(10\) is mandatory \(SBC-4 5\.16/,
    );
    assert.equal(r.get('ErrorThrow')!.verdict, 'error', v('ErrorThrow'));
    assert.match(r.get('ErrorThrow')!.message!, /^harness or test code threw TypeError/);
    assert.ok(r.get('ErrorThrow')!.stack);
    assert.equal(r.get('ErrorWriteRule')!.verdict, 'error', v('ErrorWriteRule'));
    assert.match(r.get('ErrorWriteRule')!.message!, /sent WRITE\(10\), which changes the medium, without declaring needs: \['dataloss'\]/);
    assert.equal(r.get('ErrorRawWriteRule')!.verdict, 'error', v('ErrorRawWriteRule'));
    assert.match(r.get('ErrorRawWriteRule')!.message!, /without declaring needs: \['dataloss'\]/);
    assert.equal(r.get('Hang')!.verdict, 'fail', v('Hang'));
    assert.equal(r.get('Hang')!.message, 'target did not answer READ(10) LBA=9 LEN=1 within 2 s');
    assert.equal(r.get('AfterHang')!.verdict, 'pass', v('AfterHang'));
    assert.equal(r.get('Disconnect')!.verdict, 'fail', v('Disconnect'));
    assert.match(r.get('Disconnect')!.message!, /^READ\(10\) LBA=13 LEN=1: [^R]*closed the connection/);
    assert.equal(r.get('Disconnect')!.message!.split('READ(10) LBA=13').length, 2, `the command is named more than once: ${v('Disconnect')}`);
    assert.equal(r.get('AfterDisconnect')!.verdict, 'pass', v('AfterDisconnect'));
    assert.equal(r.get('BodyHang')!.verdict, 'error', v('BodyHang'));
    assert.match(r.get('BodyHang')!.message!, /did not finish within 1 s and no request was outstanding/);
    assert.equal(r.get('ShouldLevel')!.verdict, 'warn', v('ShouldLevel'));
    assert.equal(r.get('ShouldCheck')!.verdict, 'warn', v('ShouldCheck'));
    assert.deepEqual(r.get('ShouldCheck')!.warnings, ['a recommendation was not followed']);
    assert.equal(r.get('Integrity')!.verdict, 'fail', v('Integrity'));
    assert.match(
      r.get('Integrity')!.message!,
      /^data integrity: LBA 100 does not read back what WRITE\(10\) LBA=100 LEN=2 wrote \(first difference at byte 20/,
    );
    assert.equal(r.get('DatalossOk')!.verdict, 'pass', v('DatalossOk'));
    assert.equal(r.get('TwoNexuses')!.verdict, 'pass', v('TwoNexuses'));
    assert.equal(r.get('Helpers')!.verdict, 'pass', v('Helpers'));
    assert.equal(r.get('SecondUndeclared')!.verdict, 'error', v('SecondUndeclared'));
    assert.match(r.get('SecondUndeclared')!.message!, /uses t\.session2 without declaring needs: \['twoInitiators'\]/);
    // No WRITE(10) left the harness for the tests that broke the dataloss rule: only the two allowed ones.
    const sentWrites = proxy.seen
      .slice(writes)
      .filter((c) => c[0] === Op.WRITE_10)
      .map((c) => lbaOf(c));
    assert.deepEqual(
      sentWrites.sort((a, b) => a - b),
      [100, 200, 300],
    );
    // Mocha ran them in order, each once.
    assert.deepEqual(
      [...r.keys()],
      plan.map((p) => p.test.name),
    );
    // Every kind of verdict in one JUnit document: it validates against the Jenkins schema.
    const xml = junitXml(report);
    const valid = await validateXML({
      xml: [{ fileName: 'junit.xml', contents: xml }],
      schema: [{ fileName: 'jenkins-junit.xsd', contents: readFileSync(XSD, 'utf8') }],
    });
    assert.ok(valid.valid, `schema errors: ${JSON.stringify(valid.errors)}`);
    assert.match(xml, /<testcase classname="SCSI\.SelfTest" name="ErrorThrow" time="[0-9.]+"><error message="harness or test code threw TypeError/);
    assert.match(
      xml,
      /<testcase classname="SCSI\.SelfTest" name="ShouldLevel" time="[0-9.]+"><system-out>WARNING \(SHOULD, SPC-5 TEST UNIT READY\): the device should have done better/,
    );
    assert.match(xml, /<skipped message="medium is not removable \(RMB=0\)"\/>/);
    assert.match(xml, /<failure message="target did not answer READ\(10\) LBA=9 LEN=1 within 2 s" type="MUST">/);
  });

  it('--strict turns SHOULD-level warnings into failures', async () => {
    const r = byName(await run({ strict: true }));
    assert.equal(r.get('ShouldLevel')!.verdict, 'fail');
    assert.equal(r.get('ShouldCheck')!.verdict, 'fail');
    assert.match(r.get('ShouldCheck')!.message!, /a recommendation was not followed \(SHOULD; --strict\)/);
  });

  it('without --dataloss, tests that write are skipped with that reason and never run', async () => {
    const before = proxy.seen.length;
    const r = byName(await run({ dataloss: false }));
    assert.equal(r.get('Integrity')!.verdict, 'skip');
    assert.equal(r.get('Integrity')!.message, '--dataloss not given');
    assert.equal(r.get('DatalossOk')!.message, '--dataloss not given');
    assert.equal(proxy.seen.slice(before).filter((c) => c[0] === Op.WRITE_10).length, 0);
  });

  it('a test whose session cannot log in fails (no answer); after three such tests in a row the run stops and the rest are not run', async () => {
    const s = await Session.open(sessionOptions(configFor(proxy.url(REF_IQN, 0)), 'iqn.2026-11.org.iscsi-test:probe'));
    const facts = await probe(s);
    await s.close();
    proxy.refuseConnections = true;
    const rep = await runTests({ plan: plan.slice(0, 6), config: configFor(proxy.url(REF_IQN, 0)), reporters: [], facts });
    const verdicts = rep.results.map((x) => x.verdict);
    assert.deepEqual(verdicts, ['fail', 'fail', 'skip', 'fail', 'skip', 'skip']);
    assert.match(rep.results[0]!.message!, /^could not log in for this test/);
    assert.equal(rep.results[2]!.message, 'medium is not removable (RMB=0)', 'a test skipped for its needs neither counts nor breaks the row');
    assert.match(
      rep.results[4]!.message!,
      /^not run: the target stopped responding \(3 tests in a row got no answer; last: SCSI\.SelfTest\.SkipUnimplemented: could not log in/,
    );
    assert.match(rep.stopped!, /^the target stopped responding/);
  });

  it("a target that answers the probe but not the first command of a test's session fails each test within --command-timeout, and the run stops after --max-unanswered", async () => {
    const s = await Session.open(sessionOptions(configFor(proxy.url(REF_IQN, 0)), 'iqn.2026-11.org.iscsi-test:probe'));
    const facts = await probe(s);
    await s.close();
    proxy.rules.push({ match: (c) => c[0] === Op.TEST_UNIT_READY, drop: true });
    const started = Date.now();
    const rep = await runTests({
      plan: plan.slice(0, 5),
      config: configFor(proxy.url(REF_IQN, 0), { commandTimeoutMs: 1000, maxUnanswered: 2 }),
      reporters: [],
      facts,
    });
    assert.deepEqual(
      rep.results.map((x) => x.verdict),
      ['fail', 'fail', 'skip', 'skip', 'skip'],
    );
    assert.equal(rep.results[0]!.message, "target did not answer TEST UNIT READY, the first command of the test's session, within 1 s");
    assert.ok(rep.results.slice(0, 2).every((r) => r.noAnswer));
    assert.match(rep.results[3]!.message!, /^not run: the target stopped responding \(2 tests in a row/);
    assert.ok(Date.now() - started < 15_000, `two silent tests took ${Date.now() - started} ms: the test limit (20 s) was waited out`);
  });

  it('a command the target leaves unanswered fails its test at --command-timeout, naming it; the next test passes', async () => {
    const reg2 = new Registry([silentSuite()]);
    const started = Date.now();
    const rep = await runTests({
      plan: select(reg2, { tests: ['SCSI.Silent'] }),
      config: configFor(proxy.url(REF_IQN, 0), { commandTimeoutMs: 1000 }),
      reporters: [],
    });
    const r = byName(rep);
    assert.equal(r.get('Unanswered')!.verdict, 'fail');
    assert.equal(r.get('Unanswered')!.message, 'target did not answer READ(10) LBA=9 LEN=1 within 1 s (--command-timeout)');
    assert.equal(r.get('OwnLimit')!.verdict, 'fail');
    assert.equal(
      r.get('OwnLimit')!.message,
      'target did not answer READ(10) LBA=9 LEN=1 within 2 s',
      'a command of a test with its own time limit may take that long',
    );
    assert.equal(r.get('After')!.verdict, 'pass');
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    assert.equal(rep.stopped, undefined, 'a passing test breaks the row');
  });

  it('t.waitWhileNotReady polls through NOT READY (a sanitize) and unit attentions, and is bounded', async () => {
    // INQUIRY with ALLOCATION LENGTH 77 arms the fake target: the next 3 TEST UNIT READYs are SANITIZE IN
    // PROGRESS; with 78, all of them.
    let left = 0;
    proxy.rules.push(
      {
        match: (c) => (
          c[0] === Op.INQUIRY && (c.readUInt16BE(3) === 77 || c.readUInt16BE(3) === 78) && (left = c.readUInt16BE(3) === 77 ? 3 : 1_000_000),
          false
        ),
      },
      {
        match: (c) => c[0] === Op.TEST_UNIT_READY && left-- > 0,
        reply: () => ({ status: 2, sense: sense(SenseKey.NOT_READY, Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS) }),
      },
    );
    const s = defineSuite('WaitSelfTest', { families: ['SCSI'], clause: 'SBC-4 4.11' });
    s.test('Ends', { doc: 'Three polls see SANITIZE IN PROGRESS, the fourth GOOD.' }, async (t) => {
      await t.command(inquiry({ alloc: 77 }));
      const w = await t.waitWhileNotReady(Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS, { everyMs: 10 });
      t.equal(w.polls, 4, 'polls');
      t.equal(w.result.status, 0, 'status of the last poll');
    });
    s.test('Bounded', { doc: 'SANITIZE IN PROGRESS never ends: the test fails at the limit.' }, async (t) => {
      await t.command(inquiry({ alloc: 78 }));
      await t.waitWhileNotReady(Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS, { everyMs: 20, limitMs: 200 });
    });
    const rep = await runTests({ plan: select(new Registry([s]), { tests: ['SCSI.WaitSelfTest'] }), config: configFor(proxy.url(REF_IQN, 0)), reporters: [] });
    const r = byName(rep);
    assert.equal(r.get('Ends')!.verdict, 'pass', r.get('Ends')!.message);
    assert.equal(r.get('Bounded')!.verdict, 'fail');
    assert.match(
      r.get('Bounded')!.message!,
      /still reports CHECK CONDITION NOT READY\/.*SANITIZE IN PROGRESS after .* TEST UNIT READY polls\): the wait for .* is bounded/,
    );
  });

  it('a target that cannot be reached before any test is exit code 3', async () => {
    proxy.refuseConnections = true;
    await assert.rejects(run(), (e: Error & { exitCode?: number }) => e.exitCode === 3 && /cannot log in|cannot reach|closed/.test(e.message));
  });
});
