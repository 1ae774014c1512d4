/**
 * --target-stop-command / --target-start-command: the operator's shell commands that stop the target under
 * test (or its iSNS client) and bring it back on the same portal, for the tests that observe a target
 * stopping. Each runs under /bin/sh within a bounded time; one that fails or hangs is a harness error
 * naming the command, its exit status and the end of what it printed, never a verdict on the target.
 */
import { spawn } from 'node:child_process';
import { HarnessError } from './errors.js';
import type { TargetControl } from './target-under-test.js';

const COMMAND_LIMIT_MS = 60_000;
const KEEP_OUTPUT = 2000;

function runShell(what: string, command: string, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const keep = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-KEEP_OUTPUT));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      // The command's own process group: whatever it started goes with it.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new HarnessError(`${what} "${command}" did not finish within ${limitMs / 1000} s${out ? `: ${out.trim()}` : ''}`));
    }, limitMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HarnessError(`${what} "${command}" could not run: ${e.message}`));
    });
    // 'exit', then what it printed until its output closes, at most 200 ms: a start command may leave a
    // daemon behind that holds its output open.
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        child.stdout.destroy();
        child.stderr.destroy();
        if (code === 0) resolve();
        else reject(new HarnessError(`${what} "${command}" ended with ${signal ? `signal ${signal}` : `exit status ${code}`}${out ? `: ${out.trim()}` : ''}`));
      };
      child.once('close', settle);
      setTimeout(settle, 200);
    });
  });
}

/** A TargetControl from the two commands of the command line. */
export function commandTargetControl(stopCommand: string, startCommand: string, limitMs = COMMAND_LIMIT_MS): TargetControl {
  return {
    how: `--target-stop-command "${stopCommand}", then --target-start-command "${startCommand}"`,
    stop: () => runShell('--target-stop-command', stopCommand, limitMs),
    start: () => runShell('--target-start-command', startCommand, limitMs),
  };
}
