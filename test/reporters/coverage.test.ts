/**
 * The coverage page: citations read from the clause fields, every registered test listed by suite and under
 * each section it cites, sections in numeric order with the clause table's names, markdown and HTML from
 * the command line.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from '../../harness/registry.js';
import { select } from '../../harness/select.js';
import { citations, coverage, coverageHtml, coverageMarkdown } from '../../reporters/coverage.js';
import { run } from '../support/proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');

describe('coverage page', () => {
  it('reads the citations of a clause field', () => {
    assert.deepEqual(citations('SBC-4 5.16, SBC-4 4.5'), [
      { standard: 'SBC-4', section: '5.16' },
      { standard: 'SBC-4', section: '4.5' },
    ]);
    assert.deepEqual(citations('SPC-5 (reserved: keywords and conventions), SAM-5 5.2'), [
      { standard: 'SPC-5', section: '(reserved: keywords and conventions)' },
      { standard: 'SAM-5', section: '5.2' },
    ]);
    assert.deepEqual(citations('RFC 7143 11.18, 11.19'), [
      { standard: 'RFC 7143', section: '11.18' },
      { standard: 'RFC 7143', section: '11.19' },
    ]);
  });

  it('lists every registered test by suite and under every section it cites', async () => {
    const reg = await Registry.load();
    const plan = select(reg, {});
    const c = coverage(plan);
    assert.equal(c.tests, plan.length);
    assert.equal(
      c.suites.reduce((n, s) => n + s.tests.length, 0),
      plan.length,
    );
    assert.deepEqual(
      c.standards.slice(0, 3).map((s) => s.standard),
      ['SBC-4', 'SPC-5', 'RFC 7143'],
    );
    for (const p of plan) {
      for (const cit of citations(p.test.clause)) {
        const sec = c.standards.find((s) => s.standard === cit.standard)?.sections.find((x) => x.section === cit.section);
        assert.ok(
          sec?.tests.some((t) => t.id === p.id),
          `${p.id} under ${cit.standard} ${cit.section}`,
        );
      }
    }
    const sbc = c.standards[0]!.sections.map((s) => s.section).filter((s) => /^\d/.test(s));
    const i45 = sbc.indexOf('4.5');
    const i421 = sbc.indexOf('4.21');
    assert.ok(i45 >= 0 && i421 > i45, 'numeric order: 4.5 before 4.21');
    const read10 = c.standards[0]!.sections.find((s) => s.section === '5.16')!;
    assert.equal(read10.name, 'READ 10');
    assert.ok(read10.tests.some((t) => t.id === 'SCSI.Read10.Simple'));
    assert.match(coverageMarkdown(c), /^\| 5\.16 READ 10 \| (.*, )?SCSI\.Read10\.Simple[,| ]/m);
    const html = coverageHtml(c);
    assert.match(html, /<h3 id="std-RFC-7143">RFC 7143<\/h3>/);
    assert.doesNotMatch(html, /<script src|<link|https?:\/\//, 'self-contained');
  });

  it('iscsi-test --coverage prints markdown; --coverage=FILE.html writes HTML; --test narrows it', async function () {
    this.timeout(60_000);
    const md = await run(process.execPath, [BIN, '--coverage']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# iscsi-test coverage/);
    assert.match(md.stdout, /^### RFC 7143$/m);
    const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-coverage-'));
    try {
      const f = join(dir, 'coverage.html');
      const h = await run(process.execPath, [BIN, '--test=SCSI.Read10', `--coverage=${f}`]);
      assert.equal(h.code, 0, h.stderr);
      const html = readFileSync(f, 'utf8');
      assert.match(html, /^<!DOCTYPE html>/);
      assert.match(html, /SCSI\.Read10\.Simple/);
      assert.doesNotMatch(html, /SCSI\.Read12\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
