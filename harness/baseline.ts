/**
 * Expectation baselines (`--expect FILE`): a committed list of the known failures and skips of one
 * target, each with a one-line reason and the clause, so CI fails on changes only. A test the baseline
 * does not name is expected to pass. A test that now passes but is listed is a change too: the baseline
 * must be updated, or it would hide the next regression.
 *
 * {
 *   "target": "Debian tgt 1.0.85, 64 MiB file LUN",
 *   "expected": {
 *     "SCSI.Read6.Simple": { "verdict": "skip", "reason": "READ(6) is not implemented", "clause": "SBC-3 (READ (6))" }
 *   }
 * }
 *
 * Keys may name the family (`SCSI.Read6.Simple`) or not (`Read6.Simple`); a test matches whatever family
 * it ran under.
 *
 * Other fields are accepted and ignored, at the top level and in entries: the tgtd baselines carry notes for
 * people and project tests (`command`, `clauses`, an entry's `libiscsi` verdict with why and the deciding
 * clause, a top-level `libiscsiDiffers` map). Only `target` and `expected` mean anything to the harness.
 */
import { readFileSync } from 'node:fs';
import { usageError } from './errors.js';
import type { Registry } from './registry.js';
import type { BaselineDiff, TestResult, Verdict } from './results.js';
import { VERDICTS } from './results.js';
import { LIST_ORDER } from './registry.js';

export interface BaselineEntry {
  verdict: Verdict;
  reason: string;
  clause: string;
  /** Fields the harness does not read (e.g. `libiscsi`), kept as they were. */
  [note: string]: unknown;
}

export interface Baseline {
  file: string;
  target?: string;
  /** By `Suite.Test`. */
  entries: Map<string, BaselineEntry & { key: string }>;
}

const stripFamily = (k: string): string => {
  const parts = k.split('.');
  return parts.length === 3 && LIST_ORDER.includes(parts[0]!) ? parts.slice(1).join('.') : k;
};

/** Load and validate a baseline file (exit code 2 when it cannot be read or is malformed). */
export function loadBaseline(file: string, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): Baseline {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    throw usageError(`--expect=${file}: cannot read the baseline (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw usageError(`--expect=${file}: not JSON (${(e as Error).message})`);
  }
  const o = json as { target?: unknown; expected?: unknown };
  if (!o || typeof o !== 'object' || !o.expected || typeof o.expected !== 'object' || Array.isArray(o.expected)) {
    throw usageError(`--expect=${file}: expected an object with "expected": { "FAMILY.Suite.Test": { "verdict", "reason", "clause" } }`);
  }
  const entries = new Map<string, BaselineEntry & { key: string }>();
  for (const [k, v] of Object.entries(o.expected as Record<string, unknown>)) {
    const e = v as Partial<BaselineEntry>;
    if (!e || typeof e !== 'object') throw usageError(`--expect=${file}: entry ${k} is not an object`);
    if (!VERDICTS.includes(e.verdict as Verdict))
      throw usageError(`--expect=${file}: entry ${k} has verdict ${JSON.stringify(e.verdict)} (one of ${VERDICTS.join(', ')})`);
    if (typeof e.reason !== 'string' || !e.reason.trim()) throw usageError(`--expect=${file}: entry ${k} has no reason (every known failure or skip says why)`);
    if (typeof e.clause !== 'string' || !e.clause.trim()) throw usageError(`--expect=${file}: entry ${k} has no clause`);
    const key = stripFamily(k);
    if (entries.has(key)) throw usageError(`--expect=${file}: ${key} is listed twice`);
    entries.set(key, { ...(e as object), verdict: e.verdict as Verdict, reason: e.reason, clause: e.clause, key: k });
  }
  return { file, ...(typeof o.target === 'string' ? { target: o.target } : {}), entries };
}

/** Compare a run's results with a baseline. */
export function compareBaseline(b: Baseline, results: readonly TestResult[], reg?: Registry): BaselineDiff {
  const diff: BaselineDiff = { file: b.file, matched: 0, changed: [], unknown: [] };
  for (const r of results) {
    const e = b.entries.get(`${r.suite}.${r.name}`);
    const expected: Verdict = e?.verdict ?? 'pass';
    if (expected === r.verdict) diff.matched++;
    else diff.changed.push({ id: r.id, expected, actual: r.verdict, ...(r.message ? { message: r.message } : {}), ...(e ? { reason: e.reason } : {}) });
  }
  if (reg) for (const [k, e] of b.entries) if (!reg.get(k)) diff.unknown.push(e.key);
  return diff;
}
