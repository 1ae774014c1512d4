/**
 * The suites against a real, independent target: Debian's tgtd, with the command a user would type.
 * Its verdicts are committed in fixtures/expect/tgtd.json, each failure and skip with its reason and
 * clause; this test fails when a verdict changes (a new failure, or a known one fixed).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePeers } from '../support/peers.js';
import { Tgtd } from '../support/tgtd.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');
const BASELINE = resolve(here, '../../../fixtures/expect/tgtd.json');
const IQN = 'iqn.2026-11.org.iscsi-test:tgtd-suites';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 300_000, maxBuffer: 32 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('suites against tgtd (real peer), with the committed baseline', function () {
  this.timeout(400_000);
  let tgtd: Tgtd | undefined;
  let dir: string;

  before(async function () {
    requirePeers(this, 'tgtd', 'tgtadm');
    tgtd = await Tgtd.start({ targets: [{ iqn: IQN, luns: [{ lun: 1, sizeMiB: 64 }] }] });
    dir = mkdtempSync(join(tmpdir(), 'iscsi-test-tgtd-'));
  });
  after(async () => {
    await tgtd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const family of ['SCSI', 'iSCSI']) {
    it(`iscsi-test --test=${family} --dataloss --expect=fixtures/expect/tgtd.json: every verdict as committed`, async () => {
      const json = join(dir, `${family}.json`);
      const o = await cli([`--test=${family}`, '--dataloss', `--expect=${BASELINE}`, `--json=${json}`, tgtd!.url(1, '', IQN)]);
      const report = JSON.parse(readFileSync(json, 'utf8')) as { results: { id: string; verdict: string; message?: string }[]; baseline: { changed: unknown[]; matched: number } };
      assert.equal(o.code, 0, `verdicts changed against the baseline:\n${o.stdout.split('\n').filter((l) => /CHANGED|Summary|Baseline/.test(l)).join('\n')}`);
      assert.equal(report.baseline.changed.length, 0);
      assert.equal(report.baseline.matched, report.results.length);
      assert.ok(report.results.length >= (family === 'SCSI' ? 60 : 10), `${report.results.length} tests ran`);
    });
  }
});
