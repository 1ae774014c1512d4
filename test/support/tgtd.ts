/**
 * Debian's tgtd as a real, independent iSCSI target for the project's tests: started in the
 * foreground on a free loopback port with a private control port, configured with tgtadm (targets,
 * file-backed LUNs, thin provisioning, CHAP accounts), and stopped by the PID we started.
 * tgtd ignores SIGTERM: it is stopped by deleting its targets and the system through tgtadm, then
 * SIGINT and SIGKILL as fallbacks (see ../shared/reference/peers.md).
 *
 * tgtd's log (stderr with -f) goes to a file, never to a pipe: tgtd writes it from its I/O threads
 * (an "io error" line for every command that ends in CHECK CONDITION, a MISCOMPARE for example), and a
 * pipe that our process is too busy to drain (a synchronous child, a long computation) fills after some
 * hundred lines, blocks the writing thread, and with it every later command that logs: tgtd then seems to
 * hang on a VERIFY miscompare, then on any error, then on logins. A file cannot fill up that way.
 */
import { mkdtempSync, rmSync, openSync, closeSync, ftruncateSync, readdirSync, unlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, start, Started, stop, waitExit, waitForPort } from './proc.js';
import { which } from './peers.js';

export interface TgtdLun {
  lun: number;
  sizeMiB: number;
  thin?: boolean;
  /** Extra --params for tgtadm (e.g. 'readonly=1'). */
  params?: string;
}

export interface TgtdTarget {
  iqn: string;
  luns?: TgtdLun[];
  /** Binding an incoming account makes CHAP mandatory for this target. */
  chap?: { user: string; secret: string };
  /** The target's own account for mutual CHAP. */
  mutual?: { user: string; secret: string };
}

export interface TgtdOptions {
  /** Default: one target iqn.2026-11.org.iscsi-test:tgtd with a 64 MiB LUN 1. */
  targets?: TgtdTarget[];
}

export class Tgtd {
  readonly port: number;
  readonly iqn: string;
  readonly dir: string;
  private readonly ctl: number;
  private readonly proc: Started;
  private readonly log: string;

  private constructor(port: number, ctl: number, iqn: string, dir: string, proc: Started, log: string) {
    this.port = port;
    this.ctl = ctl;
    this.iqn = iqn;
    this.dir = dir;
    this.proc = proc;
    this.log = log;
  }

  static async start(opts: TgtdOptions = {}): Promise<Tgtd> {
    const targets = opts.targets ?? [{ iqn: 'iqn.2026-11.org.iscsi-test:tgtd' }];
    const tgtd = which('tgtd');
    if (!tgtd) throw new Error('tgtd is not installed');
    const port = await freePort();
    // tgtd takes control ports up to 32767.
    const ctl = 1000 + ((process.pid * 7 + Math.floor(Math.random() * 30000)) % 31000);
    const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-tgtd-'));
    const iqn = targets[0]!.iqn;
    const log = join(dir, 'tgtd.log');
    const logFd = openSync(log, 'a');
    let proc: Started;
    try {
      proc = start(tgtd, ['-f', '-C', String(ctl), '--iscsi', `portal=127.0.0.1:${port}`], { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    const t = new Tgtd(port, ctl, iqn, dir, proc, log);
    try {
      await waitForPort('127.0.0.1', port, 10_000);
      for (const [i, tg] of targets.entries()) {
        const tid = String(i + 1);
        await t.adm('--op', 'new', '--mode', 'target', '--tid', tid, '-T', tg.iqn);
        for (const l of tg.luns ?? [{ lun: 1, sizeMiB: 64 }]) {
          const file = join(dir, `t${tid}-lun${l.lun}.img`);
          const fd = openSync(file, 'w');
          ftruncateSync(fd, l.sizeMiB * 1024 * 1024);
          closeSync(fd);
          await t.adm('--op', 'new', '--mode', 'logicalunit', '--tid', tid, '--lun', String(l.lun), '-b', file);
          const params = [l.thin ? 'thin_provisioning=1' : '', l.params ?? ''].filter(Boolean).join(',');
          if (params) await t.adm('--op', 'update', '--mode', 'logicalunit', '--tid', tid, '--lun', String(l.lun), '--params', params);
        }
        await t.adm('--op', 'bind', '--mode', 'target', '--tid', tid, '-I', 'ALL');
        if (tg.chap) {
          await t.adm('--op', 'new', '--mode', 'account', '--user', tg.chap.user, '--password', tg.chap.secret);
          await t.adm('--op', 'bind', '--mode', 'account', '--tid', tid, '--user', tg.chap.user);
        }
        if (tg.mutual) {
          await t.adm('--op', 'new', '--mode', 'account', '--user', tg.mutual.user, '--password', tg.mutual.secret);
          await t.adm('--op', 'bind', '--mode', 'account', '--tid', tid, '--user', tg.mutual.user, '--outgoing');
        }
      }
      t.tids = targets.length;
    } catch (e) {
      const out = t.output();
      await t.stop();
      throw new Error(`tgtd setup failed: ${(e as Error).message}\n${out.slice(-2000)}`);
    }
    return t;
  }

  get pid(): number {
    return this.proc.pid;
  }

  private tids = 0;

  url(lun = 1, userinfo = '', iqn = this.iqn): string {
    return `iscsi://${userinfo ? userinfo + '@' : ''}127.0.0.1:${this.port}/${iqn}/${lun}`;
  }

  async adm(...args: string[]): Promise<string> {
    const tgtadm = which('tgtadm') ?? 'tgtadm';
    const r = await run(tgtadm, ['-C', String(this.ctl), '--lld', 'iscsi', ...args], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`tgtadm ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** The shell command line of `adm(...args)`, for the harness's --target-stop-command and --target-start-command. */
  admCommand(...args: string[]): string {
    const quote = (a: string) => (/^[\w.:\/=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    return [which('tgtadm') ?? 'tgtadm', '-C', String(this.ctl), '--lld', 'iscsi', ...args].map(quote).join(' ');
  }

  /** The last 256 KiB of tgtd's log ('' once stopped). */
  output(): string {
    try {
      const text = readFileSync(this.log, 'utf8');
      return text.length > 262144 ? text.slice(-262144) : text;
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    const child = this.proc.child;
    if (child.exitCode === null && child.signalCode === null) {
      const tgtadm = which('tgtadm') ?? 'tgtadm';
      for (let tid = 1; tid <= this.tids; tid++) {
        await run(tgtadm, ['-C', String(this.ctl), '--lld', 'iscsi', '--op', 'delete', '--mode', 'target', '--tid', String(tid), '--force'], {
          timeoutMs: 5000,
        });
      }
      await run(tgtadm, ['-C', String(this.ctl), '--op', 'delete', '--mode', 'system'], { timeoutMs: 5000 });
      if (!(await waitExit(child, 3000))) await stop(child, ['SIGINT', 'SIGKILL'], 2000);
    }
    try {
      for (const f of readdirSync('/var/run/tgtd')) if (f.startsWith(`socket.${this.ctl}`)) unlinkSync(join('/var/run/tgtd', f));
    } catch {
      /* no socket dir */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
