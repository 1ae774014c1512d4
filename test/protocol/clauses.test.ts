/**
 * One clause numbering (protocol/scsi/clauses.ts): every `SBC-4 n.n` / `SPC-5 n.n` that a registered test, a
 * tgtd baseline or a comment of protocol/, harness/, suites/ and reference-target/ cites is a number the table
 * establishes (SBC-4 as of sbc4r22, SPC-5 as of spc5r17), and the table gives no two entries one number, so
 * that a number of another revision, or a guessed one, cannot creep back in.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { ALL_CLAUSES, SBC4, SPC5 } from '../../protocol/scsi/clauses.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../../..');
const FIXTURES = resolve(ROOT, 'fixtures/expect');

/**
 * The numbered citations of SBC-4 and SPC-5 in `text`, with the bare numbers that continue one in a list:
 * `SBC-4 5.21, 5.6` and `SPC-5 6.12/6.13` and `SBC-4 5.36-5.38` each cite both numbers.
 */
export function citations(text: string): string[] {
  const out: string[] = [];
  const re = /\b(SBC-4|SPC-5) (\d+(?:\.\d+)*)((?:(?:, | and |\/|-)\d+\.\d+(?:\.\d+)*)*)/g;
  for (const m of text.matchAll(re)) {
    const std = m[1]!;
    out.push(`${std} ${m[2]}`);
    for (const n of m[3]!.match(/\d+\.\d+(?:\.\d+)*/g) ?? []) out.push(`${std} ${n}`);
  }
  return out;
}

/** `SPC-5 6.16 (READ RESERVATION)` → `SPC-5 6.16`; a citation by name alone has no number. */
function numberOf(value: string): string | undefined {
  return /^((?:SBC-4|SPC-5) \d+(?:\.\d+)*)(?: \(.+\))?$/.exec(value)?.[1];
}

/** The numbers the table establishes. */
const NUMBERS = new Set(ALL_CLAUSES.map(numberOf).filter((n): n is string => n !== undefined));

function unknown(text: string): string[] {
  return citations(text).filter((c) => !NUMBERS.has(c));
}

/** Every string in a JSON value, with where it is. */
function strings(v: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, `${at}.${k}`, out);
  return out;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('protocol/scsi/clauses', () => {
  it('finds the citations of a text, bare numbers of a list included', () => {
    assert.deepEqual(citations('(SBC-4 5.21, 5.6 and SPC-5 6.12/6.13, SAM-5 5.2, RFC 7143 11.4.5.2)'), ['SBC-4 5.21', 'SBC-4 5.6', 'SPC-5 6.12', 'SPC-5 6.13']);
    assert.deepEqual(citations('SBC-4 5.36-5.38, 5.44 and 4.5; SPC-5 (REPORT LUNS)'), ['SBC-4 5.36', 'SBC-4 5.38', 'SBC-4 5.44', 'SBC-4 4.5']);
    assert.deepEqual(unknown('SBC-4 5.12 PRE-FETCH (16), SBC-4 4.22 protection'), ['SBC-4 5.12', 'SBC-4 4.22']); // older numbers
    assert.deepEqual(unknown(`${SBC4.READ_10}, ${SBC4.PROTECTION}, ${SPC5.READ_RESERVATION}`), []);
  });

  it('has well-formed entries, no two with one value, and no two numbered entries with one number', () => {
    assert.equal(new Set(ALL_CLAUSES).size, ALL_CLAUSES.length, 'two entries with the same value');
    const byNumber = new Map<string, string[]>();
    for (const [std, table] of [
      ['SBC4', SBC4],
      ['SPC5', SPC5],
    ] as const) {
      for (const [key, value] of Object.entries(table)) {
        assert.match(value, /^(SBC-[34]|SPC-5)( \d+(\.\d+)*)?( \(.+\))?$/, `${std}.${key}: ${value}`);
        assert.ok(/ \d/.test(value) || / \(.+\)$/.test(value), `${std}.${key} is neither numbered nor named: ${value}`);
        if (/^(SBC-4|SPC-5) [\d.]+$/.test(value)) byNumber.set(value, [...(byNumber.get(value) ?? []), `${std}.${key}`]);
      }
    }
    for (const [n, keys] of byNumber) assert.equal(keys.length, 1, `${n} is given to ${keys.join(' and ')}`);
    // A subclause cited by name under its clause (`SPC-5 6.16 (READ RESERVATION)`) names a clause of the table.
    for (const value of ALL_CLAUSES) {
      const n = numberOf(value);
      if (n !== undefined && n !== value) assert.ok(byNumber.has(n), `${value}: ${n} is not an entry of its own`);
    }
  });

  it('numbers the commands as sbc4r22 and spc5r17 do', () => {
    // A few anchors from the evidence in the header of clauses.ts.
    assert.equal(SBC4.READ_CAPACITY_10, 'SBC-4 5.20');
    assert.equal(SBC4.READ_CAPACITY_16, 'SBC-4 5.21');
    assert.equal(SBC4.WRITE_ATOMIC_16, 'SBC-4 5.48');
    assert.equal(SBC4.BLOCK_LIMITS, 'SBC-4 6.6.4');
    assert.equal(SBC4.UNMAP, 'SBC-4 5.35');
    assert.equal(SPC5.PERSISTENT_RESERVE_IN, 'SPC-5 6.16');
    assert.equal(SPC5.READ_KEYS, 'SPC-5 6.16.2');
  });

  it('every registered test cites only numbers of the table', async () => {
    const reg = await Registry.load([defaultSuitesDir()]);
    assert.ok(reg.tests.length > 100, `${reg.tests.length} tests`);
    const bad = reg.tests.flatMap((t) => unknown(t.clause).map((c) => `${t.suite}.${t.name}: ${c} in "${t.clause}"`));
    assert.deepEqual(bad, []);
  });

  for (const file of ['tgtd.json', 'tgtd-thin.json']) {
    it(`fixtures/expect/${file} cites only numbers of the table`, () => {
      const json = JSON.parse(readFileSync(resolve(FIXTURES, file), 'utf8')) as unknown;
      const all = strings(json, file);
      assert.ok(all.some(([, s]) => citations(s).length > 0));
      const bad = all.flatMap(([at, s]) => unknown(s).map((c) => `${at}: ${c}`));
      assert.deepEqual(bad, []);
    });
  }

  it('comments and strings in protocol/, harness/, suites/ and reference-target/ cite only numbers of the table', () => {
    const files = ['protocol', 'harness', 'suites', 'reference-target'].flatMap((d) => sources(resolve(ROOT, d)));
    assert.ok(files.length > 50, `${files.length} files`);
    const bad: string[] = [];
    for (const f of files) {
      if (f.endsWith(join('protocol', 'scsi', 'clauses.ts'))) continue; // its header quotes the sources
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const c of unknown(line)) bad.push(`${relative(ROOT, f)}:${i + 1}: ${c}`);
        });
    }
    assert.deepEqual(bad, []);
  });
});
