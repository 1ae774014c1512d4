/**
 * The console report: a header naming the target and the device, one line a test (verdict, dotted name,
 * time or skip reason), the failure message under a failed test, and a summary of the counts.
 *
 * --silent: only failures, errors and warnings, and the summary. --normal (default): every test.
 * --verbose: also the start-up probe and, under each test, every command it sent and what came back, as
 * libiscsi's -V narrates.
 */
import type { Reporter, RunInfo, RunReport, TestResult, Verdict } from '../harness/results.js';

export type Verbosity = 'silent' | 'normal' | 'verbose';

const LABEL: Record<Verdict, string> = { pass: 'PASS ', fail: 'FAIL ', skip: 'SKIP ', error: 'ERROR', warn: 'WARN ' };

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export function summaryLine(r: RunReport): string {
  const c = r.counts;
  const parts = [
    `${c.pass} passed`,
    `${c.fail} failed`,
    `${c.skip} skipped`,
    `${c.error} error${c.error === 1 ? '' : 's'}`,
    `${c.warn} warning${c.warn === 1 ? '' : 's'}`,
  ];
  return `Summary: ${parts.join(', ')} (${c.total} tests, ${(r.durationMs / 1000).toFixed(1)} s)`;
}

export class ConsoleReporter implements Reporter {
  constructor(
    private readonly out: { write(s: string): unknown },
    private readonly verbosity: Verbosity = 'normal',
  ) {}

  private w(s: string): void {
    this.out.write(s + '\n');
  }

  start(info: RunInfo): void {
    if (this.verbosity === 'silent') return;
    this.w(`${info.tool} ${info.version}`);
    this.w(`Target:    ${info.target}${info.embedded ? '  (embedded reference target, started in-process: no URL was given)' : ''}`);
    this.w(`Device:    ${info.device}`);
    const flags = [
      info.dataloss ? 'dataloss allowed' : 'no --dataloss (tests that write are skipped)',
      info.sanitize ? 'sanitize allowed' : '',
      info.strict ? 'strict' : '',
      info.shard ? `shard ${info.shard}` : '',
    ].filter(Boolean);
    this.w(`Options:   ${flags.join(', ')}`);
    if (this.verbosity === 'verbose') {
      this.w('Probe:');
      for (const l of info.facts.log) this.w(`    ${l}`);
      for (const p of info.facts.problems) this.w(`    [NOTE] ${p}`);
    }
    this.w(`Running ${info.planned} test${info.planned === 1 ? '' : 's'}`);
    this.w('');
  }

  testStart(id: string): void {
    if (this.verbosity === 'verbose') this.w(`  ${id}`);
  }

  line(_id: string, text: string): void {
    if (this.verbosity === 'verbose') this.w(`        ${text}`);
  }

  testEnd(r: TestResult): void {
    if (this.verbosity === 'silent' && (r.verdict === 'pass' || r.verdict === 'skip')) return;
    const tail = r.verdict === 'skip' ? (r.message ?? '') : secs(r.durationMs);
    this.w(`  ${LABEL[r.verdict]} ${r.id.padEnd(52)} ${tail}`);
    if (r.verdict === 'fail' || r.verdict === 'error' || r.verdict === 'warn') {
      for (const m of r.verdict === 'warn' ? (r.warnings.length ? r.warnings : [r.message ?? '']) : [r.message ?? '']) this.w(`        ${m}`);
      if (r.verdict !== 'error') this.w(`        (${r.level}, ${r.clause})`);
    }
  }

  end(report: RunReport): void {
    this.w('');
    if (report.baseline) {
      const b = report.baseline;
      this.w(`Baseline ${b.file}: ${b.matched} as expected, ${b.changed.length} changed`);
      for (const c of b.changed)
        this.w(`  CHANGED ${c.id}: expected ${c.expected}${c.reason ? ` (${c.reason})` : ''}, got ${c.actual}${c.message ? `: ${c.message}` : ''}`);
      for (const u of b.unknown) this.w(`  [NOTE] the baseline names ${u}, which is not a test`);
    }
    if (report.stopped) this.w(`Run stopped: ${report.stopped}`);
    this.w(summaryLine(report));
  }
}
