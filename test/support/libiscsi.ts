/**
 * Running libiscsi's iscsi-test-cu in project tests: reading its CUnit summary and its [FAILED] and
 * [SKIPPED] lines, and the verdict of each test.
 */
import { run } from './proc.js';

/** The suites issue 3 names, as Debian's libiscsi 1.19 spells them. */
export const ISSUE3_SUITES = [
  'SCSI.TestUnitReady',
  'SCSI.Inquiry',
  'SCSI.ReadCapacity10',
  'SCSI.ReadCapacity16',
  'SCSI.Read6',
  'SCSI.Read10',
  'SCSI.Read12',
  'SCSI.Read16',
  'SCSI.Write10',
  'SCSI.Write12',
  'SCSI.Write16',
  'SCSI.ModeSense6',
  'iSCSI.iSCSIcmdsn',
  'iSCSI.iSCSIdatasn',
  'iSCSI.iSCSIResiduals',
  'iSCSI.iSCSITMF',
];

/** The SBC suites of issue 5, as Debian's libiscsi 1.19 names them (every one of them is in 1.19). */
export const ISSUE5_SUITES = [
  'Read6',
  'Read10',
  'Read12',
  'Read16',
  'Write10',
  'Write12',
  'Write16',
  'WriteVerify10',
  'WriteVerify12',
  'WriteVerify16',
  'Verify10',
  'Verify12',
  'Verify16',
  'WriteSame10',
  'WriteSame16',
  'Unmap',
  'GetLBAStatus',
  'CompareAndWrite',
  'OrWrite',
  'Prefetch10',
  'Prefetch16',
  'ReadCapacity10',
  'ReadCapacity16',
  'WriteAtomic16',
  'ReadDefectData10',
  'ReadDefectData12',
  'StartStopUnit',
  'ReadOnly',
  'NoMedia',
  'Sanitize',
].map((s) => `SCSI.${s}`);

/** The reservation suites of issue 10 (persistent reservations and RESERVE(6)), as Debian's libiscsi 1.19 names them. */
export const ISSUE10_RESERVATION_SUITES = [
  'PrinReadKeys',
  'PrinServiceactionRange',
  'PrinReportCapabilities',
  'ProutRegister',
  'ProutReserve',
  'ProutClear',
  'ProutPreempt',
  'Reserve6',
].map((s) => `SCSI.${s}`);

/** The third-party copy suites of issue 10 (EXTENDED COPY (LID1), RECEIVE COPY RESULTS), as Debian's libiscsi 1.19 names them. */
export const ISSUE10_COPY_SUITES = ['ExtendedCopy', 'ReceiveCopyResults'].map((s) => `SCSI.${s}`);

export interface CuSummary {
  total: number;
  ran: number;
  passed: number;
  failed: number;
  failures: string[];
  skips: string[];
}

/** Read iscsi-test-cu's CUnit summary ("tests  total ran passed failed inactive") and its [FAILED]/[SKIPPED] lines. */
export function parseCu(out: string): CuSummary {
  const m = /^\s*tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(out);
  if (!m) throw new Error(`no CUnit summary in iscsi-test-cu output:\n${out.slice(-3000)}`);
  const failures: string[] = [];
  let suite = '';
  let test = '';
  for (const line of out.split('\n')) {
    const s = /^Suite: (\S+)/.exec(line);
    if (s) suite = s[1]!;
    const t = /Test: (\S+) \.\.\./.exec(line);
    if (t) test = t[1]!;
    if (/^\s*\d+\. test_\S+\.c:\d+/.test(line)) failures.push(`${suite}.${test}: ${line.trim()}`);
  }
  const skips = [...out.matchAll(/\[SKIPPED\] ([^\n]*)/g)].map((x) => x[1]!.trim());
  return { total: Number(m[1]), ran: Number(m[2]), passed: Number(m[3]), failed: Number(m[4]), failures, skips };
}

/** libiscsi's verdict on one test: it counts a skip as passed; here a test that printed [SKIPPED] is a skip. */
export type CuVerdict = 'pass' | 'fail' | 'skip';

export interface CuTest {
  /** `FAMILY.Suite.Test`, the family as given in the selection (SCSI for the issue 5 suites). */
  id: string;
  verdict: CuVerdict;
  /** The [SKIPPED] reasons it printed, in order, without repeats. */
  skips: string[];
  /** Its [FAILED] lines and the CUnit assertions that failed. */
  failures: string[];
}

/**
 * Read the verdict of every test from iscsi-test-cu's output (normal or -V): a test runs from its
 * `Test: Name ...` line to CUnit's `passed` or `FAILED`, which may share a line with the next output.
 * A test CUnit failed is a failure; one that passed but printed [SKIPPED] (libiscsi's CU_PASS("[SKIPPED]
 * ...")) is a skip, even when it checked something before skipping the rest; the others passed.
 */
export function parseCuTests(out: string, family = 'SCSI'): Map<string, CuTest> {
  const tests = new Map<string, CuTest & { done?: 'passed' | 'FAILED' }>();
  let suite = '';
  let cur: (CuTest & { done?: 'passed' | 'FAILED' }) | undefined;
  for (const line of out.split('\n')) {
    const s = /^Suite: (\S+)/.exec(line);
    if (s) {
      suite = s[1]!;
      cur = undefined;
      continue;
    }
    let rest = line;
    const t = /^\s+Test: (\S+) \.\.\.(.*)$/.exec(line);
    if (t) {
      cur = { id: `${family}.${suite}.${t[1]!}`, verdict: 'pass', skips: [], failures: [] };
      tests.set(cur.id, cur);
      rest = t[2]!;
    }
    if (!cur) continue;
    for (const m of rest.matchAll(/\[SKIPPED\] ([^[]*)/g)) {
      const why = m[1]!.trim();
      if (!cur.skips.includes(why)) cur.skips.push(why);
    }
    for (const m of rest.matchAll(/\[FAILED\] (.*)$/g)) cur.failures.push(m[1]!.trim());
    const a = /^\s+\d+\. (test_\S+\.c:\d+\s+- .*?)\s*(Send |$)/.exec(rest);
    if (a) cur.failures.push(a[1]!);
    // CUnit's own word starts what is left once the messages ([OK], [SKIPPED], [FAILED] to the end of the line) are cut.
    const word = /^\s*(passed|FAILED)\b/.exec(rest.replace(/\s*\[(?:OK|SKIPPED|FAILED)\].*$/, ''));
    if (word?.[1] === 'FAILED') cur.done = 'FAILED';
    else if (word && !cur.done) cur.done = 'passed';
  }
  const out2 = new Map<string, CuTest>();
  for (const [id, x] of tests) {
    const verdict: CuVerdict = x.done === 'FAILED' ? 'fail' : x.skips.length > 0 ? 'skip' : 'pass';
    out2.set(id, { id, verdict, skips: x.skips, failures: x.failures });
  }
  return out2;
}

/**
 * Run iscsi-test-cu once per suite (each in its own process), so that no test inherits libiscsi's
 * process state from another suite: libiscsi 1.19's CompareAndWrite.InvalidDataOutSize, on a thin LUN
 * of a target without COMPARE AND WRITE, skips without restoring the block size it changed, and every
 * later 16-byte command of that process is sent with a wrong TRANSFER LENGTH. iscsi-test-cu also runs
 * the suites of one selection in reverse order; one suite a process keeps the order given. Without -V,
 * some tests (NoMedia.NoMediaSBC…) skip without printing [SKIPPED] and would read as passed.
 */
export async function runCuSuites(
  url: string,
  suites: readonly string[],
  opts: { args?: string[]; timeoutMs?: number } = {},
): Promise<{ tests: Map<string, CuTest>; output: string }> {
  const tests = new Map<string, CuTest>();
  let output = '';
  for (const suite of suites) {
    // -V: some tests print their [SKIPPED] line only at the verbose logging level.
    const r = await run('iscsi-test-cu', [...(opts.args ?? ['--dataloss', '--allow-sanitize']), '-V', '-t', suite, url], {
      timeoutMs: opts.timeoutMs ?? 300_000,
    });
    output += `=== ${suite} (exit ${r.code})\n${r.stdout}${r.stderr ? `--- stderr\n${r.stderr}` : ''}\n`;
    const family = suite.split('.')[0]!;
    const got = parseCuTests(r.stdout, family);
    if (got.size === 0) throw new Error(`iscsi-test-cu -t ${suite}: no test ran\n${r.stdout.slice(-2000)}${r.stderr.slice(-1000)}`);
    for (const [id, t] of got) tests.set(id, t);
  }
  return { tests, output };
}
