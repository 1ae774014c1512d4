#!/usr/bin/env node
/**
 * iscsi-target: the reference target, usable on its own. Flags follow ietd(8): -c/--config,
 * -a/--address, -p/--port, -f/--foreground, -d/--debug, -u/--uid, -g/--gid, -h/--help; plus a quick
 * mode with no config file (--target IQN --lun SPEC ...) and --quirk NAME to misbehave on purpose.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { IscsiError } from '../protocol/errors.js';
import { allQuirks, DEFAULT_LOGOUT_WAIT_S, readConfigFile, type TargetServerConfig } from '../reference-target/index.js';
import { daemonize, DEFAULT_IQN, quickConfig, runForeground, StandaloneError } from '../reference-target/standalone.js';
import { parseIsnsServer } from '../reference-target/isns.js';
import { checkChapSecrets } from '../reference-target/server.js';

function fail(msg: string, code = 2): never {
  process.stderr.write(`iscsi-target: ${msg}\n`);
  process.exit(code);
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
    .option('lun', {
      alias: 'l',
      type: 'string',
      array: true,
      describe: 'quick mode: N:memory:SIZE | N:sparse:SIZE | N:file:PATH:SIZE [,ro][,thin][,removable][,bs=4096]',
    })
    .option('chap', { type: 'string', describe: 'quick mode: require CHAP with USER:SECRET or USER:@FILE (IncomingUser; default $ISCSI_TARGET_CHAP)' })
    .option('mutual-chap', {
      type: 'string',
      describe: "quick mode: the target's own USER:SECRET or USER:@FILE for mutual CHAP (OutgoingUser; default $ISCSI_TARGET_MUTUAL_CHAP)",
    })
    .option('discovery-chap', {
      type: 'boolean',
      describe: 'quick mode: require the --chap account in discovery sessions too (default: discovery needs no authentication)',
    })
    .option('header-digest', { type: 'string', describe: 'quick mode: HeaderDigest values the target accepts (default None,CRC32C)' })
    .option('data-digest', { type: 'string', describe: 'quick mode: DataDigest values the target accepts (default None,CRC32C)' })
    .option('nop-interval', { type: 'string', describe: 'seconds between NOP-In pings on idle connections (0: none)' })
    .option('nop-timeout', { type: 'string', describe: 'seconds to wait for the answer to a NOP-In ping, or for a stalled initiator to read' })
    .option('isns', { type: 'string', describe: 'register with this iSNS server, HOST[:PORT] (port 3205 by default), as iSNSServer does' })
    .option('isns-access-control', { type: 'boolean', describe: 'admit only initiators in a discovery domain with the target (iSNSAccessControl Yes)' })
    .option('quirk', { type: 'string', array: true, describe: 'misbehave on purpose (see --list-quirks)' })
    .option('list-quirks', { type: 'boolean', describe: 'list the quirks and exit' })
    .option('log', { type: 'string', describe: 'append log lines to this file (daemon mode)' })
    .option('logout-wait', {
      type: 'string',
      default: String(DEFAULT_LOGOUT_WAIT_S),
      describe:
        'on SIGINT/SIGTERM, ask logged-in initiators to log out (AsyncEvent 1) and wait this many seconds, then drop the rest announcing it (AsyncEvent 2); 0: drop them at once',
    })
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
  const logoutWait = whole('--logout-wait', argv['logout-wait'], 8) ?? DEFAULT_LOGOUT_WAIT_S;
  const nopInterval = whole('--nop-interval', argv['nop-interval'], 86400, 'a whole number of seconds');
  const nopTimeout = whole('--nop-timeout', argv['nop-timeout'], 86400, 'a whole number of seconds');
  const unknownQuirks = (argv.quirk ?? []).filter((q) => !allQuirks().some((d) => d.name === q));
  if (unknownQuirks.length) fail(`unknown quirk ${unknownQuirks.join(', ')} (see --list-quirks)`);

  let cfg: TargetServerConfig;
  if (argv.config) {
    if (argv.lun?.length || argv.target) fail('give either -c/--config or --target/--lun, not both');
    try {
      cfg = readConfigFile(argv.config);
    } catch (e) {
      fail(e instanceof IscsiError ? e.message : String(e));
    }
  } else {
    const chap = argv.chap ?? process.env['ISCSI_TARGET_CHAP'];
    const mutualChap = argv['mutual-chap'] ?? process.env['ISCSI_TARGET_MUTUAL_CHAP'];
    cfg = quickConfig({
      ...(argv.target !== undefined ? { target: argv.target } : {}),
      ...(argv.lun ? { luns: argv.lun } : {}),
      ...(chap ? { chap } : {}),
      ...(mutualChap ? { mutualChap } : {}),
      ...(argv['discovery-chap'] ? { discoveryChap: true } : {}),
      ...(argv['header-digest'] ? { headerDigest: argv['header-digest'] } : {}),
      ...(argv['data-digest'] ? { dataDigest: argv['data-digest'] } : {}),
    });
    // A literal secret on the command line is visible to every local user: say so, and say what to use.
    for (const [flag, v] of [
      ['--chap', argv.chap],
      ['--mutual-chap', argv['mutual-chap']],
    ] as const) {
      if (v !== undefined && !/^[^:%]+[:%]@/.test(v))
        process.stderr.write(
          `iscsi-target: warning: the ${flag} secret is visible to every local user ` +
            `in the process list; give USER:@FILE or ${flag === '--chap' ? 'ISCSI_TARGET_CHAP' : 'ISCSI_TARGET_MUTUAL_CHAP'} instead\n`,
        );
    }
  }
  try {
    checkChapSecrets(cfg);
  } catch (e) {
    fail((e as Error).message);
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
    const d = await daemonize(process.argv[1]!, process.argv.slice(2));
    process.stdout.write(`${d.line} (pid ${d.pid})\n`);
    return;
  }
  await runForeground(cfg, {
    debug,
    logoutWait,
    ...(argv.log !== undefined ? { logFile: argv.log } : {}),
    ...(argv.uid !== undefined ? { uid: argv.uid } : {}),
    ...(argv.gid !== undefined ? { gid: argv.gid } : {}),
  });
}

main().catch((e: unknown) =>
  e instanceof StandaloneError ? fail(e.message, e.exitCode) : fail(`internal error: ${e instanceof Error ? e.message : String(e)}`, 4),
);
