/**
 * Issue 14's whole-suite figure: the wall time of iscsi-test and of libiscsi's iscsi-test-cu running the
 * same tests on the same tgtd LUN, and their ratio. libiscsi runs first, over the suites both tools share
 * (issue 5's SBC suites, issue 10's reservation suites, issue 3's iSCSI suites), as one process with a comma
 * list, as a user would run it; iscsi-test then runs exactly the tests libiscsi ran that it also has (by
 * name), so neither side's extra tests count. Rounds alternate so background load falls on both. Beside the serial
 * run, iscsi-test runs the same tests with --jobs (tests without LU-wide side effects side by side, each on its own
 * sessions): its SCSI tests in one run with --jobs, its iSCSI tests in another with --jobs 1, since run side by
 * side the iSCSI family's negative tests crash Debian's tgtd 1.0.85 (README, --jobs). Both figures are printed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISSUE10_RESERVATION_SUITES, ISSUE5_SUITES, parseCuTests } from '../test/support/libiscsi.js';
import { run } from '../test/support/proc.js';
import { which } from '../test/support/peers.js';
import { Tgtd } from '../test/support/tgtd.js';
import { Registry, defaultSuitesDir } from '../harness/registry.js';
import { fmt, table } from './common.js';

const SHARED_ISCSI_SUITES = ['iSCSI.iSCSIcmdsn', 'iSCSI.iSCSIdatasn', 'iSCSI.iSCSIResiduals', 'iSCSI.iSCSITMF'];
const ROUNDS = 2;
/** Tests at once in the --jobs figure. */
const JOBS = 4;
/** Bounds one tool's run of the selection (the selection takes well under a minute on tgtd). */
const RUN_LIMIT_MS = 600_000;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e9];
}

export async function benchSuite(): Promise<string> {
  const cu = which('iscsi-test-cu');
  if (!cu) throw new Error('iscsi-test-cu is not installed (Debian package libiscsi-bin)');
  const here = dirname(fileURLToPath(import.meta.url));
  const reg = await Registry.load([defaultSuitesDir()]);
  const ours = new Set(reg.tests.flatMap((t) => t.families.map((f) => `${f}.${t.key}`)));
  const tgtd = await Tgtd.start({ targets: [{ iqn: 'iqn.2026-11.org.iscsi-test:bench-suite', luns: [{ lun: 1, sizeMiB: 64 }] }] });
  const rows: (string | number)[][] = [];
  try {
    const url = tgtd.url(1);
    const cuRun = async () => {
      const selection = [...ISSUE5_SUITES, ...ISSUE10_RESERVATION_SUITES, ...SHARED_ISCSI_SUITES].join(',');
      const r = await run(cu, ['--dataloss', '--allow-sanitize', '-t', selection, url], { timeoutMs: RUN_LIMIT_MS });
      // The parser names every test SCSI.Suite.Test; the iSCSI suites are ours under iSCSI.
      return [...parseCuTests(r.stdout, 'SCSI').keys()].map((id) => (ours.has(id) ? id : id.replace(/^SCSI\./, 'iSCSI.')));
    };
    let shared: string[] = [];
    const runOurs = async (tests: string[], jobs: number) => {
      if (!tests.length) return;
      const r = await run(
        process.execPath,
        [join(here, '../bin/iscsi-test.js'), '--dataloss', '--allow-sanitize', `--jobs=${jobs}`, `--test=${tests.join(',')}`, url],
        {
          timeoutMs: RUN_LIMIT_MS,
        },
      );
      // Exit 1 is "some test failed" (tgtd has known failures); 2 and up is a harness or usage error.
      if (r.code === null || r.code > 1) throw new Error(`iscsi-test --jobs=${jobs} exited ${r.code}: ${(r.stdout + r.stderr).slice(-1500)}`);
    };
    const oursRun = () => runOurs(shared, 1);
    const oursJobsRun = async () => {
      await runOurs(
        shared.filter((id) => !id.startsWith('iSCSI.')),
        JOBS,
      );
      await runOurs(
        shared.filter((id) => id.startsWith('iSCSI.')),
        1,
      );
    };
    const cuSecs: number[] = [];
    const ourSecs: number[] = [];
    const jobsSecs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [ran, s] = await timed(cuRun);
      cuSecs.push(s);
      if (i === 0) shared = ran.filter((id) => ours.has(id));
      if (shared.length < 100) throw new Error(`only ${shared.length} tests in common with libiscsi's run: its output changed?`);
      ourSecs.push((await timed(oursRun))[1]);
      jobsSecs.push((await timed(oursJobsRun))[1]);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = (xs: number[]) => `${(mean(xs) / mean(cuSecs)).toFixed(2)}x`;
    rows.push([String(shared.length), fmt(mean(cuSecs)), fmt(mean(ourSecs)), ratio(ourSecs), fmt(mean(jobsSecs)), ratio(jobsSecs)]);
  } finally {
    await tgtd.stop();
  }
  return table(
    `whole-suite wall time on one tgtd LUN: iscsi-test vs libiscsi iscsi-test-cu, the same tests (${ROUNDS} alternating rounds; goal <= 0.5x; ` +
      `--jobs ${JOBS}: the SCSI tests side by side, then the iSCSI ones one at a time)`,
    ['tests', 'iscsi-test-cu s', 'iscsi-test s', 'ratio', `iscsi-test --jobs ${JOBS} s`, 'ratio'],
    rows,
  );
}
