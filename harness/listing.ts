/**
 * `--list` (family, suite and test lines, as libiscsi prints them), `--list --json` (each test with its
 * doc, clause, level, needs and families) and `-V`/`--describe` (each test's documentation). None of them
 * needs a target.
 */
import { needName, Registry } from './registry.js';
import type { Planned } from './select.js';

/** libiscsi's --list: `FAMILY`, then `FAMILY.Suite` and its `FAMILY.Suite.Test` lines. */
export function listText(p: readonly Planned[]): string {
  const out: string[] = [];
  let fam: string | undefined;
  let suite: string | undefined;
  for (const x of p) {
    if (x.family !== fam) {
      out.push(x.family);
      fam = x.family;
      suite = undefined;
    }
    if (x.suiteId !== suite) {
      out.push(x.suiteId);
      suite = x.suiteId;
    }
    out.push(x.id);
  }
  return out.join('\n') + '\n';
}

export function listJson(p: readonly Planned[]): string {
  const tests = p.map((x) => ({
    id: x.id,
    family: x.family,
    suite: x.test.suite,
    test: x.test.name,
    families: Registry.familiesOf(x.test),
    doc: x.test.doc,
    clause: x.test.clause,
    level: x.test.level,
    needs: x.test.needs.map(needName),
    ...(x.test.timeout !== undefined ? { timeout: x.test.timeout } : {}),
    exclusive: x.test.exclusive,
  }));
  return JSON.stringify({ tests }, null, 2) + '\n';
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(indent + cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(indent + cur);
  return lines.join('\n');
}

/** -V: each selected test's documentation. */
export function describeText(p: readonly Planned[]): string {
  const out: string[] = [];
  for (const x of p) {
    const t = x.test;
    out.push(x.id);
    out.push(
      `    ${t.level}, ${t.clause}${t.needs.length ? `; needs: ${t.needs.map(needName).join(', ')}` : ''}; families: ` +
        `${Registry.familiesOf(t).join(', ')}${t.exclusive ? '; runs alone under --jobs (LU-wide side effects)' : ''}`,
    );
    out.push(wrap(t.doc, 96, '    '));
    out.push('');
  }
  return out.join('\n');
}
