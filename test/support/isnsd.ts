/**
 * open-isns's isnsd as a real, independent iSNS server for the project's tests: started in the
 * foreground (-f) with its own config file (-c) in a temporary directory that also holds its database
 * (`Database`), PID file and control socket, listening on a free loopback port (`BindAddress`), security
 * off. `isnsadm` runs against it with a config file of its own (`ServerAddress`). Stopped by the PID we
 * started; restart() brings it back on the same port and database (or a fresh one).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, RunResult, start, Started, stop, waitForPort } from './proc.js';

export interface IsnsdOptions {
  /** Registration Period the server grants, in seconds (default 600). */
  registrationPeriod?: number;
  /** ESI interval bounds, in seconds. */
  esiMin?: number;
  esiMax?: number;
  /** Put every node in a default discovery domain (default true); false for access-control tests. */
  defaultDd?: boolean;
}

export class Isnsd {
  private proc: Started | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly opts: IsnsdOptions,
  ) {}

  static async start(opts: IsnsdOptions = {}): Promise<Isnsd> {
    const d = new Isnsd(await freePort(), mkdtempSync(join(tmpdir(), 'iscsi-test-isnsd-')), opts);
    d.writeConfig();
    await d.launch();
    return d;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  private writeConfig(): void {
    const o = this.opts;
    mkdirSync(join(this.dir, 'db'), { recursive: true });
    writeFileSync(
      join(this.dir, 'isnsd.conf'),
      [
        `BindAddress = ${this.address}`,
        `Database = ${join(this.dir, 'db')}`,
        `PIDFile = ${join(this.dir, 'isnsd.pid')}`,
        `ControlSocket = ${join(this.dir, 'isnsctl')}`,
        `SourceName = iqn.2026-01.org.iscsi-test:isnsd`,
        `RegistrationPeriod = ${o.registrationPeriod ?? 600}s`,
        `ESIMinInterval = ${o.esiMin ?? 60}s`,
        `ESIMaxInterval = ${o.esiMax ?? 120}s`,
        'ESIRetries = 3',
        'SCNRetries = 3',
        'SCNTimeout = 5',
        `DefaultDiscoveryDomain = ${o.defaultDd === false ? 0 : 1}`,
        'SLPRegister = 0',
        'Security = 0',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(this.dir, 'isnsadm.conf'),
      [
        `ServerAddress = ${this.address}`,
        `ControlSocket = ${join(this.dir, 'isnsctl')}`,
        'SourceName = iqn.2026-01.org.iscsi-test:isnsadm',
        'Security = 0',
        '',
      ].join('\n'),
    );
  }

  private async launch(): Promise<void> {
    this.proc = start('isnsd', ['-c', join(this.dir, 'isnsd.conf'), '-f'], { cwd: this.dir });
    try {
      await waitForPort('127.0.0.1', this.port, 10_000);
    } catch (e) {
      throw new Error(`isnsd did not listen on ${this.address}: ${(e as Error).message}\n${this.output()}`);
    }
  }

  /** isnsadm with this server's config; `--local` is not used (it would need root's control socket). */
  isnsadm(...args: string[]): Promise<RunResult> {
    return run('isnsadm', ['-c', join(this.dir, 'isnsadm.conf'), ...args], { timeoutMs: 15_000 });
  }

  /** Every object the server holds, as isnsadm --query iscsi-name prints them. */
  async query(): Promise<string> {
    const r = await this.isnsadm('--query', 'iscsi-name');
    return r.stdout + r.stderr;
  }

  async stop(): Promise<void> {
    if (this.proc) await stop(this.proc.child);
    this.proc = undefined;
  }

  /** Stop and start again on the same port; `fresh` drops the database, as a replaced server would. */
  async restart(fresh = false): Promise<void> {
    await this.stop();
    if (fresh) rmSync(join(this.dir, 'db'), { recursive: true, force: true });
    this.writeConfig();
    await this.launch();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
