/**
 * Every conformance test must be able to fail. For each registered test, this file names a defect that
 * it must catch: a `--quirk` of the reference target (reference-target/quirks.ts), or a fake target (the reference
 * target behind a proxy that changes one answer, test/harness/support/proxy.ts). Each test is run alone
 * against its defect and must fail (or warn, for a SHOULD-level test). That every test passes against the
 * reference target as it is, on every LUN kind, is passes.test.ts.
 *
 * A new test needs an entry in CASES: the last `it` fails while one is missing. A key `Suite.Test (what)` adds a
 * further defect for a test that checks more than one behaviour.
 */
import { strict as assert } from 'node:assert';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import type { Verdict } from '../../harness/results.js';
import { chapUrl, configFor, REF_IQN } from '../harness/support/targets.js';
import { nodeOf, type Case } from './failing/_support.js';
import { loadCases, needsOwnTarget, ReferenceTargets, runIsns } from './support/reference-runs.js';

const CASES = await loadCases();

describe('every conformance test can fail (a quirk of the reference target, or a fake target)', function () {
  this.timeout(600_000);
  const targets = new ReferenceTargets();
  let reg: Registry;

  before(async () => {
    reg = await Registry.load([defaultSuitesDir()]);
  });
  after(async () => {
    await targets.stop();
  });

  async function runOne(key: string, c: Case): Promise<{ verdict: Verdict; message?: string }> {
    const isnsPlan = select(reg, { tests: [`*.${key.split(' ')[0]}`] });
    if (needsOwnTarget(isnsPlan[0])) {
      const r = (await runIsns(isnsPlan, c.quirks ?? [])).results[0]!;
      return { verdict: r.verdict, ...(r.message !== undefined ? { message: r.message } : {}) };
    }
    const { proxy } = await targets.for(c.quirks ?? [], nodeOf(c));
    proxy.rules.length = 0;
    proxy.rules.push(...(c.rules?.() ?? []));
    // `Suite.Test (what)`: a second defect for the same test
    const plan = select(reg, { tests: [`*.${key.split(' ')[0]}`] });
    const url = c.chap ? chapUrl(`127.0.0.1:${proxy.port}`) : proxy.url(REF_IQN, c.lun ?? 0);
    const rep = await runTests({ plan, config: configFor(url, { sanitize: true, defaultTimeout: 20 }), reporters: [] });
    const r = rep.results[0]!;
    return { verdict: r.verdict, ...(r.message !== undefined ? { message: r.message } : {}) };
  }

  for (const [key, c] of Object.entries(CASES)) {
    const how = [...(c.quirks ?? []).map((q) => `--quirk ${q}`), ...(c.rules ? ['a fake target'] : [])].join(' and ');
    it(`${key} ${{ warn: 'warns', skip: 'skips', pass: 'passes' }[c.verdict as string] ?? 'fails'} against ${how}`, async () => {
      const r = await runOne(key, c);
      assert.equal(r.verdict, c.verdict ?? 'fail', `verdict (message: ${r.message})`);
      if (c.message) assert.match(r.message ?? '', c.message);
    });
  }

  it('every registered test has a defect that makes it fail', () => {
    const missing = reg.tests.map((t) => t.key).filter((k) => !(k in CASES));
    assert.deepEqual(missing, [], 'add an entry to CASES for each new test');
  });
});
