/**
 * The coverage page (`iscsi-test --coverage[=FILE]`), generated from the registry: which sections of SBC-4,
 * SPC-5, RFC 7143 (and the other standards tests cite) are checked, and by which tests; then each suite with
 * its tests, clause and level. Markdown, or HTML when FILE ends in .html. A section's name comes from the
 * project's one clause table (protocol/scsi/clauses.ts), never written again here.
 */
import { SBC4, SPC5 } from '../protocol/scsi/clauses.js';
import type { Planned } from '../harness/select.js';
import { esc, page } from './html-page.js';

/** One citation of a test: the standard and the section (a number, or a subject in parentheses). */
export interface Citation {
  standard: string;
  section: string;
}

export interface CoverageSection {
  section: string;
  /** The clause table's name for it, when it has one. */
  name?: string;
  tests: { id: string; level: string }[];
}

export interface Coverage {
  tests: number;
  suites: { suiteId: string; tests: { id: string; name: string; level: string; clause: string }[] }[];
  standards: { standard: string; sections: CoverageSection[] }[];
}

/** Standards in the order the page shows them: the three the project checks first. */
const ORDER = ['SBC-4', 'SPC-5', 'RFC 7143'];

/**
 * Split a clause field into its citations: commas separate them, except inside parentheses; a bare number
 * continues the standard before it (`RFC 7143 11.18, 11.19`).
 */
export function citations(clause: string): Citation[] {
  const out: Citation[] = [];
  for (const raw of clause.split(/,(?![^()]*\))/)) {
    const c = raw.trim();
    if (!c) continue;
    const m = /^((?:RFC \d+)|(?:[A-Z][A-Za-z0-9]*(?:-\d+)?))\s+(.+)$/.exec(c);
    const prev = out[out.length - 1];
    if (m) out.push({ standard: m[1]!, section: m[2]! });
    else if (prev && /^\d+(\.\d+)*$/.test(c)) out.push({ standard: prev.standard, section: c });
    else out.push({ standard: 'other', section: c });
  }
  return out;
}

/** `READ_10` for 'SBC-4 5.16': the constant's name in the clause table. */
const NAMES = new Map<string, string>([...Object.entries(SBC4), ...Object.entries(SPC5)].map(([k, v]) => [v, k.replace(/_/g, ' ')]));

/** Numbered sections in numeric order (4.5 before 4.21), then named subjects alphabetically. */
function bySection(a: string, b: string): number {
  const na = /^\d+(\.\d+)*/.exec(a)?.[0];
  const nb = /^\d+(\.\d+)*/.exec(b)?.[0];
  if (na && nb) {
    const pa = na.split('.').map(Number);
    const pb = nb.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? -1) - (pb[i] ?? -1);
      if (d) return d;
    }
    return a.localeCompare(b);
  }
  if (na) return -1;
  if (nb) return 1;
  return a.localeCompare(b);
}

export function coverage(plan: readonly Planned[]): Coverage {
  const std = new Map<string, Map<string, CoverageSection>>();
  const suites = new Map<string, Coverage['suites'][number]>();
  for (const p of plan) {
    const t = p.test;
    if (!suites.has(p.suiteId)) suites.set(p.suiteId, { suiteId: p.suiteId, tests: [] });
    suites.get(p.suiteId)!.tests.push({ id: p.id, name: t.name, level: t.level, clause: t.clause });
    for (const c of citations(t.clause)) {
      if (!std.has(c.standard)) std.set(c.standard, new Map());
      const secs = std.get(c.standard)!;
      if (!secs.has(c.section)) {
        const name = NAMES.get(`${c.standard} ${c.section}`);
        secs.set(c.section, { section: c.section, ...(name ? { name } : {}), tests: [] });
      }
      const s = secs.get(c.section)!;
      if (!s.tests.some((x) => x.id === p.id)) s.tests.push({ id: p.id, level: t.level });
    }
  }
  const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : s === 'other' ? 99 : 10);
  const standards = [...std.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([standard, secs]) => ({ standard, sections: [...secs.values()].sort((a, b) => bySection(a.section, b.section)) }));
  return { tests: plan.length, suites: [...suites.values()], standards };
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|');

export function coverageMarkdown(c: Coverage): string {
  const out: string[] = ['# iscsi-test coverage', ''];
  out.push(`${c.tests} tests in ${c.suites.length} suites. Sections cited: ${c.standards.map((s) => `${s.standard} ${s.sections.length}`).join(', ')}.`, '');
  out.push('## By standard section', '');
  for (const s of c.standards) {
    out.push(`### ${s.standard}`, '', '| Section | Tests |', '|---|---|');
    for (const sec of s.sections)
      out.push(
        `| ${mdCell(sec.section)}${sec.name ? ` ${mdCell(sec.name)}` : ''} | ` +
          `${sec.tests.map((t) => `${t.id}${t.level === 'SHOULD' ? ' (SHOULD)' : ''}`).join(', ')} |`,
      );
    out.push('');
  }
  out.push('## By suite', '');
  for (const s of c.suites) {
    out.push(`### ${s.suiteId}`, '', '| Test | Level | Clause |', '|---|---|---|');
    for (const t of s.tests) out.push(`| ${t.name} | ${t.level} | ${mdCell(t.clause)} |`);
    out.push('');
  }
  return out.join('\n');
}

export function coverageHtml(c: Coverage): string {
  let body = `<h1>iscsi-test coverage</h1>\n<p>${c.tests} tests in ${c.suites.length} suites. Sections cited: ${c.standards.map((s) => `${esc(s.standard)} ${s.sections.length}`).join(', ')}.</p>\n`;
  body += '<h2>By standard section</h2>\n';
  for (const s of c.standards) {
    body += `<h3 id="std-${esc(s.standard.replace(/\W+/g, '-'))}">${esc(s.standard)}</h3>\n<table class="coverage"><thead><tr><th>Section</th><th>Tests</th></tr></thead><tbody>\n`;
    for (const sec of s.sections) {
      const name = sec.name ? ` <span class="muted">${esc(sec.name)}</span>` : '';
      const tests = sec.tests.map((t) => `<code>${esc(t.id)}</code>${t.level === 'SHOULD' ? ' <span class="muted">(SHOULD)</span>' : ''}`).join(', ');
      body += `<tr><td>${esc(sec.section)}${name}</td><td>${tests}</td></tr>\n`;
    }
    body += '</tbody></table>\n';
  }
  body += '<h2>By suite</h2>\n';
  for (const s of c.suites) {
    body += `<h3>${esc(s.suiteId)}</h3>\n<table><thead><tr><th>Test</th><th>Level</th><th>Clause</th></tr></thead><tbody>\n`;
    for (const t of s.tests) body += `<tr><td>${esc(t.name)}</td><td>${esc(t.level)}</td><td>${esc(t.clause)}</td></tr>\n`;
    body += '</tbody></table>\n';
  }
  return page('iscsi-test coverage', body);
}
