/**
 * JUnit XML for CI (Jenkins, GitLab, GitHub): one `<testsuite>` per FAMILY.Suite, one `<testcase
 * classname="FAMILY.Suite" name="Test">` per test, `<failure message=…>` with the expected-versus-got text,
 * `<skipped message=…>` with the skip reason, `<error message=…>` for harness or environment errors, and
 * the target under test as `<properties>`. A SHOULD-level warning passes, with the warning in
 * `<system-out>`. The output validates against fixtures/junit/jenkins-junit.xsd, our schema of the JUnit format the Jenkins xunit plugin reads (junit-10,
 * checked by the project's tests).
 *
 * Our own reporter rather than mocha-junit-reporter, which crashes under mocha 12 and writes `<skipped/>`
 * without a reason.
 */
import { hostname } from 'node:os';
import type { RunInfo, RunReport, TestResult } from '../harness/results.js';
import { el, xmlText } from './xml.js';

const time = (ms: number): string => (ms / 1000).toFixed(3);

function properties(info: RunInfo): [string, string][] {
  const f = info.facts;
  const p: [string, string][] = [
    ['tool', `${info.tool} ${info.version}`],
    ['target', info.target],
    ['target.name', info.targetName],
    ['target.lun', String(info.lun)],
    ['target.embedded', String(info.embedded)],
    ['device', info.device],
    ['device.vendor', f.inquiry.vendor ?? ''],
    ['device.product', f.inquiry.product ?? ''],
    ['device.revision', f.inquiry.revision ?? ''],
    ['device.type', String(f.deviceType)],
    ['device.blocks', String(f.blocks)],
    ['device.blockSize', String(f.blockSize)],
    ['device.thin', String(f.thin)],
    ['device.readOnly', String(f.readOnly)],
    ['initiator.name', info.initiatorName],
    ['initiator.name2', info.initiatorName2],
    ['option.dataloss', String(info.dataloss)],
    ['option.allowSanitize', String(info.sanitize)],
    ['option.strict', String(info.strict)],
  ];
  if (info.shard) p.push(['option.shard', info.shard]);
  return p;
}

function details(r: TestResult): string {
  const lines = [`${r.id} [${r.level}, ${r.clause}]`, r.doc, ''];
  if (r.message) lines.push(r.message, '');
  for (const [ms, l] of r.log) lines.push(`${(ms / 1000).toFixed(3)}  ${l}`);
  if (r.stack) lines.push('', r.stack);
  return lines.join('\n');
}

function testcase(r: TestResult): string {
  const attrs = { classname: r.suiteId, name: r.name, time: time(r.durationMs) };
  switch (r.verdict) {
    case 'pass':
      return el('testcase', attrs);
    case 'warn':
      return el('testcase', attrs, el('system-out', {}, xmlText(`WARNING (SHOULD, ${r.clause}): ${r.message ?? ''}\n\n${details(r)}`)));
    case 'skip':
      return el('testcase', attrs, el('skipped', { message: r.message ?? 'skipped' }));
    case 'fail':
      return el('testcase', attrs, el('failure', { message: r.message ?? 'failed', type: r.level }, xmlText(details(r))));
    case 'error':
      return el('testcase', attrs, el('error', { message: r.message ?? 'error', type: 'harness' }, xmlText(details(r))));
  }
}

/** The JUnit XML document of a run. */
export function junitXml(report: RunReport): string {
  const groups = new Map<string, TestResult[]>();
  for (const r of report.results) {
    let g = groups.get(r.suiteId);
    if (!g) groups.set(r.suiteId, (g = []));
    g.push(r);
  }
  const stamp = report.info.startedAt.toISOString().replace(/\.[0-9]+Z$/, '');
  const host = hostname();
  const props = el(
    'properties',
    {},
    properties(report.info)
      .map(([name, value]) => el('property', { name, value }))
      .join(''),
  );
  const suites = [...groups.entries()].map(([name, rs]) => {
    const n = (v: string) => rs.filter((r) => r.verdict === v).length;
    const t = rs.reduce((s, r) => s + r.durationMs, 0);
    return el(
      'testsuite',
      { name, tests: rs.length, failures: n('fail'), errors: n('error'), skipped: n('skip'), time: time(t), timestamp: stamp, hostname: host },
      '\n    ' + props + '\n    ' + rs.map(testcase).join('\n    ') + '\n  ',
    );
  });
  const c = report.counts;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    el(
      'testsuites',
      { name: `iscsi-test ${report.info.target}`, tests: c.total, failures: c.fail, errors: c.error, time: time(report.durationMs) },
      '\n  ' + suites.join('\n  ') + '\n',
    ) +
    '\n'
  );
}
