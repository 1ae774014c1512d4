/**
 * Helpers for tests that start real peers: a free loopback port, waiting for a port to accept, running
 * a command to completion with a time limit, and stopping a process we started by its PID.
 */
import { ChildProcess, execFile, spawn, SpawnOptions } from 'node:child_process';
import * as net from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  // Bounded by timeoutMs.
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (bounded by timeoutMs); never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20, env: opts.env ?? process.env, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (((err as NodeJS.ErrnoException & { code?: unknown }).code as number | undefined) ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : (child.exitCode ?? null), stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface Started {
  child: ChildProcess;
  pid: number;
  output: () => string;
}

/** Start a long-running process, keeping the last 256 KiB of its output for failure messages. */
export function start(cmd: string, args: string[], opts: SpawnOptions = {}): Started {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 262144) out = out.slice(-262144);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return { child, pid: child.pid, output: () => out };
}

/** Wait for exit up to timeoutMs; true if it exited. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Stop a process we started, by its PID: each signal in turn, waiting between them. */
export async function stop(child: ChildProcess, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGKILL'], waitMs = 3000): Promise<void> {
  for (const sig of signals) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(child.pid!, sig);
    } catch {
      return;
    }
    if (await waitExit(child, waitMs)) return;
  }
}
