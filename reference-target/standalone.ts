/**
 * The reference target as a program of its own (bin/iscsi-target parses the flags and calls these): the
 * quick mode's configuration (one target, LUNs from --lun specs, no config file), the daemon mode of ietd
 * (a detached copy in the foreground that reports back whether it listens), and the foreground run (log,
 * drop privileges, stop cleanly on SIGINT/SIGTERM).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { IscsiError } from '../protocol/errors.js';
import { type Account, checkTargetParam, isIscsiName, parseLunSpec, type TargetServerConfig } from './config.js';
import { type RunningTarget, startTarget, type StartTargetOptions } from './index.js';

export const DEFAULT_IQN = 'iqn.2026-11.org.iscsi-test:ref';

/** Why the program stops: the message for stderr and the exit code (2 bad usage or configuration, 1 runtime). */
export class StandaloneError extends Error {
  override readonly name = 'StandaloneError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

const usage = (msg: string): never => {
  throw new StandaloneError(msg, 2);
};

/**
 * A CHAP account given as USER:SECRET (or USER%SECRET), or USER:@FILE with the secret on the first line of
 * FILE, so that it need not show in the process list (bin/ warns when a secret is given literally).
 */
export function parseAccount(flag: string, v: string): Account {
  const i = v.search(/[:%]/);
  if (i <= 0 || i === v.length - 1) usage(`${flag} USER:SECRET or USER:@FILE expected`);
  let secret = v.slice(i + 1);
  if (secret.startsWith('@')) {
    try {
      secret = readFileSync(secret.slice(1), 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (e) {
      usage(`${flag}: cannot read the secret file ${secret.slice(1)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!secret) usage(`${flag}: the secret file ${v.slice(i + 2)} has an empty first line`);
  }
  const acct = { user: v.slice(0, i), secret };
  // RFC 7143 12.1.3: secrets of at least 12 bytes when they are not random
  if (acct.secret.length < 12) usage(`${flag}: a CHAP secret must be at least 12 characters`);
  return acct;
}

export interface QuickOptions {
  /** The target name (default DEFAULT_IQN). */
  target?: string;
  /** --lun specs: N:memory:SIZE | N:sparse:SIZE | N:file:PATH:SIZE [,flags] (default one 64 MiB memory LUN). */
  luns?: readonly string[];
  /** USER:SECRET for one-way CHAP (IncomingUser). */
  chap?: string;
  /** The target's own USER:SECRET for mutual CHAP (OutgoingUser). */
  mutualChap?: string;
  /** Require the --chap account (and answer with --mutual-chap) in discovery sessions too. */
  discoveryChap?: boolean;
  headerDigest?: string;
  dataDigest?: string;
}

/** The configuration of quick mode: one target, its LUNs, CHAP and digest choices. Bad values: StandaloneError. */
export function quickConfig(o: QuickOptions): TargetServerConfig {
  if (o.target !== undefined && !isIscsiName(o.target)) usage(`--target ${o.target}: not an iSCSI name (iqn.YYYY-MM.reversed.domain[:id], eui. or naa.)`);
  if (o.discoveryChap && !o.chap) usage('--discovery-chap needs --chap (the account discovery sessions must prove)');
  const specs = o.luns?.length ? o.luns : ['0:memory:64M'];
  try {
    const luns = specs.map(parseLunSpec);
    luns.forEach((l, i) => {
      if (luns.findIndex((x) => x.lun === l.lun) !== i) usage(`--lun ${specs[i]}: LUN ${l.lun} is given twice`);
    });
    const params: Record<string, string> = {};
    if (o.headerDigest) checkTargetParam('--header-digest', 'HeaderDigest', (params['HeaderDigest'] = o.headerDigest));
    if (o.dataDigest) checkTargetParam('--data-digest', 'DataDigest', (params['DataDigest'] = o.dataDigest));
    const incoming = o.chap ? parseAccount('--chap', o.chap) : undefined;
    const outgoing = o.mutualChap ? parseAccount('--mutual-chap', o.mutualChap) : undefined;
    return {
      targets: [
        {
          iqn: o.target ?? DEFAULT_IQN,
          luns,
          params,
          ...(incoming ? { incomingUsers: [incoming] } : {}),
          ...(outgoing ? { outgoingUser: outgoing } : {}),
        },
      ],
      // Without --discovery-chap a discovery session needs no authentication (README, "Quick mode").
      ...(o.discoveryChap && incoming ? { discoveryUsers: [incoming], ...(outgoing ? { discoveryOutgoingUser: outgoing } : {}) } : {}),
    };
  } catch (e) {
    if (e instanceof IscsiError) usage(e.message);
    throw e;
  }
}

/**
 * Daemon mode, as ietd: start a detached copy of this program with `--foreground` and wait until it
 * reports that it listens (its line, returned with its PID) or that it could not start (StandaloneError).
 */
export async function daemonize(script: string, args: readonly string[]): Promise<{ line: string; pid: number }> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...args, '--foreground'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, ISCSI_TARGET_DAEMON: '1' },
  });
  const outcome = await new Promise<{ ok?: string; error?: string }>((resolve) => {
    child.once('message', (m) => resolve(m as { ok?: string; error?: string }));
    child.once('exit', (code) => resolve({ error: `exited with code ${code} before listening` }));
  });
  if (outcome.error) throw new StandaloneError(outcome.error, 1);
  child.disconnect();
  child.unref();
  return { line: outcome.ok!, pid: child.pid! };
}

export interface ForegroundOptions {
  /** 0: logins, logouts and everything refused; 1: also every PDU. */
  debug: number;
  /** Append log lines to this file instead of stderr. */
  logFile?: string;
  /** On SIGINT/SIGTERM, ask initiators to log out and wait this many seconds (0: drop them). */
  logoutWait: number;
  uid?: string;
  gid?: string;
}

/**
 * Run the target in this process until SIGINT or SIGTERM: listen, switch uid/gid, print (and, as a
 * daemon, report to the parent) the listening line, then stop cleanly on a signal, bounded by 10 s.
 */
export async function runForeground(cfg: TargetServerConfig, o: ForegroundOptions): Promise<void> {
  const daemon = !!process.env['ISCSI_TARGET_DAEMON'];
  const log = (line: string) => {
    const l = `${new Date().toISOString()} ${line}\n`;
    if (o.logFile) appendFileSync(o.logFile, l);
    else if (!daemon) process.stderr.write(l);
  };
  const opts: StartTargetOptions = {
    address: cfg.address ?? '0.0.0.0',
    port: cfg.port ?? 3260,
    targets: cfg.targets,
    quirks: cfg.quirks ?? [],
    server: {
      debug: o.debug,
      ...(cfg.nopInterval !== undefined ? { nopInterval: cfg.nopInterval } : {}),
      ...(cfg.nopTimeout !== undefined ? { nopTimeout: cfg.nopTimeout } : {}),
      ...(cfg.loginTimeout !== undefined ? { loginTimeout: cfg.loginTimeout } : {}),
      ...(cfg.maxSessions !== undefined ? { maxSessions: cfg.maxSessions } : {}),
      ...(cfg.authFailureDelay !== undefined ? { authFailureDelay: cfg.authFailureDelay } : {}),
      ...(cfg.sessionDataBudget !== undefined ? { sessionDataBudget: cfg.sessionDataBudget } : {}),
      ...(cfg.targetDataBudget !== undefined ? { targetDataBudget: cfg.targetDataBudget } : {}),
      ...(cfg.dataTimeout !== undefined ? { dataTimeout: cfg.dataTimeout } : {}),
      ...(cfg.discoveryUsers ? { discoveryUsers: cfg.discoveryUsers } : {}),
      ...(cfg.discoveryOutgoingUser ? { discoveryOutgoingUser: cfg.discoveryOutgoingUser } : {}),
      ...(cfg.isns ? { isns: cfg.isns, isnsAccessControl: cfg.isnsAccessControl ?? false } : {}),
    },
    log,
  };
  let running: RunningTarget;
  try {
    running = await startTarget(opts);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (process.send) process.send({ error: msg });
    throw new StandaloneError(msg, 1);
  }
  try {
    if (o.gid !== undefined) process.setgid?.(o.gid);
    if (o.uid !== undefined) process.setuid?.(o.uid);
  } catch (e) {
    await running.stop();
    throw new StandaloneError(`cannot switch to uid/gid ${o.uid ?? ''}/${o.gid ?? ''}: ${(e as Error).message}`, 1);
  }
  const line = `iscsi-target: listening on ${hostText(running.address)}:${running.port}: ${summary(cfg)}`;
  process.stdout.write(line + '\n');
  log(line);
  if (process.send) {
    process.send({ ok: line });
    process.disconnect?.();
  }
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`iscsi-target: ${sig}: stopping (flushing LUNs)`);
    const t = setTimeout(() => {
      log('iscsi-target: stop took more than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    await running.stop({ logoutSeconds: o.logoutWait });
    clearTimeout(t);
    log('iscsi-target: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const hostText = (a: string) => (a.includes(':') ? `[${a}]` : a);

/** One line naming what is served: each target with its LUNs, and the quirks. */
function summary(cfg: TargetServerConfig): string {
  const targets = cfg.targets
    .map(
      (t) =>
        `${t.iqn} (${t.luns.map((l) => `LUN ${l.lun} ${l.backing}${l.path ? ` ${l.path}` : ''} ${l.size} bytes${l.readOnly ? ' ro' : ''}${l.thin ? ' thin' : ''}`).join(', ')})`,
    )
    .join('; ');
  return `${targets}${cfg.quirks?.length ? ` with quirks ${cfg.quirks.join(', ')}` : ''}`;
}
