/**
 * Every conformance test passes against the reference target as it is, on every standard LUN kind (one
 * mocha test a LUN, each within its own time limit), the CHAP tests against the CHAP-protected node and the
 * iSNS tests against a target registered with the harness; and none is skipped on every kind (a feature the
 * reference target lacks). That each test can fail is failing.test.ts. Apart from it so that the two, the
 * longest files of `npm test`, run side by side.
 */
import { strict as assert } from 'node:assert';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import { chapUrl, configFor, REF_IQN, STANDARD_LUNS } from '../harness/support/targets.js';
import { nodeOf } from './failing/_support.js';
import { loadCases, needsOwnTarget, ReferenceTargets, runIsns } from './support/reference-runs.js';

describe('every conformance test passes against the reference target as it is', function () {
  this.timeout(600_000);
  const targets = new ReferenceTargets();
  let reg: Registry;

  // Tests whose defect needs the node to send NOP-In pings (TargetPing) only wait out their limit and skip on
  // the standard LUNs, whose node is not configured to ping (16 s a LUN); the configured run below runs them.
  let needPings: Set<string>;
  before(async () => {
    reg = await Registry.load([defaultSuitesDir()]);
    needPings = new Set(
      Object.entries(await loadCases())
        .filter(([, c]) => c.nopInterval)
        .map(([k]) => k.split(' ')[0]!),
    );
  });
  after(async () => {
    await targets.stop();
  });

  // Every test passes against the reference target as it is, on every standard LUN (one mocha test a LUN,
  // each within its own time limit), and runs (passes) on at least one of them.
  const ran = new Set<string>();
  const passed = (r: { id: string }) => ran.add(r.id.replace(/^[^.]+\./, ''));
  for (const lun of Object.keys(STANDARD_LUNS).map(Number)) {
    it(`every test passes against the reference target as it is on LUN ${lun} (${STANDARD_LUNS[lun]}), or skips`, async () => {
      const { proxy } = await targets.for([]);
      proxy.rules.length = 0;
      const bad: string[] = [];
      const plan = select(reg, {}).filter((p) => !needPings.has(p.test.key));
      const rep = await runTests({ plan, config: configFor(proxy.url(REF_IQN, lun), { sanitize: true }), reporters: [] });
      for (const r of rep.results) {
        if (r.verdict === 'pass') passed(r);
        else if (r.verdict !== 'skip') bad.push(`LUN ${lun} (${STANDARD_LUNS[lun]}) ${r.id}: ${r.verdict} ${r.message ?? ''}`);
      }
      assert.deepEqual(bad, []);
    });
  }

  it('every test that needs CHAP credentials passes against the CHAP-protected node, and every iSNS test and every test that stops the target against a target of its own registered with the harness', async () => {
    const { proxy } = await targets.for([]);
    proxy.rules.length = 0;
    const bad: string[] = [];
    const chapPlan = select(reg, {}).filter((p) => p.test.needs.includes('chap'));
    if (chapPlan.length) {
      const rep = await runTests({ plan: chapPlan, config: configFor(chapUrl(`127.0.0.1:${proxy.port}`), { sanitize: true }), reporters: [] });
      for (const r of rep.results) {
        if (r.verdict === 'pass') passed(r);
        else bad.push(`CHAP target ${r.id}: ${r.verdict} ${r.message ?? ''}`);
      }
    }
    const isnsPlan = select(reg, {}).filter(needsOwnTarget);
    if (isnsPlan.length) {
      for (const r of (await runIsns(isnsPlan, [])).results) {
        if (r.verdict === 'pass') passed(r);
        else bad.push(`iSNS ${r.id}: ${r.verdict} ${r.message ?? ''}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('every test whose defect needs the target configured (a failing/ Case with params, nopInterval, maxSessions or latencyMs) passes against the target configured so', async () => {
    const bad: string[] = [];
    for (const [key, c] of Object.entries(await loadCases())) {
      const node = nodeOf(c);
      if (!node) continue;
      const { proxy } = await targets.for([], node);
      proxy.rules.length = 0;
      const plan = select(reg, { tests: [`*.${key.split(' ')[0]}`] });
      const rep = await runTests({ plan, config: configFor(proxy.url(REF_IQN, c.lun ?? 0), { sanitize: true }), reporters: [] });
      for (const r of rep.results) {
        if (r.verdict === 'pass') passed(r);
        else bad.push(`${r.id} with ${JSON.stringify(node)}: ${r.verdict} ${r.message ?? ''}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('every test passes on at least one of them (none is skipped everywhere for a missing feature)', () => {
    const never = reg.tests.map((t) => t.key).filter((k) => !ran.has(k));
    assert.deepEqual(never, [], 'tests skipped on every LUN kind of the reference target (a missing feature?)');
  });
});
