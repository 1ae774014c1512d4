/**
 * --jobs N runs the tests without LU-wide side effects N at a time, and must not change a verdict: every
 * registered test is run with --jobs 1 and --jobs 4 against the reference target's thick memory LUN and the
 * verdicts compared; against tgtd, the SCSI family with --jobs 4 must meet the committed baseline that
 * test/suites/tgtd.test.ts checks with --jobs 1 (the same tgtd LUN). Not the iSCSI family: run side by side,
 * its negative tests crash tgtd 1.0.85 (its log: "conn_close: Forcing release of pending task", then
 * "malloc(): invalid size"), a defect of tgtd that --jobs 1 does not reach.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { runTests } from '../../harness/runner.js';
import { select } from '../../harness/select.js';
import type { RunningTarget } from '../../reference-target/index.js';
import { requirePeers } from '../support/peers.js';
import { Tgtd } from '../support/tgtd.js';
import { configFor, REF_IQN, refTarget } from './support/targets.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');
const BASELINE = resolve(here, '../../../fixtures/expect/tgtd.json');

describe('--jobs: verdicts identical to --jobs 1', function () {
  this.timeout(900_000);
  let target: RunningTarget;
  let reg: Registry;

  before(async () => {
    target = await refTarget({ standardLuns: true });
    reg = await Registry.load([defaultSuitesDir()]);
  });
  after(async () => {
    await target?.stop();
  });

  for (const lun of [0]) {
    it(`reference target, LUN ${lun}: every test with --jobs 4 gets the verdict it gets with --jobs 1, and some tests do run side by side`, async () => {
      const plan = select(reg, {});
      const verdicts = async (jobs: number) => {
        const rep = await runTests({ plan, config: configFor(target.url(lun, REF_IQN), { sanitize: true, jobs }), reporters: [] });
        return new Map(rep.results.map((r) => [r.id, `${r.verdict}${r.verdict === 'skip' ? `: ${r.message}` : ''}`]));
      };
      const one = await verdicts(1);
      const four = await verdicts(4);
      const differ = [...one].filter(([id, v]) => four.get(id) !== v).map(([id, v]) => `${id}: --jobs 1 ${v}, --jobs 4 ${four.get(id)}`);
      assert.deepEqual(differ, []);
      assert.equal(four.size, one.size);
      const shared = plan.filter((p) => !p.test.exclusive).length;
      assert.ok(shared > 50 && shared < plan.length, `${shared} of ${plan.length} tests may run side by side`);
    });
  }

  it('tgtd, thick LUN: --jobs 4 --test=SCSI meets the committed baseline (the --jobs 1 verdicts)', async function () {
    requirePeers(this, 'tgtd', 'tgtadm');
    const tgtd = await Tgtd.start({ targets: [{ iqn: 'iqn.2026-11.org.iscsi-test:tgtd-suites', luns: [{ lun: 1, sizeMiB: 64, thin: false }] }] });
    try {
      const o = await new Promise<{ code: number | null; out: string }>((res) => {
        execFile(
          process.execPath,
          [BIN, '--jobs=4', '--test=SCSI', '--dataloss', '--allow-sanitize', `--expect=${BASELINE}`, tgtd.url(1, '', 'iqn.2026-11.org.iscsi-test:tgtd-suites')],
          { timeout: 600_000, maxBuffer: 32 << 20, killSignal: 'SIGKILL' },
          (err, stdout, stderr) => {
            res({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: String(stdout) + String(stderr) });
          },
        );
      });
      assert.equal(
        o.code,
        0,
        o.out
          .split('\n')
          .filter((l) => /CHANGED|Baseline|Summary|not listed/.test(l))
          .join('\n'),
      );
    } finally {
      await tgtd.stop();
    }
  });
});
