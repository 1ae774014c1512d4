/**
 * The suites against a real, independent target: Debian's tgtd, with the command a user would type, on a
 * fully provisioned LUN and on a thin-provisioned one. Their verdicts are committed in
 * fixtures/expect/tgtd.json and fixtures/expect/tgtd-thin.json, each failure and skip with its reason and
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
const EXPECT = resolve(here, '../../../fixtures/expect');
const KINDS = [
  { name: 'thick', iqn: 'iqn.2026-11.org.iscsi-test:tgtd-suites', thin: false, baseline: 'tgtd.json' },
  { name: 'thin', iqn: 'iqn.2026-11.org.iscsi-test:tgtd-suites-thin', thin: true, baseline: 'tgtd-thin.json' },
];

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 300_000, maxBuffer: 32 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('suites against tgtd (real peer), thick and thin LUNs, with the committed baselines', function () {
  this.timeout(400_000);
  let tgtd: Tgtd | undefined;
  let dir: string;

  before(async function () {
    requirePeers(this, 'tgtd', 'tgtadm');
    tgtd = await Tgtd.start({ targets: KINDS.map((k) => ({ iqn: k.iqn, luns: [{ lun: 1, sizeMiB: 64, thin: k.thin }] })) });
    dir = mkdtempSync(join(tmpdir(), 'iscsi-test-tgtd-'));
  });
  after(async () => {
    await tgtd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of KINDS) {
    for (const family of ['SCSI', 'iSCSI']) {
      it(`${kind.name} LUN: iscsi-test --test=${family} --dataloss --allow-sanitize --expect=fixtures/expect/${kind.baseline}: every verdict as committed`, async () => {
        const json = join(dir, `${kind.name}-${family}.json`);
        const o = await cli([
          `--test=${family}`,
          '--dataloss',
          '--allow-sanitize',
          `--expect=${resolve(EXPECT, kind.baseline)}`,
          `--json=${json}`,
          tgtd!.url(1, '', kind.iqn),
        ]);
        const report = JSON.parse(readFileSync(json, 'utf8')) as {
          results: { id: string; verdict: string; message?: string }[];
          baseline: { changed: unknown[]; matched: number };
        };
        assert.equal(
          o.code,
          0,
          `verdicts changed against the baseline (exit ${o.code}):\n${o.stdout
            .split('\n')
            .filter((l) => /CHANGED|Summary|Baseline|not listed/.test(l))
            .join('\n')}\n${o.stderr}`,
        );
        assert.equal(report.baseline.changed.length, 0);
        assert.equal(report.baseline.matched, report.results.length);
        assert.ok(report.results.length >= (family === 'SCSI' ? 200 : 10), `${report.results.length} tests ran`);
      });
    }
  }
});
