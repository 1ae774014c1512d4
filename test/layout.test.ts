/**
 * The directions of dependency DESIGN.md draws, checked on the sources: suites use the public test API
 * only, which exports the initiator's types but none of its classes; the harness never imports the
 * reference target; the SCSI device server (reference-target/scsi/) imports nothing of the iSCSI side
 * around it.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/layout.test.js -> the repository root
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module a source file imports or re-exports, resolved to a path from the root, with whether it is type-only. */
function imports(file: string): { path: string; typeOnly: boolean; line: string }[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: { path: string; typeOnly: boolean; line: string }[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)';/gms)) {
    const spec = m[4]!;
    if (!spec.startsWith('.')) continue;
    const names = m[3]!;
    const typeOnly =
      !!m[2] ||
      (/^\{/.test(names) &&
        names
          .replace(/[{}\s]/g, '')
          .split(',')
          .filter(Boolean)
          .every((n) => n.startsWith('type')));
    out.push({ path: relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts'), typeOnly, line: m[0].split('\n')[0]! });
  }
  return out;
}

describe('layout: the arrows point down', () => {
  it('suites import the public test API (harness/api.ts) and their own helper files only', () => {
    const bad = sources('suites').flatMap((f) =>
      imports(f)
        .filter((i) => i.path !== 'harness/api.ts' && !/^suites\/[a-z]+\/_[a-z0-9-]+\.ts$/.test(i.path))
        .map((i) => `${f}: ${i.line}`),
    );
    assert.deepEqual(bad, []);
  });

  it('the test API exports no class of the initiator, only its types', () => {
    const bad = imports('harness/api.ts')
      .filter((i) => i.path.startsWith('harness/initiator/') && !i.typeOnly)
      .map((i) => i.line);
    assert.deepEqual(bad, []);
  });

  it('the harness never imports the reference target', () => {
    const bad = sources('harness').flatMap((f) =>
      imports(f)
        .filter((i) => i.path.startsWith('reference-target/'))
        .map((i) => `${f}: ${i.line}`),
    );
    assert.deepEqual(bad, []);
  });

  it('the SCSI device server imports nothing of the iSCSI side of the reference target', () => {
    const bad = sources('reference-target/scsi').flatMap((f) =>
      imports(f)
        .filter((i) => !i.path.startsWith('reference-target/scsi/') && !i.path.startsWith('protocol/scsi/') && i.path !== 'protocol/errors.ts')
        .map((i) => `${f}: ${i.line}`),
    );
    assert.deepEqual(bad, []);
  });
});
