/**
 * The bounded watch behind t.expectIscsi leaves nothing behind once its outcome is known. It used to keep a
 * 'closed' listener and a PDU waiter per call until their timers ran out, so a test that watched many requests in
 * a row piled them up and Node printed MaxListenersExceededWarning.
 */
import { strict as assert } from 'node:assert';
import { anyAnswer, observe } from '../../harness/iscsi-observe.js';
import { rawSessionOf } from '../../harness/raw-session.js';
import { Session } from '../../harness/initiator/index.js';
import { DEFAULT_INITIATOR, sessionOptions } from '../../harness/target-under-test.js';
import type { RunningTarget } from '../../reference-target/index.js';
import { configFor, REF_IQN, refTarget } from './support/targets.js';

/** The initiator's PDU waiters, looked at behind the interface: the point of this test is that none are left. */
const waiters = (s: Session): number => (s as unknown as { raw: { waiters: Set<unknown> } }).raw.waiters.size;

describe('harness: observing an iSCSI outcome cleans up after itself', function () {
  this.timeout(60_000);
  let target: RunningTarget;
  let session: Session;

  before(async () => {
    target = await refTarget();
    session = await Session.open(sessionOptions(configFor(`iscsi://127.0.0.1:${target.port}/${REF_IQN}/0`), DEFAULT_INITIATOR));
  });
  after(async () => {
    await session?.close().catch(() => undefined);
    await target?.stop();
  });

  it('40 answered pings in a row leave no closed listener and no waiter', async () => {
    const raw = rawSessionOf(session);
    const listeners = session.conn.listenerCount('closed');
    for (let i = 0; i < 40; i++) {
      const o = await observe(raw, (r) => r.session.nop({ data: Buffer.from('ping') }), anyAnswer, 5000);
      assert.equal(o.kind, 'pdu', `watch ${i}`);
    }
    assert.equal(session.conn.listenerCount('closed'), listeners);
    assert.equal(waiters(session), 0);
  });

  it('a watch that ends in silence leaves none either', async () => {
    const raw = rawSessionOf(session);
    const listeners = session.conn.listenerCount('closed');
    const o = await observe(
      raw,
      () => undefined,
      () => false,
      50,
    );
    assert.equal(o.kind, 'silence');
    assert.equal(session.conn.listenerCount('closed'), listeners);
    assert.equal(waiters(session), 0);
  });
});
