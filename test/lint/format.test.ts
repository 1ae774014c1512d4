/**
 * The code's form, checked where CI runs: every TypeScript file is as prettier formats it (.prettierrc.json:
 * 160 columns), no line of product code is longer than 200 characters (prettier does not break strings:
 * long texts are wrapped by hand, test docs as template literals whose whitespace the registry collapses),
 * and no product file is longer than 700 lines. Product code is everything outside test/.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FOLDERS = ['bin', 'bench', 'harness', 'isns', 'protocol', 'reference-target', 'reporters', 'suites', 'test', 'tools'];
const LINE_LIMIT = 200;
const FILE_LIMIT = 700;

function sources(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('code form (prettier, line and file limits)', function () {
  this.timeout(300_000);
  const files = FOLDERS.flatMap((f) => sources(join(ROOT, f)));
  const product = files.filter((f) => !relative(ROOT, f).startsWith('test/'));

  it(`every .ts file is formatted by prettier (${files.length} files; fix with: npx prettier --write .)`, async () => {
    const options = JSON.parse(readFileSync(join(ROOT, '.prettierrc.json'), 'utf8')) as prettier.Options;
    const unformatted: string[] = [];
    for (const f of files) {
      if (!(await prettier.check(readFileSync(f, 'utf8'), { ...options, filepath: f }))) unformatted.push(relative(ROOT, f));
    }
    assert.deepEqual(unformatted, []);
  });

  it(`no line of product code is longer than ${LINE_LIMIT} characters`, () => {
    const long = product.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((l, i) => (l.length > LINE_LIMIT ? [`${relative(ROOT, f)}:${i + 1} (${l.length})`] : [])),
    );
    assert.deepEqual(long, []);
  });

  it(`no product file is longer than ${FILE_LIMIT} lines`, () => {
    const big = product.flatMap((f) => {
      const n = readFileSync(f, 'utf8').split('\n').length;
      return n > FILE_LIMIT ? [`${relative(ROOT, f)} (${n})`] : [];
    });
    assert.deepEqual(big, []);
  });
});
