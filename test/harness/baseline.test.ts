/**
 * Baselines (`--expect`): notes beside the verdicts (an entry's `libiscsi`, a top-level `libiscsiDiffers`,
 * `command`, `clauses`) are accepted and ignored; the committed tgtd baselines load, name only registered
 * tests, and give every entry a reason and a clause.
 */
import { strict as assert } from 'node:assert';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareBaseline, loadBaseline } from '../../harness/baseline.js';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import type { TestResult } from '../../harness/results.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(here, '../../../fixtures/expect');

describe('harness/baseline', () => {
  it('accepts and ignores fields it does not read, at the top level and in entries', () => {
    const text = JSON.stringify({
      target: 't',
      command: 'iscsi-test …',
      libiscsiDiffers: { 'SCSI.Unmap.ZeroBlocks': { verdict: 'fail', why: 'libiscsi sends garbage', clause: 'SBC-4 5.35.2' } },
      expected: {
        'SCSI.Verify10.Flags': {
          verdict: 'fail',
          reason: 'BYTCHK 10b accepted',
          clause: 'SBC-4 5.36',
          libiscsi: { verdict: 'pass', why: 'libiscsi sends 01b only', clause: 'SBC-4 5.36' },
        },
      },
    });
    const b = loadBaseline('x.json', () => text);
    assert.equal(b.target, 't');
    const e = b.entries.get('Verify10.Flags')!;
    assert.equal(e.verdict, 'fail');
    assert.deepEqual(e['libiscsi'], { verdict: 'pass', why: 'libiscsi sends 01b only', clause: 'SBC-4 5.36' });
    const r = { id: 'SCSI.Verify10.Flags', suite: 'Verify10', name: 'Flags', verdict: 'fail' } as unknown as TestResult;
    assert.equal(compareBaseline(b, [r]).matched, 1);
  });

  for (const file of ['tgtd.json', 'tgtd-thin.json']) {
    it(`fixtures/expect/${file} loads, names registered tests only, and says why for each libiscsi difference`, async () => {
      const b = loadBaseline(resolve(FIXTURES, file));
      const reg = await Registry.load([defaultSuitesDir()]);
      assert.deepEqual(compareBaseline(b, [], reg).unknown, []);
      assert.ok(b.entries.size > 50, `${b.entries.size} entries`);
      const raw = JSON.parse((await import('node:fs')).readFileSync(resolve(FIXTURES, file), 'utf8')) as { libiscsiDiffers?: Record<string, unknown> };
      const notes = [...[...b.entries.values()].map((e) => e['libiscsi']).filter((x) => x !== undefined), ...Object.values(raw.libiscsiDiffers ?? {})] as {
        verdict?: unknown;
        why?: unknown;
        clause?: unknown;
      }[];
      assert.ok(notes.length > 0);
      for (const n of notes) {
        assert.ok(['pass', 'fail', 'skip'].includes(n.verdict as string), JSON.stringify(n));
        assert.ok(typeof n.why === 'string' && n.why.length > 20, JSON.stringify(n));
        assert.ok(typeof n.clause === 'string' && /^(SBC-4|SPC-5|RFC 7143)/.test(n.clause), JSON.stringify(n));
      }
      for (const k of Object.keys(raw.libiscsiDiffers ?? {}))
        assert.ok(!b.entries.has(k.replace(/^SCSI\./, '')), `${k} is both expected to differ from a pass and listed as not passing`);
    });
  }
});
