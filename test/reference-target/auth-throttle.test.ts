/**
 * Repeated CHAP failures of one initiator are answered ever later (reference-target/auth-throttle.ts):
 * the table alone with a fake clock, then a real target, where the fourth wrong login of a name waits about
 * a second while another name's failure and a correct login are answered at once.
 */
import { strict as assert } from 'node:assert';
import { Session } from '../../harness/initiator/index.js';
import { AUTH_DELAY_MAX_MS, AUTH_FAILURE_WINDOW_MS, AuthThrottle } from '../../reference-target/auth-throttle.js';
import { startTarget, type RunningTarget } from '../../reference-target/index.js';

describe('reference target: repeated authentication failures are slowed', function () {
  this.timeout(60_000);

  it('three failures are free, then 1 s doubling to 8 s; a success or the window ends the count; the table is bounded', () => {
    let now = 0;
    const t = new AuthThrottle(() => now);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map(() => t.failed('a')),
      [0, 0, 0, 1000, 2000, 4000, AUTH_DELAY_MAX_MS, AUTH_DELAY_MAX_MS],
    );
    assert.equal(t.failed('b'), 0, 'another initiator is not slowed');
    t.succeeded('a');
    assert.equal(t.failed('a'), 0);
    for (let i = 0; i < 3; i++) t.failed('c');
    now += AUTH_FAILURE_WINDOW_MS;
    assert.equal(t.failed('c'), 0, 'failures older than the window are forgotten');
    for (let i = 0; i < 5000; i++) t.failed(`name-${i}`);
    assert.ok(t.size <= 1024, `${t.size} names kept`);
  });

  describe('on a target', () => {
    const IQN = 'iqn.2026-11.org.iscsi-test:throttle';
    const GOOD = { user: 'alice', secret: 'alice-secret-1234' };
    const BAD = { user: 'alice', secret: 'wrong-secret-9876' };
    let target: RunningTarget;
    before(async () => {
      target = await startTarget({ targets: [{ iqn: IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], chap: GOOD }] });
    });
    after(async () => target?.stop());

    const login = async (initiatorName: string, chap: { user: string; secret: string }) => {
      const t0 = Date.now();
      try {
        const s = await Session.open({ host: '127.0.0.1', port: target.port, targetName: IQN, initiatorName, chap, timeoutMs: 15_000, loginTimeoutMs: 15_000 });
        await s.close();
        return { ok: true, ms: Date.now() - t0 };
      } catch {
        return { ok: false, ms: Date.now() - t0 };
      }
    };

    it('the fourth wrong CHAP login of one initiator waits about 1 s, the fifth about 2 s; another initiator and a correct login are not held', async () => {
      const name = 'iqn.2026-11.org.iscsi-test:guesser';
      const tries = [];
      for (let i = 0; i < 5; i++) tries.push(await login(name, BAD));
      assert.ok(
        tries.every((x) => !x.ok),
        'a wrong secret was accepted',
      );
      assert.ok(
        tries.slice(0, 3).every((x) => x.ms < 900),
        `the first three failures were held: ${tries.map((x) => x.ms).join(', ')} ms`,
      );
      assert.ok(tries[3]!.ms >= 950 && tries[4]!.ms >= 1950, `the fourth and fifth failures were not held: ${tries.map((x) => x.ms).join(', ')} ms`);
      const other = await login('iqn.2026-11.org.iscsi-test:someone-else', BAD);
      assert.ok(!other.ok && other.ms < 900, `another initiator's failure took ${other.ms} ms`);
      const right = await login(name, GOOD);
      assert.ok(right.ok && right.ms < 900, `a correct login took ${right.ms} ms`);
      const after = await login(name, BAD);
      assert.ok(!after.ok && after.ms < 900, `the count survived a successful login: ${after.ms} ms`);
    });
  });
});
