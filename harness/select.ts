/**
 * Test selection, as libiscsi's `--test` with its faults fixed. A pattern is `FAMILY[.Suite[.Test]]`; each
 * part is an fnmatch-style glob (`*`, `?`, `[abc]`, `[!abc]`), case-sensitive, and a missing part means `*`.
 * `--test` takes comma lists, given in order, and `@file` (one pattern, or a comma list, a line; `#` starts
 * a comment). Every pattern must match something, or the run stops with exit code 2 naming it (and the
 * right spelling when only the case was wrong). A test reached through two families runs once, under
 * the first family that selected it. `--skip` removes tests matched through any of their families.
 */
import { readFileSync } from 'node:fs';
import { usageError } from './errors.js';
import { ALL, FAMILIES, LIST_ORDER, Registry, TestDef } from './registry.js';

/** A test chosen to run, with the family it was selected through. */
export interface Planned {
  test: TestDef;
  family: string;
  /** `FAMILY.Suite.Test`. */
  id: string;
  /** `FAMILY.Suite`: the JUnit testsuite and classname. */
  suiteId: string;
}

const plan = (test: TestDef, family: string): Planned => ({
  test,
  family,
  id: `${family}.${test.suite}.${test.name}`,
  suiteId: `${family}.${test.suite}`,
});

/**
 * Expand the values of --test / --skip (each possibly a comma list or @file) into single patterns, in
 * order. `read` is for tests; it defaults to reading the file as UTF-8.
 */
export function expandPatterns(values: readonly string[], option: string, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const item of v.split(',')) {
      const p = item.trim();
      if (!p) {
        if (v.trim() === '') throw usageError(`${option} needs a pattern, e.g. ${option}=SCSI.Read10`);
        continue;
      }
      if (p.startsWith('@')) {
        const file = p.slice(1);
        if (!file) throw usageError(`${option}=@ needs a file name`);
        let text: string;
        try {
          text = read(file);
        } catch (e) {
          throw usageError(`${option}=@${file}: cannot read the test-list file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        const before = out.length;
        // Bounded by the file's line count.
        for (const line of text.split(/\r?\n/)) {
          const body = line.replace(/#.*$/, '').trim();
          if (!body) continue;
          for (const q of body.split(',')) {
            const s = q.trim();
            if (!s) continue;
            if (s.startsWith('@')) throw usageError(`${option}=@${file}: a test-list file may not name another (${s})`);
            out.push(s);
          }
        }
        if (out.length === before) throw usageError(`${option}=@${file}: the test-list file holds no pattern`);
      } else {
        out.push(p);
      }
    }
  }
  return out;
}

/** fnmatch(3) without flags, on one part: `*`, `?`, `[...]` with `!` or `^` negation. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      let neg = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      re += `[${neg ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, flags);
}

interface Compiled {
  text: string;
  parts: [RegExp, RegExp, RegExp];
}

function compile(pattern: string, option: string, flags = ''): Compiled {
  const parts = pattern.split('.');
  if (parts.length > 3) throw usageError(`${option}=${pattern}: a pattern has at most three parts, FAMILY.Suite.Test`);
  if (parts.some((p) => p === '')) throw usageError(`${option}=${pattern}: empty part in the pattern (FAMILY.Suite.Test, with * for any)`);
  while (parts.length < 3) parts.push('*');
  return { text: pattern, parts: parts.map((p) => globToRegExp(p, flags)) as [RegExp, RegExp, RegExp] };
}

function matchFamily(c: Compiled, t: TestDef): string | undefined {
  if (!c.parts[1].test(t.suite) || !c.parts[2].test(t.name)) return undefined;
  return Registry.familiesOf(t).find((f) => c.parts[0].test(f));
}

/** Why a pattern matched nothing, with a suggestion when there is one. */
function nothingMatched(reg: Registry, pattern: string, option: string): Error {
  const ci = compile(pattern, option, 'i');
  for (const t of reg.tests) {
    const f = matchFamily(ci, t);
    if (f !== undefined) {
      const parts = pattern.split('.');
      const real = [f, t.suite, t.name];
      const fixed = parts.map((p, i) => (/[*?[]/.test(p) ? p : real[i]!)).join('.');
      return usageError(`${option}=${pattern} matches no test: names are case-sensitive; did you mean ${fixed}?`);
    }
  }
  const parts = pattern.split('.');
  if (parts.length <= 2) {
    const asSuite = reg.suites.find((s) => s.name.toLowerCase() === parts[0]!.toLowerCase());
    if (asSuite)
      return usageError(
        `${option}=${pattern} matches no test: the first part is the family (${LIST_ORDER.join(', ')}); did you mean *.${[asSuite.name, ...parts.slice(1)].join('.')}?`,
      );
  }
  return usageError(`${option}=${pattern} matches no test (see --list)`);
}

export interface SelectOptions {
  /** Patterns of --test, expanded; undefined or empty: every test under its own first family. */
  tests?: readonly string[];
  /** Patterns of --skip, expanded. */
  skips?: readonly string[];
}

/** Every test in run order: family by family (SCSI, then iSCSI), suites by name, tests as declared. */
function ordered(reg: Registry): TestDef[] {
  const rank = (t: TestDef) => FAMILIES.indexOf(t.families[0]!);
  return reg.tests
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
    .map((x) => x.t);
}

/** Choose the tests to run, in order. Throws an exit-2 error for a pattern that matches nothing. */
export function select(reg: Registry, o: SelectOptions = {}): Planned[] {
  const out: Planned[] = [];
  const seen = new Set<string>();
  const add = (t: TestDef, family: string) => {
    if (seen.has(t.key)) return;
    seen.add(t.key);
    out.push(plan(t, family));
  };
  if (!o.tests || o.tests.length === 0) {
    for (const t of ordered(reg)) add(t, t.families[0]!);
  } else {
    for (const p of o.tests) {
      const c = compile(p, '--test');
      let n = 0;
      for (const t of ordered(reg)) {
        const f = matchFamily(c, t);
        if (f === undefined) continue;
        n++;
        add(t, f);
      }
      if (n === 0) throw nothingMatched(reg, p, '--test');
    }
  }
  for (const p of o.skips ?? []) {
    const c = compile(p, '--skip');
    let n = 0;
    for (const t of reg.tests) if (matchFamily(c, t) !== undefined) n++;
    if (n === 0) throw nothingMatched(reg, p, '--skip');
    for (let i = out.length - 1; i >= 0; i--) if (matchFamily(c, out[i]!.test) !== undefined) out.splice(i, 1);
  }
  if (out.length === 0) throw usageError('the selection is empty: --skip removed every test --test chose');
  return out;
}

/** `--shard K/N`: parse and validate. */
export function parseShard(s: string): { k: number; n: number } {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(s.trim());
  if (!m) throw usageError(`--shard=${s}: expected K/N, e.g. --shard=2/4`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > 1000 || k < 1 || k > n) throw usageError(`--shard=${s}: need 1 <= K <= N <= 1000`);
  return { k, n };
}

/**
 * The K-th of N shards: tests are dealt round-robin in selection order, so each shard gets a similar mix
 * and the union of the N shards is the whole selection, each test in exactly one.
 */
export function shard(p: readonly Planned[], k: number, n: number): Planned[] {
  return p.filter((_, i) => i % n === k - 1);
}

/** Every (family, test) pair for `--list` without a selection, in libiscsi's order: ALL, SCSI, iSCSI. */
export function everyPair(reg: Registry): Planned[] {
  const out: Planned[] = [];
  for (const f of LIST_ORDER) for (const t of ordered(reg)) if (Registry.familiesOf(t).includes(f)) out.push(plan(t, f));
  return out;
}

/** Group planned tests by FAMILY.Suite, keeping first-appearance order. */
export function groupBySuite(p: readonly Planned[]): { suiteId: string; family: string; suite: string; tests: Planned[] }[] {
  const groups = new Map<string, { suiteId: string; family: string; suite: string; tests: Planned[] }>();
  for (const x of p) {
    let g = groups.get(x.suiteId);
    if (!g) groups.set(x.suiteId, (g = { suiteId: x.suiteId, family: x.family, suite: x.test.suite, tests: [] }));
    g.tests.push(x);
  }
  return [...groups.values()];
}

export { ALL };
