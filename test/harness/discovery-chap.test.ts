/**
 * A run whose URL carries mutual-CHAP credentials (target_user/target_password, the target node's own
 * account) must not demand mutual CHAP from a discovery session, which the portal answers with its own
 * discovery account or none: iSCSISendTargets.Invalid once failed so ("target chose AuthMethod=None but
 * mutual CHAP was required") against a reference target whose discovery sessions need no CHAP.
 */
import { strict as assert } from 'node:assert';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import type { RunningTarget } from '../../reference-target/index.js';
import { chapUrl, configFor, refTarget } from './support/targets.js';

describe('discovery sessions of a run with mutual-CHAP credentials', function () {
  this.timeout(120_000);
  let target: RunningTarget;
  let reg: Registry;

  before(async () => {
    target = await refTarget({ standardLuns: true });
    reg = await Registry.load([defaultSuitesDir()]);
  });
  after(async () => {
    await target?.stop();
  });

  it('every iSCSISendTargets test passes against the CHAP-protected node with target_user/target_password in the URL', async () => {
    const plan = select(reg, { tests: ['*.iSCSISendTargets.*'] });
    assert.ok(
      plan.some((p) => p.test.key === 'iSCSISendTargets.Invalid'),
      'iSCSISendTargets.Invalid is registered',
    );
    const rep = await runTests({ plan, config: configFor(chapUrl(`127.0.0.1:${target.port}`)), reporters: [] });
    const bad = rep.results.filter((r) => r.verdict !== 'pass').map((r) => `${r.id}: ${r.verdict} ${r.message ?? ''}`);
    assert.deepEqual(bad, []);
  });
});
