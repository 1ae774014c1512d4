/**
 * iscsi-test and libiscsi's iscsi-test-cu on the same tgtd: libiscsi 1.19 runs every issue 5 suite and the
 * issue 10 reservation and third-party copy suites against a thick and a thin tgtd LUN configured as in fixtures/expect/tgtd.json and tgtd-thin.json, and
 * wherever its verdict on a test both tools have differs from ours, the baseline must say so (an entry's
 * `libiscsi` note, or `libiscsiDiffers` for a test we pass) with why and the clause that decides it. A
 * note that no longer matches what libiscsi does, or a difference nobody explained, fails this test, so
 * the explanation in the baselines (and the README's summary of it) cannot go stale.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { ISSUE10_COPY_SUITES, ISSUE10_RESERVATION_SUITES, ISSUE5_SUITES, runCuSuites, type CuTest } from '../support/libiscsi.js';
import { requirePeers } from '../support/peers.js';
import { Tgtd } from '../support/tgtd.js';

const here = dirname(fileURLToPath(import.meta.url));
const EXPECT = resolve(here, '../../../fixtures/expect');
const KINDS = [
  { name: 'thick', iqn: 'iqn.2026-11.org.iscsi-test:tgtd-cu', thin: false, baseline: 'tgtd.json' },
  { name: 'thin', iqn: 'iqn.2026-11.org.iscsi-test:tgtd-cu-thin', thin: true, baseline: 'tgtd-thin.json' },
];

interface Note {
  verdict: string;
  why: string;
  clause: string;
}
interface BaselineFile {
  expected: Record<string, { verdict: string; libiscsi?: Note }>;
  libiscsiDiffers?: Record<string, Note>;
}

/**
 * Every disagreement between libiscsi's verdicts and the baseline's account of them, as lines; empty when
 * the baseline explains each difference and claims none that is not there. A test we give a SHOULD-level
 * `warn` is compared as a failure.
 */
export function unexplained(baseline: BaselineFile, cu: Map<string, CuTest>, registered: Set<string>): string[] {
  const problems: string[] = [];
  const ours = (id: string): string => {
    const v = baseline.expected[id]?.verdict ?? 'pass';
    return v === 'warn' ? 'fail' : v;
  };
  for (const [id, t] of cu) {
    if (!registered.has(id)) {
      problems.push(`${id}: libiscsi has this test and iscsi-test does not`);
      continue;
    }
    const mine = ours(id);
    const note = baseline.expected[id]?.libiscsi ?? baseline.libiscsiDiffers?.[id];
    const detail = t.verdict === 'fail' ? ` (${t.failures.slice(0, 2).join('; ')})` : t.verdict === 'skip' ? ` (${t.skips[0] ?? ''})` : '';
    if (t.verdict === mine) {
      if (note)
        problems.push(
          `${id}: the baseline says libiscsi's verdict is ${note.verdict}, but libiscsi ${t.verdict === 'pass' ? 'passed' : t.verdict === 'fail' ? 'failed' : 'skipped'} it as we do: remove the stale note`,
        );
    } else if (!note) {
      problems.push(
        `${id}: ours ${mine}, libiscsi ${t.verdict}${detail}, and the baseline does not say why (add a 'libiscsi' note or a 'libiscsiDiffers' entry with the deciding clause)`,
      );
    } else if (note.verdict !== t.verdict) {
      problems.push(`${id}: the baseline says libiscsi's verdict is ${note.verdict}, but it was ${t.verdict}${detail}`);
    }
  }
  for (const id of [
    ...Object.keys(baseline.libiscsiDiffers ?? {}),
    ...Object.entries(baseline.expected)
      .filter(([, e]) => e.libiscsi)
      .map(([k]) => k),
  ]) {
    if (!cu.has(id)) problems.push(`${id}: the baseline notes libiscsi's verdict, but libiscsi ran no such test`);
  }
  return problems;
}

describe('iscsi-test and libiscsi on the same tgtd: every verdict difference explained in the baselines', function () {
  this.timeout(900_000);
  let tgtd: Tgtd | undefined;
  let registered: Set<string>;

  before(async function () {
    requirePeers(this, 'tgtd', 'tgtadm', 'iscsi-test-cu');
    tgtd = await Tgtd.start({ targets: KINDS.map((k) => ({ iqn: k.iqn, luns: [{ lun: 1, sizeMiB: 64, thin: k.thin }] })) });
    const reg = await Registry.load([defaultSuitesDir()]);
    registered = new Set(reg.tests.flatMap((t) => t.families.map((f) => `${f}.${t.key}`)));
  });
  after(async () => {
    await tgtd?.stop();
  });

  it('compares a stale note and an unexplained difference as problems (the check can fail)', () => {
    const cu = new Map<string, CuTest>([
      ['SCSI.A.Same', { id: 'SCSI.A.Same', verdict: 'pass', skips: [], failures: [] }],
      ['SCSI.A.Differs', { id: 'SCSI.A.Differs', verdict: 'pass', skips: [], failures: [] }],
      ['SCSI.A.Noted', { id: 'SCSI.A.Noted', verdict: 'skip', skips: ['x'], failures: [] }],
    ]);
    const reg = new Set(['SCSI.A.Same', 'SCSI.A.Differs', 'SCSI.A.Noted']);
    const b: BaselineFile = {
      expected: { 'SCSI.A.Differs': { verdict: 'fail' }, 'SCSI.A.Noted': { verdict: 'fail', libiscsi: { verdict: 'skip', why: 'w', clause: 'c' } } },
      libiscsiDiffers: { 'SCSI.A.Same': { verdict: 'fail', why: 'w', clause: 'c' } },
    };
    const p = unexplained(b, cu, reg);
    assert.equal(p.length, 2, p.join('\n'));
    assert.match(p.join('\n'), /SCSI\.A\.Same: .*stale/);
    assert.match(p.join('\n'), /SCSI\.A\.Differs: ours fail, libiscsi pass/);
  });

  for (const kind of KINDS) {
    it(`${kind.name} LUN: libiscsi's verdicts on the issue 5 and issue 10 reservation and copy suites agree with ours or fixtures/expect/${kind.baseline} says why`, async () => {
      const baseline = JSON.parse(readFileSync(resolve(EXPECT, kind.baseline), 'utf8')) as BaselineFile;
      const { tests } = await runCuSuites(tgtd!.url(1, '', kind.iqn), [...ISSUE5_SUITES, ...ISSUE10_RESERVATION_SUITES, ...ISSUE10_COPY_SUITES], {
        timeoutMs: 300_000,
      });
      assert.ok(tests.size >= 150, `only ${tests.size} libiscsi tests ran`);
      const problems = unexplained(baseline, tests, registered);
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }
});
