/**
 * The harness's multi-initiator support: clean-ups a test declares (`t.cleanup`) run on fresh sessions after
 * a failure and after a time-out; a clean-up that fails spoils a pass; a second nexus the target's ACL refuses
 * skips the test naming the refused initiator; and registrations an earlier aborted run left behind are
 * cleared before the first reservation test (with --dataloss only).
 */
import { strict as assert } from 'node:assert';
import { Registry, defineSuite, opcode, type Suite } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import { Session } from '../../harness/initiator/index.js';
import { keepReservationsClean, prReadKeys, prRegister } from '../../harness/reservations.js';
import { DEFAULT_INITIATOR, DEFAULT_INITIATOR_2, sessionOptions } from '../../harness/target-under-test.js';
import { Op, parseReadKeys, PrInSa, PrOutSa, persistentReserveIn, persistentReserveOut, proutParameterList, testUnitReady } from '../../protocol/scsi/index.js';
import { startTarget, type RunningTarget } from '../../reference-target/index.js';
import { configFor, REF_IQN } from './support/targets.js';

const KEY = 0xc1ea_0000_0000_0001n;

function cleanupSuite(): Suite {
  const s = defineSuite('CleanupSelfTest', { families: ['SCSI'], clause: 'SPC-5 6.17', needs: ['dataloss', opcode(Op.PERSISTENT_RESERVE_OUT)] });
  s.test('AfterFail', { doc: 'Registers a key, declares the clean-up, then fails: the key must be gone afterwards.' }, async (t) => {
    keepReservationsClean(t);
    await prRegister(t, KEY);
    t.fail('on purpose');
  });
  s.test(
    'AfterHang',
    { doc: 'Registers a key, declares the clean-up, then hangs until its time limit: the key must be gone afterwards.', timeout: 1 },
    async (t) => {
      keepReservationsClean(t);
      await prRegister(t, KEY);
      await new Promise(() => undefined);
    },
  );
  s.test('CleanupThrows', { doc: 'Passes, but its clean-up throws: an error naming the clean-up.' }, async (t) => {
    t.cleanup(() => {
      throw new Error('the clean-up broke');
    }, 'a clean-up that breaks');
    await t.command(testUnitReady());
  });
  s.test('Order', { doc: 'Two clean-ups run last first, each with a fresh logged-in session.' }, async (t) => {
    const seen: string[] = [];
    (globalThis as { cleanupOrder?: string[] }).cleanupOrder = seen;
    t.cleanup(async (c) => void seen.push(`first:${c.session.isOpen}`), 'first');
    t.cleanup(async (c) => void seen.push(`second:${c.session.isOpen}`), 'second');
  });
  s.test('Leftovers', { doc: 'Runs first in its plan: the key an earlier run left must have been cleared before it.' }, async (t) => {
    const k = await prReadKeys(t);
    t.equal(k.keys.length, 0, 'keys left at the start of the first reservation test');
  });
  s.test('Refused', { doc: 'Needs two nexuses where the ACL admits only the first name: skipped, naming the second.', needs: ['twoInitiators'] }, async (t) => {
    await t.command(testUnitReady(), { session: t.session2 });
  });
  return s;
}

describe('harness: clean-ups, more nexuses and leftover registrations', function () {
  this.timeout(120_000);
  let target: RunningTarget;
  const reg = new Registry([cleanupSuite()]);
  const url = () => `iscsi://127.0.0.1:${target.port}/${REF_IQN}/0`;
  const run = (names: string[], dataloss = true) =>
    runTests({ plan: select(reg, { tests: names.map((n) => `SCSI.CleanupSelfTest.${n}`) }), config: configFor(url(), { dataloss }), reporters: [] });

  before(async () => {
    target = await startTarget({
      address: '127.0.0.1',
      port: 0,
      targets: [{ iqn: REF_IQN, luns: [{ lun: 0, backing: 'memory', size: 16 << 20 }], allowInitiators: [DEFAULT_INITIATOR] }],
    });
  });
  after(async () => {
    await target?.stop();
  });

  async function keys(): Promise<bigint[]> {
    const s = await Session.open(sessionOptions(configFor(url()), DEFAULT_INITIATOR));
    try {
      for (let i = 0; i < 5; i++) if ((await s.command({ cdb: testUnitReady() })).status === 0) break;
      const r = await s.command({ cdb: persistentReserveIn({ sa: PrInSa.READ_KEYS, alloc: 1024 }), dataIn: 1024 });
      return parseReadKeys(r.data).keys;
    } finally {
      await s.close();
    }
  }

  it('runs the clean-up on a fresh session after a failure and after a time-out', async () => {
    const rep = await run(['AfterFail', 'AfterHang']);
    const [fail, hang] = rep.results;
    assert.equal(fail!.verdict, 'fail', fail!.message);
    assert.equal(hang!.verdict, 'error', hang!.message);
    assert.ok(
      hang!.log.some(([, l]) => l.startsWith('[clean-up]')),
      'the clean-up is narrated in the test log',
    );
    assert.deepEqual(await keys(), []);
  });

  it('a clean-up that throws turns a pass into an error; clean-ups run last first on open sessions', async () => {
    const rep = await run(['CleanupThrows', 'Order']);
    assert.equal(rep.results[0]!.verdict, 'error');
    assert.match(rep.results[0]!.message ?? '', /clean-up failed: a clean-up that breaks: the clean-up broke/);
    assert.equal(rep.results[1]!.verdict, 'pass', rep.results[1]!.message);
    assert.deepEqual((globalThis as { cleanupOrder?: string[] }).cleanupOrder, ['second:true', 'first:true']);
  });

  it('a second nexus the ACL refuses skips the test, naming the refused initiator', async () => {
    const rep = await run(['Refused']);
    const r = rep.results[0]!;
    assert.equal(r.verdict, 'skip', r.message);
    assert.ok(r.message?.includes(DEFAULT_INITIATOR_2) && r.message.includes('--initiator-name-2'), r.message);
  });

  it('clears registrations an earlier run left behind before the first reservation test, with --dataloss only', async () => {
    const leave = async () => {
      const s = await Session.open(sessionOptions(configFor(url()), DEFAULT_INITIATOR));
      for (let i = 0; i < 5; i++) if ((await s.command({ cdb: testUnitReady() })).status === 0) break;
      await s.command({ cdb: persistentReserveOut({ sa: PrOutSa.REGISTER }), dataOut: proutParameterList({ key: 0n, saKey: KEY }) });
      s.destroy();
    };
    await leave();
    const without = await run(['Leftovers'], false);
    assert.equal(without.results[0]!.verdict, 'skip');
    assert.deepEqual(await keys(), [KEY], 'nothing is cleared without --dataloss');
    const rep = await run(['Leftovers']);
    assert.equal(rep.results[0]!.verdict, 'pass', rep.results[0]!.message);
    assert.deepEqual(await keys(), []);
  });
});
