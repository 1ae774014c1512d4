/**
 * `iscsi-test report [--html=FILE] RUN.json [RUN.json…]`: the HTML report of runs saved with --json. One
 * file gives the report of that run; several give the matrix, tests × targets, with each run's facts and
 * failures below it (reporters/html.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { usageError } from '../harness/errors.js';
import { htmlMatrix, htmlReport, ReportRun } from '../reporters/html.js';
import { parseToolArgs, ToolIo } from './common.js';

export const REPORT_SYNOPSIS = 'report [--html=FILE] RUN.json [RUN.json...]';

/** Read one --json file; anything else is a usage error naming the file and what is missing. */
export function readRun(file: string): ReportRun {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw usageError(`report: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw usageError(`report: ${file} is not JSON: ${(e as Error).message}`);
  }
  const r = v as Partial<ReportRun> | null;
  const missing =
    !r || typeof r !== 'object'
      ? 'an object'
      : !r.info || typeof r.info.target !== 'string'
        ? 'info.target'
        : !Array.isArray(r.results)
          ? 'results'
          : !r.counts
            ? 'counts'
            : undefined;
  if (missing) throw usageError(`report: ${file} is not a --json file of iscsi-test (no ${missing})`);
  for (const [i, x] of r!.results!.entries()) {
    if (!x || typeof x.id !== 'string' || typeof x.verdict !== 'string') throw usageError(`report: ${file}: result ${i} has no id or verdict`);
    x.log ??= [];
    x.warnings ??= [];
  }
  return r as ReportRun;
}

export async function reportTool(argv: string[], io: ToolIo): Promise<number> {
  const { values, positionals } = parseToolArgs('report', argv, { html: { type: 'string' } });
  if (values.help) {
    io.out.write(
      `usage: iscsi-test ${REPORT_SYNOPSIS}\n  HTML report of runs saved with --json (default: to stdout). Several files: a matrix, tests x targets.\n`,
    );
    return 0;
  }
  if (positionals.length === 0) throw usageError(`report: no --json file given (usage: iscsi-test ${REPORT_SYNOPSIS})`);
  const runs = positionals.map(readRun);
  const html = runs.length === 1 ? htmlReport(runs[0]!) : htmlMatrix(runs);
  const file = values.html ?? '-';
  if (file === '-' || file === '') io.out.write(html);
  else {
    try {
      writeFileSync(file, html);
    } catch (e) {
      throw usageError(`report: --html=${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return 0;
}
