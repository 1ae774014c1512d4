/**
 * --trace DIR: for each failed or errored test, `DIR/<FAMILY.Suite.Test>.txt` (the verdict, the
 * narration, and every PDU of every session the test opened, decoded one a line, with the BHS in hex)
 * and `DIR/<FAMILY.Suite.Test>.pcap` (the same traffic as a capture, see pcap.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport, TestResult } from '../harness/results.js';
import { pcapOf } from './pcap.js';

const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

export function traceText(r: TestResult): string {
  const out = [`${r.id}: ${r.verdict.toUpperCase()}${r.message ? `: ${r.message}` : ''}`, `${r.level}, ${r.clause}`, r.doc, '', 'Narration:'];
  for (const [ms, l] of r.log) out.push(`  +${(ms / 1000).toFixed(3)} s  ${l}`);
  for (const t of r.traces ?? []) {
    out.push('', `${t.label}: ${t.local.address}:${t.local.port} -> ${t.remote.address}:${t.remote.port}`);
    for (const e of t.entries) {
      out.push(`  ${hhmmss(e.time)} ${e.dir === 'send' ? '>>' : '<<'} ${e.text}`);
      const bhs = e.bytes[0];
      if (bhs && bhs.length >= 48)
        out.push(
          `      BHS ${bhs
            .subarray(0, 48)
            .toString('hex')
            .replace(/(.{8})/g, '$1 ')
            .trim()}`,
        );
    }
  }
  return out.join('\n') + '\n';
}

/** Write the trace files of every failed or errored test of the run; returns the files written. */
export function writeTraces(dir: string, report: RunReport): string[] {
  const files: string[] = [];
  for (const r of report.results) {
    if (r.verdict !== 'fail' && r.verdict !== 'error') continue;
    const base = join(dir, r.id.replace(/[^A-Za-z0-9._-]/g, '_'));
    writeFileSync(`${base}.txt`, traceText(r));
    files.push(`${base}.txt`);
    if (r.traces && r.traces.length) {
      writeFileSync(`${base}.pcap`, pcapOf(r.traces));
      files.push(`${base}.pcap`);
    }
  }
  return files;
}
