/**
 * Running libiscsi's iscsi-test-cu in project tests: reading its CUnit summary and its [FAILED] and
 * [SKIPPED] lines.
 */

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

