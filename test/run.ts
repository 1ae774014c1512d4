/**
 * The project's test command: runs every compiled `*.test.js` under dist/test with mocha and ends
 * with one plain line `N passed, N failed, N skipped`, which CI reads (mocha's own "N passing" is not
 * read as a count). Arguments narrow the run: file paths (relative to dist/test or absolute) and
 * `--grep PATTERN`.
 *
 * `--jobs N` (or TEST_JOBS; default: 2 on a machine with two cores or more) runs up to N test files at once,
 * each in its own Node process. Most files hold the harness and the reference target in one thread, so one
 * process uses one core, and a second process puts the second core to work (the README has the figures).
 * Each file's spec output is printed whole when the file ends, so the files' lines never interleave; the
 * last line is the sum.
 */
import Mocha from 'mocha';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const COUNT_LINE = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m;

/**
 * Files that take minutes (measured in CI on 2026-12-07, in one process: the whole-registry runs of
 * passes.test.js 600 s and failing.test.js 220 s, then 242 s, 210 s, 186 s, 105 s, of a 1823 s run). They
 * start first, so that no long file is left to run alone at the end while the other core idles.
 */
const LONGEST_FIRST = [
  'suites/passes.test.js',
  'suites/tgtd-isns.test.js',
  'suites/failing.test.js',
  'suites/passes-digests.test.js',
  'harness/jobs.test.js',
  'reference-target/libiscsi-sbc.test.js',
  'suites/tgtd.test.js',
];

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Runs the files in this process, one mocha run; prints the spec output and the count line. */
async function runHere(files: string[], grep: string | undefined): Promise<Counts> {
  const mocha = new Mocha({ reporter: 'spec', timeout: 120_000, ...(grep ? { grep } : {}) });
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();
  const runner = mocha.run();
  await new Promise<void>((done) => runner.on('end', () => done()));
  const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
  return { passed: s.passes, failed: s.failures, skipped: s.pending };
}

/** Runs one file in a child process (this script with the file alone and --jobs 1); resolves with its output and counts. */
function runChild(file: string, grep: string | undefined): Promise<{ output: string; counts: Counts; secs: number }> {
  const started = Date.now();
  return new Promise((done) => {
    const args = [fileURLToPath(import.meta.url), '--jobs', '1', file, ...(grep !== undefined ? ['--grep', grep] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('close', (code, signal) => {
      let output = Buffer.concat(chunks).toString('utf8');
      const m = COUNT_LINE.exec(output);
      const secs = (Date.now() - started) / 1000;
      if (!m) {
        // A file that died before its count line (a crash, a kill) is one failure, named, with what it printed.
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        return done({ output: `${output}\n  1) ${rel(file)} ended with ${how} before its count line\n`, counts: { passed: 0, failed: 1, skipped: 0 }, secs });
      }
      output = output.slice(0, m.index) + output.slice(m.index + m[0].length);
      done({ output, counts: { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) }, secs });
    });
  });
}

const rel = (f: string) => relative(here, f);

/** The files in the order they start: the known long ones first, then the rest in path order. */
function schedule(files: string[]): string[] {
  const rank = (f: string) => {
    const i = LONGEST_FIRST.indexOf(rel(f));
    return i < 0 ? LONGEST_FIRST.length : i;
  };
  return files
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((x) => x.f);
}

async function runInChildren(files: string[], grep: string | undefined, jobs: number): Promise<Counts> {
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const queue = schedule(files);
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const r = await runChild(f, grep);
      const c = r.counts;
      process.stdout.write(`\n── ${rel(f)}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${r.secs.toFixed(1)} s)\n${r.output}`);
      total.passed += c.passed;
      total.failed += c.failed;
      total.skipped += c.skipped;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  return total;
}

function parseJobs(v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--jobs wants a whole number from 1 to 64, not ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let grep: string | undefined;
  let jobs = process.env['TEST_JOBS'] !== undefined ? parseJobs(process.env['TEST_JOBS']) : Math.min(2, cpus().length);
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--grep' || a === '-g') grep = args[++i];
    else if (a.startsWith('--grep=')) grep = a.slice(7);
    else if (a === '--jobs' || a === '-j') jobs = parseJobs(args[++i]);
    else if (a.startsWith('--jobs=')) jobs = parseJobs(a.slice(7));
    else files.push(a.endsWith('.ts') ? a.replace(/^test\//, '').replace(/\.ts$/, '.js') : a);
  }
  const selected = files.length > 0 ? files.map((f) => (f.startsWith('/') ? f : resolve(here, f.replace(/^dist\/test\//, '')))) : findTests(here);
  const started = Date.now();
  const s = jobs > 1 && selected.length > 1 ? await runInChildren(selected, grep, jobs) : await runHere(selected, grep);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n(${selected.length} files, ${secs} s${jobs > 1 && selected.length > 1 ? `, ${jobs} at once` : ''})\n`);
  process.stdout.write(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  // Exit once the count is out, even if a test left a handle open (a socket, a timer, a child's pipe):
  // CI waits for this process, and a handle must not turn a finished run into a hung one.
  const code = s.failed > 0 ? 1 : 0;
  process.stdout.write('', () => process.exit(code));
}

main().catch((err: unknown) => {
  process.stderr.write(`test runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exitCode = 1;
});
