/**
 * The project's test command: runs every compiled `*.test.js` under dist/test with mocha and ends
 * with one plain line `N passed, N failed, N skipped`, which CI reads (mocha's own "N passing" is not
 * read as a count). Arguments narrow the run: file paths (relative to dist/test or absolute) and
 * `--grep PATTERN`.
 */
import Mocha from 'mocha';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let grep: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--grep' || a === '-g') grep = args[++i];
    else if (a.startsWith('--grep=')) grep = a.slice(7);
    else files.push(a.endsWith('.ts') ? a.replace(/^test\//, '').replace(/\.ts$/, '.js') : a);
  }
  const selected = files.length > 0 ? files.map((f) => (f.startsWith('/') ? f : resolve(here, f.replace(/^dist\/test\//, '')))) : findTests(here);
  const mocha = new Mocha({ reporter: 'spec', timeout: 120_000, ...(grep ? { grep } : {}) });
  for (const f of selected) mocha.addFile(f);
  await mocha.loadFilesAsync();
  const started = Date.now();
  const runner = mocha.run();
  await new Promise<void>((done) => runner.on('end', () => done()));
  const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n(${selected.length} files, ${secs} s)\n`);
  process.stdout.write(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
  // Exit once the count is out, even if a test left a handle open (a socket, a timer, a child's pipe):
  // CI waits for this process, and a handle must not turn a finished run into a hung one.
  const code = s.failures > 0 ? 1 : 0;
  process.stdout.write('', () => process.exit(code));
}

main().catch((err: unknown) => {
  process.stderr.write(`test runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exitCode = 1;
});
