#!/usr/bin/env node
/**
 * iscsi-target: the reference target, usable on its own. Flags follow ietd(8): -c/--config,
 * -a/--address, -p/--port, -f/--foreground, -d/--debug, -u/--uid, -g/--gid, -h/--help; plus a quick
 * mode with no config file (--target IQN --lun SPEC ...) and --quirk NAME to misbehave on purpose.
 */
import { spawn } from 'node:child_process';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { IscsiError } from '../protocol/errors.js';
import { allQuirks, checkTargetParam, isIscsiName, parseLunSpec, readConfigFile, startTarget, TargetServerConfig } from '../reference-target/index.js';
import type { StartTargetOptions } from '../reference-target/index.js';
import { parseIsnsServer } from '../reference-target/isns.js';

const DEFAULT_IQN = 'iqn.2026-11.org.iscsi-test:ref';

function fail(msg: string, code = 2): never {
  process.stderr.write(`iscsi-target: ${msg}\n`);
  process.exit(code);
}

function account(flag: string, v: string): { user: string; secret: string } {
  const i = v.search(/[:%]/);
  if (i <= 0 || i === v.length - 1) fail(`${flag} ${v}: expected USER:SECRET`);
  const acct = { user: v.slice(0, i), secret: v.slice(i + 1) };
  if (acct.secret.length < 12) fail(`${flag}: a CHAP secret must be at least 12 characters`);
  return acct;
}

/** A whole number from a flag's text (yargs would turn 'abc' into NaN and '-5' into a negative). */
function whole(flag: string, v: string | undefined, max: number, what = 'a whole number'): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) > max) fail(`${flag} ${v}: expected ${what}`);
  return Number(v);
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('iscsi-target')
    .usage('$0 [options]\n\nThe iscsi-test reference iSCSI target (RFC 7143) with SCSI block devices (SBC-4).')
    .option('config', { alias: 'c', type: 'string', describe: 'ietd.conf-style configuration file' })
    .option('address', { alias: 'a', type: 'string', describe: 'address to listen on (default 0.0.0.0, or from the config)' })
    .option('port', { alias: 'p', type: 'string', describe: 'port to listen on (default 3260)' })
    .option('foreground', { alias: 'f', type: 'boolean', default: false, describe: 'stay in the foreground, logging to stderr' })
    .option('debug', { alias: 'd', type: 'string', default: '0', describe: 'log level: 0 logins, logouts and everything refused; 1 also every PDU in and out' })
    .option('uid', { alias: 'u', type: 'string', describe: 'run as this user after opening the portal' })
    .option('gid', { alias: 'g', type: 'string', describe: 'run as this group after opening the portal' })
    .option('target', { alias: 't', type: 'string', describe: `quick mode: the target name (default ${DEFAULT_IQN})` })
    .option('lun', { alias: 'l', type: 'string', array: true, describe: 'quick mode: N:memory:SIZE | N:sparse:SIZE | N:file:PATH:SIZE [,ro][,thin][,removable][,bs=4096]' })
    .option('chap', { type: 'string', describe: 'quick mode: require CHAP with USER:SECRET (IncomingUser)' })
    .option('mutual-chap', { type: 'string', describe: 'quick mode: the target\'s own USER:SECRET for mutual CHAP (OutgoingUser)' })
    .option('header-digest', { type: 'string', describe: 'quick mode: HeaderDigest values the target accepts (default None,CRC32C)' })
    .option('data-digest', { type: 'string', describe: 'quick mode: DataDigest values the target accepts (default None,CRC32C)' })
    .option('nop-interval', { type: 'string', describe: 'seconds between NOP-In pings on idle connections (0: none)' })
    .option('nop-timeout', { type: 'string', describe: 'seconds to wait for the answer to a NOP-In ping, or for a stalled initiator to read' })
    .option('isns', { type: 'string', describe: 'register with this iSNS server, HOST[:PORT] (port 3205 by default), as iSNSServer does' })
    .option('isns-access-control', { type: 'boolean', describe: 'admit only initiators in a discovery domain with the target (iSNSAccessControl Yes)' })
    .option('quirk', { type: 'string', array: true, describe: 'misbehave on purpose (see --list-quirks)' })
    .option('list-quirks', { type: 'boolean', describe: 'list the quirks and exit' })
    .option('log', { type: 'string', describe: 'append log lines to this file (daemon mode)' })
    .option('logout-wait', { type: 'string', default: '2', describe: 'on SIGINT/SIGTERM, ask logged-in initiators to log out (AsyncEvent 1) and wait this many seconds (0: drop them at once)' })
    .strict()
    .help('help')
    .alias('help', 'h')
    .version(false)
    .fail((msg, err) => fail(err ? err.message : msg))
    .parse();

  if (argv['list-quirks']) {
    for (const q of allQuirks()) process.stdout.write(`${q.name.padEnd(28)} ${q.layer.padEnd(6)} ${q.effect}\n`);
    return;
  }

  const port = whole('-p/--port', argv.port, 65535, 'a port number 0..65535');
  const debug = whole('-d/--debug', argv.debug, 9) ?? 0;
  const logoutWait = whole('--logout-wait', argv['logout-wait'], 8) ?? 2;
  const nopInterval = whole('--nop-interval', argv['nop-interval'], 86400, 'a whole number of seconds');
  const nopTimeout = whole('--nop-timeout', argv['nop-timeout'], 86400, 'a whole number of seconds');
  const unknownQuirks = (argv.quirk ?? []).filter((q) => !allQuirks().some((d) => d.name === q));
  if (unknownQuirks.length) fail(`unknown quirk ${unknownQuirks.join(', ')} (see --list-quirks)`);

  let cfg: TargetServerConfig;
  try {
    if (argv.config) {
      if (argv.lun?.length || argv.target) fail('give either -c/--config or --target/--lun, not both');
      cfg = readConfigFile(argv.config);
    } else {
      if (argv.target !== undefined && !isIscsiName(argv.target)) fail(`--target ${argv.target}: not an iSCSI name (iqn.YYYY-MM.reversed.domain[:id], eui. or naa.)`);
      const specs = argv.lun?.length ? argv.lun : ['0:memory:64M'];
      const luns = specs.map(parseLunSpec);
      luns.forEach((l, i) => {
        if (luns.findIndex((o) => o.lun === l.lun) !== i) fail(`--lun ${specs[i]}: LUN ${l.lun} is given twice`);
      });
      const params: Record<string, string> = {};
      if (argv['header-digest']) checkTargetParam('--header-digest', 'HeaderDigest', (params['HeaderDigest'] = argv['header-digest']));
      if (argv['data-digest']) checkTargetParam('--data-digest', 'DataDigest', (params['DataDigest'] = argv['data-digest']));
      cfg = {
        targets: [
          {
            iqn: argv.target ?? DEFAULT_IQN,
            luns,
            params,
            ...(argv.chap ? { incomingUsers: [account('--chap', argv.chap)] } : {}),
            ...(argv['mutual-chap'] ? { outgoingUser: account('--mutual-chap', argv['mutual-chap']) } : {}),
          },
        ],
      };
    }
  } catch (e) {
    fail(e instanceof IscsiError ? e.message : String(e));
  }
  if (argv.address !== undefined) cfg.address = argv.address;
  if (port !== undefined) cfg.port = port;
  if (nopInterval !== undefined) cfg.nopInterval = nopInterval;
  if (nopTimeout !== undefined) cfg.nopTimeout = nopTimeout;
  if (argv.quirk?.length) cfg.quirks = argv.quirk;
  if (argv.isns !== undefined) cfg.isns = argv.isns;
  if (argv['isns-access-control'] !== undefined) cfg.isnsAccessControl = argv['isns-access-control'];
  if (cfg.isnsAccessControl && !cfg.isns) fail('iSNS access control needs an iSNS server (--isns or iSNSServer)');
  if (cfg.isns) {
    try {
      parseIsnsServer(cfg.isns);
    } catch (e) {
      fail((e as Error).message);
    }
  }

  if (!argv.foreground) {
    // Daemon mode as ietd: start a detached copy in the foreground and report how it went.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--foreground'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, ISCSI_TARGET_DAEMON: '1' },
    });
    const outcome = await new Promise<{ ok?: string; error?: string }>((resolve) => {
      child.once('message', (m) => resolve(m as { ok?: string; error?: string }));
      child.once('exit', (code) => resolve({ error: `exited with code ${code} before listening` }));
    });
    if (outcome.error) fail(outcome.error, 1);
    process.stdout.write(`${outcome.ok} (pid ${child.pid})\n`);
    child.disconnect();
    child.unref();
    return;
  }

  const logFile = argv.log;
  const { appendFileSync } = await import('node:fs');
  const log = (line: string) => {
    const l = `${new Date().toISOString()} ${line}\n`;
    if (logFile) appendFileSync(logFile, l);
    else if (!process.env['ISCSI_TARGET_DAEMON']) process.stderr.write(l);
  };
  const opts: StartTargetOptions = {
    address: cfg.address ?? '0.0.0.0',
    port: cfg.port ?? 3260,
    targets: cfg.targets,
    quirks: cfg.quirks ?? [],
    server: {
      debug,
      ...(cfg.nopInterval !== undefined ? { nopInterval: cfg.nopInterval } : {}),
      ...(cfg.nopTimeout !== undefined ? { nopTimeout: cfg.nopTimeout } : {}),
      ...(cfg.loginTimeout !== undefined ? { loginTimeout: cfg.loginTimeout } : {}),
      ...(cfg.maxSessions !== undefined ? { maxSessions: cfg.maxSessions } : {}),
      ...(cfg.discoveryUsers ? { discoveryUsers: cfg.discoveryUsers } : {}),
      ...(cfg.discoveryOutgoingUser ? { discoveryOutgoingUser: cfg.discoveryOutgoingUser } : {}),
      ...(cfg.isns ? { isns: cfg.isns, isnsAccessControl: cfg.isnsAccessControl ?? false } : {}),
    },
    log,
  };
  let running;
  try {
    running = await startTarget(opts);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (process.send) process.send({ error: msg });
    fail(msg, 1);
  }
  try {
    if (argv.gid !== undefined) process.setgid?.(argv.gid);
    if (argv.uid !== undefined) process.setuid?.(argv.uid);
  } catch (e) {
    await running.stop();
    fail(`cannot switch to uid/gid ${argv.uid ?? ''}/${argv.gid ?? ''}: ${(e as Error).message}`, 1);
  }
  const host = running.address.includes(':') ? `[${running.address}]` : running.address;
  const summary = cfg.targets
    .map((t) => `${t.iqn} (${t.luns.map((l) => `LUN ${l.lun} ${l.backing}${l.path ? ` ${l.path}` : ''} ${l.size} bytes${l.readOnly ? ' ro' : ''}${l.thin ? ' thin' : ''}`).join(', ')})`)
    .join('; ');
  const line = `iscsi-target: listening on ${host}:${running.port}: ${summary}${cfg.quirks?.length ? ` with quirks ${cfg.quirks.join(', ')}` : ''}`;
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
    await running.stop({ logoutSeconds: logoutWait });
    clearTimeout(t);
    log('iscsi-target: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => fail(`internal error: ${e instanceof Error ? e.message : String(e)}`, 4));
