/** Running iscsi-test's tools as users do (a child process), and the one-line bad-input check. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tool(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<Out> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL', env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Exit code and exactly one line on stderr naming the problem, no stack trace. */
export function oneLine(o: Out, code: number, re: RegExp): void {
  assert.equal(o.code, code, `exit code (stderr: ${o.stderr})`);
  const lines = o.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${o.stderr}`);
  assert.match(lines[0]!, /^iscsi-test: /);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(o.stderr, /\n\s+at /);
}
