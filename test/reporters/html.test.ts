/**
 * The HTML report and the matrix: self-contained and escaped (unit), `iscsi-test report` refusing what is
 * not a --json file, and, in real headless Chromium (Debian's, driven over the DevTools protocol on a
 * pipe), the report of a run against tgtd with --trace and the matrix of that run beside one against the
 * reference target: every test a row with its verdict, the verdict and family filters (by clicking, and
 * from the #fragment), a failure's message, narration and decoded PDUs, the matrix's cells and its
 * "only where the targets differ" filter.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunReport, TestResult } from '../../harness/results.js';
import { countVerdicts } from '../../harness/results.js';
import { htmlReport } from '../../reporters/html.js';
import { Chromium } from '../support/chromium.js';
import { requirePeers } from '../support/peers.js';
import { run } from '../support/proc.js';
import { Tgtd } from '../support/tgtd.js';
import { oneLine, tool } from '../tools/support.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');

function result(id: string, verdict: TestResult['verdict'], extra: Partial<TestResult> = {}): TestResult {
  const [family, suite, name] = id.split('.') as [string, string, string];
  return {
    id,
    family,
    suite,
    name,
    suiteId: `${family}.${suite}`,
    clause: 'SBC-4 5.16',
    level: 'MUST',
    doc: 'A doc.',
    needs: [],
    verdict,
    warnings: [],
    durationMs: 12,
    log: [],
    ...extra,
  };
}

function report(results: TestResult[], target = 'iscsi://127.0.0.1:3260/iqn.2026-11.org.example:t/0'): RunReport {
  return {
    info: {
      tool: 'iscsi-test',
      version: '0.1.0',
      target,
      targetName: 'iqn.2026-11.org.example:t',
      lun: 0,
      embedded: false,
      device: 'VENDOR PRODUCT 0001, 8 blocks of 512 bytes',
      facts: { log: [], problems: [] } as unknown as RunReport['info']['facts'],
      initiatorName: 'iqn.a',
      initiatorName2: 'iqn.b',
      dataloss: true,
      sanitize: false,
      strict: false,
      planned: results.length,
      startedAt: new Date(0),
    },
    results,
    counts: countVerdicts(results),
    durationMs: 1234,
  };
}

describe('HTML report', function () {
  this.timeout(300_000);

  it('is one self-contained file, escapes what targets send, and opens a failure to its narration and PDUs', () => {
    const html = htmlReport(
      report([
        result('SCSI.Read10.Simple', 'pass'),
        result('SCSI.Read10.BeyondEol', 'fail', {
          message: 'READ(10): expected <CHECK CONDITION>, got GOOD & more',
          log: [[1, '> READ(10) LBA=8 LEN=1']],
          traces: [
            {
              label: 'session 1',
              local: { address: '127.0.0.1', port: 1 },
              remote: { address: '127.0.0.1', port: 2 },
              entries: [{ dir: 'send', time: 0, text: 'SCSI Command itt=0x1 READ(10)', bytes: [Buffer.alloc(48, 1)] }],
            },
          ],
        }),
        result('iSCSI.iSCSINop.Simple', 'skip', { message: '--dataloss not given' }),
      ]),
    );
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link\b|<img\b|@import|url\(|https?:\/\//, 'nothing fetched');
    assert.match(html, /expected &lt;CHECK CONDITION&gt;, got GOOD &amp; more/);
    assert.doesNotMatch(html, /<CHECK CONDITION>/);
    assert.match(html, /\+0\.001 s {2}&gt; READ\(10\) LBA=8 LEN=1/);
    assert.match(html, /00:00:00\.000 &gt;&gt; SCSI Command itt=0x1 READ\(10\)\n {6}BHS 01010101 /);
    assert.equal((html.match(/<tr class="test"/g) ?? []).length, 3);
  });

  it('--html=- writes the report to stdout and the console report to stderr', async () => {
    const r = await run(process.execPath, [BIN, '--test=SCSI.Read10.Simple', '--html=-'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^<!DOCTYPE html>[^]*<code>SCSI\.Read10\.Simple<\/code>[^]*<\/html>\n$/);
    assert.match(r.stderr, /Summary: 1 passed/);
  });

  it('iscsi-test report refuses a file that is not a --json run, in one line (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-report-'));
    try {
      writeFileSync(join(dir, 'x.json'), '{"tests":[]}');
      oneLine(await tool(['report', join(dir, 'x.json')]), 2, /x\.json is not a --json file of iscsi-test \(no info\.target\)/);
      oneLine(await tool(['report', join(dir, 'missing.json')]), 2, /cannot read .*missing\.json \(ENOENT\)/);
      oneLine(await tool(['report']), 2, /no --json file given/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('in headless Chromium, a run against tgtd', () => {
    let tgtd: Tgtd | undefined;
    let dir: string;
    let tgtdRun: RunReport;
    let refRun: RunReport;
    const SEL = '--test=SCSI.Read10,SCSI.Verify10,iSCSI.iSCSINop';

    before(async function () {
      requirePeers(this, 'tgtd', 'tgtadm', 'chromium');
      dir = mkdtempSync(join(tmpdir(), 'iscsi-test-html-'));
      tgtd = await Tgtd.start();
      const r = await run(
        process.execPath,
        [BIN, SEL, '--dataloss', `--trace=${join(dir, 'traces')}`, `--html=${join(dir, 'tgtd.html')}`, `--json=${join(dir, 'tgtd.json')}`, tgtd.url(1)],
        { timeoutMs: 240_000 },
      );
      assert.equal(r.code, 1, `tgtd fails some Verify10 tests (fixtures/expect/tgtd.json): ${r.stderr}${r.stdout.slice(-2000)}`);
      const e = await run(process.execPath, [BIN, SEL, `--json=${join(dir, 'ref.json')}`], { timeoutMs: 240_000 });
      assert.equal(e.code, 0, e.stderr + e.stdout.slice(-2000));
      tgtdRun = JSON.parse(readFileSync(join(dir, 'tgtd.json'), 'utf8')) as RunReport;
      refRun = JSON.parse(readFileSync(join(dir, 'ref.json'), 'utf8')) as RunReport;
      const m = await tool(['report', `--html=${join(dir, 'matrix.html')}`, join(dir, 'tgtd.json'), join(dir, 'ref.json')]);
      assert.equal(m.code, 0, m.stderr);
    });
    after(async () => {
      await tgtd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const rows = `[...document.querySelectorAll('tr.test')].map((r) => ({ id: r.querySelector('code').textContent, verdicts: [...r.querySelectorAll('.v')].map((v) => v.textContent), hidden: r.hidden }))`;

    it('shows every test with its verdict, and the verdict and family filters work', async () => {
      const page = await Chromium.open(pathToFileURL(join(dir, 'tgtd.html')).href);
      try {
        const all = await page.evaluate<{ id: string; verdicts: string[]; hidden: boolean }[]>(rows);
        assert.deepEqual(
          all.map((r) => r.id),
          tgtdRun.results.map((r) => r.id),
        );
        assert.deepEqual(
          all.map((r) => r.verdicts[0]),
          tgtdRun.results.map((r) => r.verdict.toUpperCase()),
        );
        assert.ok(all.every((r) => !r.hidden));
        const facts = await page.evaluate<string>(`document.querySelector('table.facts').innerText`);
        assert.match(facts, new RegExp(`Target\\s+${tgtd!.url(1).replace(/[.]/g, '\\.')}`));
        assert.match(facts, /Capacity\s+131072 blocks of 512 bytes/);
        assert.match(facts, /Options\s+dataloss allowed/);
        assert.equal(await page.evaluate<string>(`document.getElementById('shown').textContent`), `${all.length} of ${all.length} shown`);
        const fails = tgtdRun.results.filter((r) => r.verdict === 'fail').map((r) => r.id);
        assert.ok(fails.length > 0);
        // Untick every verdict but FAIL, as a user would.
        await page.evaluate(`[...document.querySelectorAll('input.f-verdict')].filter((b) => b.value !== 'fail').forEach((b) => b.click())`);
        const shown = (await page.evaluate<{ id: string; hidden: boolean }[]>(rows)).filter((r) => !r.hidden).map((r) => r.id);
        assert.deepEqual(shown, fails);
        assert.equal(await page.evaluate<string>(`document.getElementById('shown').textContent`), `${fails.length} of ${all.length} shown`);
        assert.equal(await page.evaluate<string>('location.hash'), '#verdict=fail', 'the filter is in the link');
        // Every verdict again, then the iSCSI family only.
        await page.evaluate(`[...document.querySelectorAll('input.f-verdict')].filter((b) => !b.checked).forEach((b) => b.click())`);
        await page.evaluate(`(() => { const s = document.getElementById('f-family'); s.value = 'iSCSI'; s.dispatchEvent(new Event('change')); })()`);
        const iscsi = (await page.evaluate<{ id: string; hidden: boolean }[]>(rows)).filter((r) => !r.hidden).map((r) => r.id);
        assert.deepEqual(
          iscsi,
          tgtdRun.results.filter((r) => r.id.startsWith('iSCSI.')).map((r) => r.id),
        );
        assert.ok(iscsi.length > 0);
        // A failure opens to the expected-versus-got message, the narration and the decoded PDUs.
        const f = await page.evaluate<{ summary: string; text: string }>(
          `(() => { const d = document.getElementById(${JSON.stringify(fails[0])}).querySelector('details'); d.open = true; return { summary: d.querySelector('summary').textContent, text: d.innerText }; })()`,
        );
        assert.equal(f.summary, tgtdRun.results.find((r) => r.id === fails[0])!.message);
        assert.match(f.text, /Narration:/);
        assert.match(f.text, />> Login Request/);
        assert.match(f.text, /<< SCSI Response|<< SCSI Data-In|<< Data-In/);
        assert.match(f.text, /BHS [0-9a-f]{8} /);
      } finally {
        await page.close();
      }
    });

    it('reads its filter from the link: #verdict=pass&family=SCSI', async () => {
      const page = await Chromium.open(`${pathToFileURL(join(dir, 'tgtd.html')).href}#verdict=pass&family=SCSI`);
      try {
        const shown = (await page.evaluate<{ id: string; hidden: boolean }[]>(rows)).filter((r) => !r.hidden).map((r) => r.id);
        assert.deepEqual(
          shown,
          tgtdRun.results.filter((r) => r.verdict === 'pass' && r.id.startsWith('SCSI.')).map((r) => r.id),
        );
      } finally {
        await page.close();
      }
    });

    it('the matrix of the tgtd run and a reference-target run: tests x targets, and where they differ', async () => {
      const page = await Chromium.open(pathToFileURL(join(dir, 'matrix.html')).href);
      try {
        const all = await page.evaluate<{ id: string; verdicts: string[]; hidden: boolean }[]>(rows);
        assert.equal(await page.evaluate<number>(`document.querySelectorAll('table.matrix thead th.rot').length`), 2);
        const ids = [...new Set([...tgtdRun.results, ...refRun.results].map((r) => r.id))];
        assert.deepEqual(all.map((r) => r.id).sort(), ids.sort());
        const v = (rr: RunReport, id: string) => rr.results.find((r) => r.id === id)?.verdict.toUpperCase() ?? '—';
        for (const r of all) assert.deepEqual(r.verdicts, [v(tgtdRun, r.id), v(refRun, r.id)], r.id);
        await page.evaluate(`document.getElementById('f-differ').click()`);
        const differ = (await page.evaluate<{ id: string; hidden: boolean }[]>(rows)).filter((r) => !r.hidden).map((r) => r.id);
        assert.deepEqual(differ.sort(), ids.filter((id) => v(tgtdRun, id) !== v(refRun, id)).sort());
        assert.ok(differ.includes('SCSI.Verify10.BeyondEol'), 'tgtd fails Verify10.BeyondEol, the reference target passes it');
        // A cell links to that run's entry.
        const href = await page.evaluate<string>(`document.querySelector('tr.test:not([hidden]) td.cell a').getAttribute('href')`);
        assert.ok(
          await page.evaluate<boolean>(`!!document.getElementById(${JSON.stringify('')} + ${JSON.stringify(href.slice(1))})`),
          `${href} leads somewhere`,
        );
      } finally {
        await page.close();
      }
    });
  });
});
