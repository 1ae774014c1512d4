/**
 * The reference targets the whole-registry checks run against (test/suites/failing.test.ts and
 * passes.test.ts): one target with the standard LUNs per set of quirks, behind a proxy a case can load
 * with rules (a fake target), started on first use and kept for the file; and iSNS tests, which need a
 * target of their own registered with an iSNS server the harness plays.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IsnsServer } from '../../../isns/server.js';
import type { Planned } from '../../../harness/select.js';
import { runTests } from '../../../harness/runner.js';
import type { RunningTarget } from '../../../reference-target/index.js';
import { Proxy } from '../../harness/support/proxy.js';
import { configFor, REF_IQN, refTarget, restartableRefTarget } from '../../harness/support/targets.js';
import type { Cases, NodeSettings } from '../failing/_support.js';

/** Every defect table in ../failing (one file per group of suites, so authors of different suites do not collide). */
export async function loadCases(): Promise<Cases> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'failing');
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

export class ReferenceTargets {
  private readonly targets = new Map<string, { target: RunningTarget; proxy: Proxy }>();

  /**
   * The target with these quirks (and every standard LUN, its node configured as `node` says if given), behind
   * its proxy; the proxy's rules are left to the caller.
   */
  async for(quirks: string[], node?: NodeSettings): Promise<{ target: RunningTarget; proxy: Proxy }> {
    const key = `${quirks.join(',')}${node ? ` ${JSON.stringify(node)}` : ''}`;
    let t = this.targets.get(key);
    if (!t) {
      const target = await refTarget({ quirks, standardLuns: true, ...node });
      t = { target, proxy: await Proxy.start({ host: '127.0.0.1', port: target.port }) };
      this.targets.set(key, t);
    }
    return t;
  }

  async stop(): Promise<void> {
    for (const { target, proxy } of this.targets.values()) {
      await proxy.stop();
      await target.stop();
    }
    this.targets.clear();
  }
}

/**
 * Run iSNS tests, and tests that stop and start the target (needs 'targetControl'), against a reference
 * target of their own that the harness controls, registered with an iSNS server the harness plays, and
 * without the proxy: the portal it registers must be the one the harness logs in to.
 */
export async function runIsns(plan: Planned[], quirks: string[]) {
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

/** Whether a planned test runs against a target of its own (runIsns): an iSNS test, or one that stops and starts the target. */
export const needsOwnTarget = (p: Planned | undefined): boolean => !!p && (p.test.families.includes('iSNS') || p.test.needs.includes('targetControl'));
