/**
 * The reports' data model: one result per test, and the run around them. Reporters (console, JUnit,
 * JSON, traces) read only these.
 */
import type { TraceEntry } from './initiator/index.js';
import type { Level } from './registry.js';
import type { DeviceFacts } from './probe.js';

/**
 * pass; fail (the target broke a MUST); skip (with its reason: a flag not given, a feature the target
 * lacks); error (the harness or the environment broke, not the target); warn (a SHOULD-level requirement
 * failed; a failure with --strict).
 */
export type Verdict = 'pass' | 'fail' | 'skip' | 'error' | 'warn';
export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'skip', 'error', 'warn'];

/** The wire traffic of one session of a test, kept for --trace. */
export interface SessionTrace {
  label: string;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  entries: TraceEntry[];
}

export interface TestResult {
  /** FAMILY.Suite.Test */
  id: string;
  family: string;
  suite: string;
  name: string;
  /** FAMILY.Suite */
  suiteId: string;
  clause: string;
  level: Level;
  doc: string;
  needs: string[];
  verdict: Verdict;
  /** fail/error: what went wrong; skip: the reason; warn: the warnings. */
  message?: string;
  warnings: string[];
  durationMs: number;
  /** The narration: [ms since the test started, line]. */
  log: [number, string][];
  /** Stack of an error thrown by harness or test code (verdict error). */
  stack?: string;
  traces?: SessionTrace[];
  /** The target did not answer in time (a command, or the login of the test's session). */
  noAnswer?: boolean;
}

export interface RunInfo {
  tool: string;
  version: string;
  /** The target as reports name it (URL with the password hidden). */
  target: string;
  targetName: string;
  lun: number;
  embedded: boolean;
  /** One line describing the device (vendor, product, capacity, flags). */
  device: string;
  facts: DeviceFacts;
  initiatorName: string;
  initiatorName2: string;
  dataloss: boolean;
  sanitize: boolean;
  strict: boolean;
  shard?: string;
  planned: number;
  startedAt: Date;
}

export type Counts = Record<Verdict, number> & { total: number };

export function countVerdicts(results: readonly TestResult[]): Counts {
  const c: Counts = { pass: 0, fail: 0, skip: 0, error: 0, warn: 0, total: results.length };
  for (const r of results) c[r.verdict]++;
  return c;
}

/** The outcome of comparing a run with a committed baseline (--expect). */
export interface BaselineDiff {
  file: string;
  /** Tests whose verdict is what the baseline says. */
  matched: number;
  /** Tests whose verdict differs: id, expected verdict, actual verdict, the result's message. */
  changed: { id: string; expected: Verdict; actual: Verdict; message?: string; reason?: string }[];
  /** Baseline entries that name no test of the registry. */
  unknown: string[];
}

export interface RunReport {
  info: RunInfo;
  results: TestResult[];
  counts: Counts;
  durationMs: number;
  /** Why the run stopped before its last test (the target stopped responding), when it did. */
  stopped?: string;
  baseline?: BaselineDiff;
}

/** What reporters implement; every method is optional. */
export interface Reporter {
  start?(info: RunInfo): void;
  testStart?(id: string): void;
  /** A narration line of the running test (commands and outcomes). */
  line?(id: string, text: string): void;
  testEnd?(r: TestResult): void;
  end?(report: RunReport): void | Promise<void>;
}
