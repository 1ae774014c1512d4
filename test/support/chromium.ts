/**
 * Debian's headless Chromium for the project's tests, driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: we write NUL-terminated JSON to its fd 3 and read its fd 4), so no port is
 * opened and nothing leaves the machine: load a file, evaluate JavaScript in the page, close. A fresh
 * profile in a temporary folder each time; the browser is ended by its PID.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { waitExit } from './proc.js';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Reply {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export class Chromium {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private buf = '';
  private session = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly toBrowser: Writable,
    fromBrowser: Readable,
    private readonly profile: string,
  ) {
    fromBrowser.setEncoding('utf8');
    fromBrowser.on('data', (d: string) => {
      this.buf += d;
      let nul: number;
      while ((nul = this.buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buf.slice(0, nul)) as Reply;
        this.buf = this.buf.slice(nul + 1);
        if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          if (msg.error) w?.reject(new Error(msg.error.message));
          else w?.resolve(msg);
        }
      }
    });
    child.once('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('chromium exited'));
      this.waiting.clear();
    });
  }

  /** Start Chromium on `url` and attach to its page once the page has loaded. */
  static async open(url: string, binary = '/usr/bin/chromium', timeoutMs = 60_000): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'iscsi-test-chromium-'));
    const child = spawn(binary, [...CHROMIUM_FLAGS, '--remote-debugging-pipe', `--user-data-dir=${profile}`, url], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
    });
    const c = new Chromium(child, child.stdio[3] as Writable, child.stdio[4] as Readable, profile);
    try {
      const until = Date.now() + timeoutMs;
      let targetId: string | undefined;
      while (!targetId) {
        const r = await c.send('Target.getTargets', {}, undefined, timeoutMs);
        targetId = ((r.result?.['targetInfos'] ?? []) as { type: string; targetId: string; url: string }[]).find(
          (t) => t.type === 'page' && t.url.startsWith('file:'),
        )?.targetId;
        if (!targetId) {
          if (Date.now() > until) throw new Error(`chromium opened no page for ${url}`);
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      c.session = (await c.send('Target.attachToTarget', { targetId, flatten: true }, undefined, timeoutMs)).result!['sessionId'] as string;
      // Bounded by timeoutMs.
      // The page starts as about:blank and then navigates to the file.
      while (!(await c.evaluate<boolean>(`location.protocol === 'file:' && document.readyState === 'complete'`))) {
        if (Date.now() > until) throw new Error(`${url} did not finish loading`);
        await new Promise((res) => setTimeout(res, 100));
      }
      return c;
    } catch (e) {
      await c.close();
      throw e;
    }
  }

  private send(method: string, params: Record<string, unknown>, sessionId?: string, timeoutMs = 30_000): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`chromium did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  /** Evaluate an expression in the page; its value comes back as JSON. An exception in the page throws. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.session);
    const ex = r.result?.['exceptionDetails'] as { exception?: { description?: string }; text?: string } | undefined;
    if (ex) throw new Error(`in the page: ${ex.exception?.description ?? ex.text}`);
    return (r.result?.['result'] as { value: T }).value;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await this.send('Browser.close', {}, undefined, 5000).catch(() => undefined);
      if (!(await waitExit(this.child, 5000))) this.child.kill('SIGKILL');
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}
