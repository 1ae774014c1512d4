/**
 * The whole run as JSON (`--json FILE`): the target and device facts, every result with its narration,
 * the counts, and the baseline comparison. Buffers become hex, bigints strings; wire traces are left to
 * --trace.
 */
import type { RunReport } from '../harness/results.js';

export function jsonReport(report: RunReport): string {
  const results = report.results.map(({ traces: _traces, ...r }) => r);
  return JSON.stringify({ ...report, results }, replacer, 2) + '\n';
}

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('hex');
  }
  if (v === Infinity) return null;
  return v;
}
