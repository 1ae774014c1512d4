/**
 * Every conformance test must be able to fail. For each registered test, this file names a defect that
 * it must catch: a `--quirk` of the reference target (target/quirks.ts), or a fake target (the reference
 * target behind a proxy that changes one answer, test/harness/support/proxy.ts). Each test is run alone
 * against its defect and must fail (or warn, for a SHOULD-level test). And every test must pass against
 * the reference target as it is.
 *
 * A new test needs an entry in CASES: the last `it` fails while one is missing. A key `Suite.Test (what)` adds a
 * further defect for a test that checks more than one behaviour.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IsnsServer } from '../../isns/server.js';
import type { Planned } from '../../harness/select.js';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import type { Verdict } from '../../harness/results.js';
import type { RunningTarget } from '../../reference-target/index.js';
import { Proxy } from '../harness/support/proxy.js';
import { chapUrl, configFor, REF_IQN, refTarget, restartableRefTarget, STANDARD_LUNS } from '../harness/support/targets.js';
import type { Case, Cases } from './failing/_support.js';

/** Every table in ./failing (one file per group of suites, so authors of different suites do not collide). */
async function loadCases(): Promise<Cases> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'failing');
  const all: Cases = {};
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.js') || f.startsWith('_')) continue;
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: Cases };
    for (const [k, c] of Object.entries(mod.default)) {
      if (k in all) throw new Error(`failing/${f}: ${k} already has a defect in another file`);
      all[k] = c;
    }
  }
  return all;
}

const CASES = await loadCases();

describe('every conformance test can fail (a quirk of the reference target, or a fake target)', function () {
  this.timeout(600_000);
  const targets = new Map<string, { target: RunningTarget; proxy: Proxy }>();
  let reg: Registry;

  before(async () => {
    reg = await Registry.load([defaultSuitesDir()]);
  });
  after(async () => {
    for (const { target, proxy } of targets.values()) {
      await proxy.stop();
      await target.stop();
    }
  });

  async function targetFor(quirks: string[]): Promise<{ target: RunningTarget; proxy: Proxy }> {
    const key = quirks.join(',');
    let t = targets.get(key);
    if (!t) {
      const target = await refTarget({ quirks, standardLuns: true });
      t = { target, proxy: await Proxy.start({ host: '127.0.0.1', port: target.port }) };
      targets.set(key, t);
    }
    return t;
  }

  /**
   * iSNS tests run against a reference target of their own, registered with an iSNS server the harness
   * plays, and without the proxy: the portal it registers must be the one the harness logs in to.
   */
  async function runIsns(plan: Planned[], quirks: string[]) {
    const isns = new IsnsServer({ registrationPeriod: 10 });
    await isns.start();
    const target = await restartableRefTarget({ quirks, isns: isns.address });
    try {
      const url = target.current().url(0, REF_IQN);
      return await runTests({ plan, config: configFor(url, { isns, targetControl: target.control, defaultTimeout: 60 }), reporters: [] });
    } finally {
      await target.stop();
      await isns.stop();
    }
  }

  async function runOne(key: string, c: Case): Promise<{ verdict: Verdict; message?: string }> {
    const isnsPlan = select(reg, { tests: [`*.${key.split(' ')[0]}`] });
    if (isnsPlan[0]?.test.families.includes('iSNS')) {
      const r = (await runIsns(isnsPlan, c.quirks ?? [])).results[0]!;
      return { verdict: r.verdict, ...(r.message !== undefined ? { message: r.message } : {}) };
    }
    const { proxy } = await targetFor(c.quirks ?? []);
    proxy.rules.length = 0;
    proxy.rules.push(...(c.rules?.() ?? []));
    // `Suite.Test (what)`: a second defect for the same test
    const plan = select(reg, { tests: [`*.${key.split(' ')[0]}`] });
    const url = c.chap ? chapUrl(`127.0.0.1:${proxy.port}`) : proxy.url(REF_IQN, c.lun ?? 0);
    const rep = await runTests({ plan, config: configFor(url, { sanitize: true, defaultTimeout: 20 }), reporters: [] });
    const r = rep.results[0]!;
    return { verdict: r.verdict, ...(r.message !== undefined ? { message: r.message } : {}) };
  }

  // Every test passes against the reference target as it is, on every standard LUN (one mocha test a LUN,
  // each within its own time limit), and runs (passes) on at least one of them.
  const ran = new Set<string>();
  const passed = (r: { id: string }) => ran.add(r.id.replace(/^[^.]+\./, ''));
  for (const lun of Object.keys(STANDARD_LUNS).map(Number)) {
    it(`every test passes against the reference target as it is on LUN ${lun} (${STANDARD_LUNS[lun]}), or skips`, async () => {
      const { proxy } = await targetFor([]);
      proxy.rules.length = 0;
      const bad: string[] = [];
      const rep = await runTests({ plan: select(reg, {}), config: configFor(proxy.url(REF_IQN, lun), { sanitize: true }), reporters: [] });
      for (const r of rep.results) {
        if (r.verdict === 'pass') passed(r);
        else if (r.verdict !== 'skip') bad.push(`LUN ${lun} (${STANDARD_LUNS[lun]}) ${r.id}: ${r.verdict} ${r.message ?? ''}`);
      }
      assert.deepEqual(bad, []);
    });
  }

  it('every test that needs CHAP credentials passes against the CHAP-protected node, and every iSNS test against a target registered with the harness', async () => {
    const { proxy } = await targetFor([]);
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
    const isnsPlan = select(reg, {}).filter((p) => p.test.families.includes('iSNS'));
    if (isnsPlan.length) {
      for (const r of (await runIsns(isnsPlan, [])).results) {
        if (r.verdict === 'pass') passed(r);
        else bad.push(`iSNS ${r.id}: ${r.verdict} ${r.message ?? ''}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('every test passes on at least one of them (none is skipped everywhere for a missing feature)', () => {
    const never = reg.tests.map((t) => t.key).filter((k) => !ran.has(k));
    assert.deepEqual(never, [], 'tests skipped on every LUN kind of the reference target (a missing feature?)');
  });

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
