#!/usr/bin/env node
/**
 * iscsi-test [options] [iscsi-url]: the conformance harness's command line. Parses, then calls into
 * harness/ and reporters/; with no URL it starts the reference target in-process (the embedded default).
 *
 * Exit codes: 0 every selected test passed or was skipped (with --expect: the run matched the baseline);
 * 1 a test failed or errored (with --expect: the run differs from the baseline); 2 bad usage or
 * configuration; 3 the target could not be reached or logged in to before any test ran; 4 internal error.
 * Bad input gets one line on stderr naming what was wrong, never a stack trace.
 */
import { mkdirSync, readFileSync, writeFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { IsnsServer } from '../isns/server.js';
import { resolveIsnsUrl } from '../harness/isns-discovery.js';
import { commandTargetControl } from '../harness/target-commands.js';
import { compareBaseline, loadBaseline } from '../harness/baseline.js';
import { ExitError, usageError } from '../harness/errors.js';
import { describeText, listJson, listText } from '../harness/listing.js';
import { Registry } from '../harness/registry.js';
import type { Reporter } from '../harness/results.js';
import { runTests, within } from '../harness/runner.js';
import { everyPair, expandPatterns, parseShard, select, shard } from '../harness/select.js';
import {
  DEFAULT_COMMAND_TIMEOUT_S,
  DEFAULT_INITIATOR,
  DEFAULT_INITIATOR_2,
  DEFAULT_MAX_UNANSWERED,
  RunConfig,
  TargetControl,
  TargetSpec,
  targetFromUrl,
} from '../harness/target-under-test.js';
import { secretOnCommandLine } from '../harness/initiator/url.js';
import { ConsoleReporter, Verbosity } from '../reporters/console.js';
import { coverage, coverageHtml, coverageMarkdown } from '../reporters/coverage.js';
import { ProgressLine } from '../reporters/progress.js';
import { htmlReport } from '../reporters/html.js';
import { jsonReport } from '../reporters/json.js';
import { junitXml } from '../reporters/junit.js';
import { writeTraces } from '../reporters/trace.js';
import { runTool, toolFor, toolsUsage } from '../tools/index.js';

const here = dirname(fileURLToPath(import.meta.url));

function version(): string {
  for (const p of [resolve(here, '../../package.json'), resolve(here, '../package.json')]) {
    try {
      return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
    } catch {
      /* next */
    }
  }
  return '0.0.0';
}

/** The embedded reference target's LUN: a scratch memory LUN. */
const EMBEDDED_IQN = 'iqn.2026-11.org.iscsi-test:embedded';
const EMBEDDED_SIZE = 64 * 1024 * 1024;

interface Embedded {
  spec: TargetSpec;
  stop(): Promise<void>;
  /** Stop the target and start it again on its port (the iSNS family's Deregister test). */
  control: TargetControl;
}

/** Start the reference target in-process on a free loopback port with one scratch memory LUN. */
async function startEmbedded(isns?: IsnsServer): Promise<Embedded> {
  let mod: typeof import('../reference-target/index.js');
  try {
    mod = await import('../reference-target/index.js');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND')
      throw new ExitError(4, 'the embedded reference target is not part of this build; give the iscsi:// URL of a target to test');
    throw new ExitError(4, `the embedded reference target failed to load: ${(e as Error).message}`);
  }
  if (typeof mod.startTarget !== 'function') throw new ExitError(4, 'the embedded reference target has no startTarget()');
  const options = (port: number) => ({
    address: '127.0.0.1',
    port,
    targets: [{ iqn: EMBEDDED_IQN, luns: [{ lun: 0, backing: 'memory' as const, size: EMBEDDED_SIZE }] }],
    // Pointed at the harness's iSNS server when the run has iSNS tests.
    ...(isns ? { server: { isns: isns.address, isnsRegistrationPeriod: isns.registrationPeriod } } : {}),
  });
  let t: Awaited<ReturnType<typeof mod.startTarget>> | undefined;
  try {
    t = await mod.startTarget(options(0));
  } catch (e) {
    throw new ExitError(4, `the embedded reference target did not start: ${(e as Error).message}`);
  }
  const port = t.port;
  const host = t.address.includes(':') ? `[${t.address}]` : t.address;
  const stopAfter = async (logoutSeconds: number) => {
    const running = t;
    t = undefined;
    await running?.stop({ logoutSeconds });
  };
  const stop = () => stopAfter(0);
  return {
    spec: { host: t.address, port, targetName: EMBEDDED_IQN, lun: 0, display: `iscsi://${host}:${port}/${EMBEDDED_IQN}/0`, embedded: true },
    stop,
    control: {
      how:
        `the embedded reference target is stopped as iscsi-target stops on SIGTERM (asking initiators to log out within ` +
        `${mod.DEFAULT_LOGOUT_WAIT_S} s) and started again on port ${port} (its memory LUN starts empty)`,
      stop: () => stopAfter(mod.DEFAULT_LOGOUT_WAIT_S),
      start: async () => {
        t ??= await mod.startTarget(options(port));
      },
    },
  };
}

/** Start the iSNS server the harness plays, on --isns-server [HOST:]PORT or a free loopback port. */
async function startIsnsServer(spec: string | undefined): Promise<IsnsServer> {
  const m = spec === undefined ? undefined : /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(spec);
  if (spec !== undefined && (!m || Number(m[2]) > 65535)) throw usageError(`--isns-server=${spec}: expected [HOST:]PORT`);
  const host = m?.[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1';
  const s = new IsnsServer({ host, port: m ? Number(m[2]) : 0, registrationPeriod: 10 });
  try {
    await s.start();
  } catch (e) {
    throw usageError(`--isns-server=${spec}: cannot listen: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return s;
}

/** A string option that may be repeated: always an array (never greedy about what follows). */
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('iscsi-test')
    .usage(
      `$0 [options] [iscsi-url]\n\nSCSI/iSCSI conformance tests. URL: iscsi://[user[%password]@]host[:port]/target-iqn/lun\nWithout a URL the ` +
        `tests run against the embedded reference target.\n\nTools (iscsi-test COMMAND --help):\n${toolsUsage()}`,
    )
    .option('list', { alias: 'l', type: 'boolean', describe: 'List families, suites and tests (with --test: the selection) and exit' })
    .option('test', { alias: 't', type: 'string', coerce: list, describe: 'Select tests: FAMILY[.Suite[.Test]] globs, comma lists, @file', requiresArg: true })
    .option('skip', { type: 'string', coerce: list, describe: 'Remove tests matching these patterns', requiresArg: true })
    .option('describe', { alias: 'V', type: 'boolean', describe: 'Print the documentation of the selected tests and exit' })
    .option('initiator-name', { alias: 'i', type: 'string', describe: 'Initiator name of the test sessions', requiresArg: true, default: DEFAULT_INITIATOR })
    .option('initiator-name-2', {
      alias: 'I',
      type: 'string',
      describe: 'Initiator name of the second nexus (tests that need two)',
      requiresArg: true,
      default: DEFAULT_INITIATOR_2,
    })
    .option('dataloss', { alias: 'd', type: 'boolean', describe: 'Allow tests that write to the target (implied for the embedded target)' })
    .option('allow-sanitize', { alias: 'S', type: 'boolean', describe: 'Allow SANITIZE tests (implied for the embedded target)' })
    .option('timeout', { type: 'string', describe: "Time limit of every test, in seconds (default: the test's own, else 60)", requiresArg: true })
    .option('command-timeout', {
      type: 'string',
      describe: `How long a command may go unanswered before its test fails, in seconds (default ${DEFAULT_COMMAND_TIMEOUT_S})`,
      requiresArg: true,
    })
    .option('jobs', {
      alias: 'j',
      type: 'string',
      describe: 'Run this many tests at once, each on its own sessions; tests with LU-wide side effects run alone (default 1)',
      requiresArg: true,
    })
    .option('max-unanswered', {
      type: 'string',
      describe: `Stop the run after this many tests in a row got no answer (default ${DEFAULT_MAX_UNANSWERED}; 0: never)`,
      requiresArg: true,
    })
    .option('max-sessions', {
      type: 'string',
      describe: "The target's limit of sessions at once, when known: iSCSIResources.OutOfResources logs in one more (default: up to 64)",
      requiresArg: true,
    })
    .option('isns-server', { type: 'string', describe: "play the iSNS server on [HOST:]PORT for the iSNS tests; point the target's iSNS server there first" })
    .option('target-stop-command', {
      type: 'string',
      describe: 'shell command that stops the target (or its iSNS client), for tests of what it does as it stops; needs --target-start-command',
      requiresArg: true,
    })
    .option('target-start-command', { type: 'string', describe: 'shell command that starts the target again on the same portal', requiresArg: true })
    .option('strict', { type: 'boolean', describe: 'SHOULD-level failures fail instead of warning' })
    .option('silent', { alias: 's', type: 'boolean', describe: 'Print only failures, errors, warnings and the summary' })
    .option('normal', { alias: 'n', type: 'boolean', describe: 'Print one line per test (default)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Also print the probe and every command each test sends, with its outcome' })
    .option('xml', { alias: 'x', type: 'string', describe: 'Write JUnit XML to FILE (default junit.xml; - for stdout)' })
    .option('json', { type: 'string', describe: 'Write the run as JSON to FILE (- for stdout); with --list, list as JSON' })
    .option('html', {
      type: 'string',
      describe: 'Write the HTML report (one self-contained file) to FILE; with --trace it holds the decoded PDUs of each failure',
      requiresArg: true,
    })
    .option('trace', { type: 'string', describe: 'Write the decoded PDU trace and a pcap of each failed test to DIR', requiresArg: true })
    .option('expect', { type: 'string', describe: 'Compare with a baseline of known failures (JSON); only changes fail the run', requiresArg: true })
    .option('shard', { type: 'string', describe: 'Run the K-th of N shards of the selection, e.g. 2/4', requiresArg: true })
    .option('progress', {
      type: 'boolean',
      default: true,
      describe: 'A progress line (done/total, elapsed, failures) on a terminal; --no-progress turns it off',
    })
    .option('coverage', {
      type: 'string',
      describe:
        `Write the coverage page of the selection (by standard section, by suite) to FILE: markdown, HTML ` +
        `if FILE ends in .html (default or -: markdown on stdout), and exit`,
    })
    .option('suites-dir', {
      type: 'string',
      coerce: list,
      describe: 'Load suites from these folders instead of the built-in ones',
      requiresArg: true,
      hidden: false,
    })
    .strictOptions()
    .version(version())
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw usageError(msg ?? err?.message ?? 'bad usage');
    });
}

function write(file: string, text: string, option: string): void {
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw usageError(`${option}=${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function main(argv: string[]): Promise<number> {
  const tool = toolFor(argv[0]);
  if (tool) return runTool(tool, argv.slice(1), { out: process.stdout, env: process.env });
  const y = parser(argv);
  const args = await y.parseAsync();
  if (args.help || args.version) return 0;
  const urls = (args._ ?? []).map(String);
  // `--xml iscsi://…`: the optional FILE of --xml swallowed the URL; give it back.
  let xmlArg = args.xml;
  if (xmlArg !== undefined && /^iscsi:\/\//i.test(xmlArg)) {
    urls.unshift(xmlArg);
    xmlArg = '';
  }
  if (args.json !== undefined && /^iscsi:\/\//i.test(args.json)) throw usageError('--json needs a FILE before the URL (or - for stdout)');
  if (urls.length > 1) throw usageError(`one target URL at most; got ${urls.length}: ${urls.join(' ')}`);
  const levels = [args.silent && 'silent', args.normal && 'normal', args.verbose && 'verbose'].filter(Boolean) as Verbosity[];
  if (levels.length > 1) throw usageError(`--${levels.join(' and --')} contradict each other`);
  const verbosity: Verbosity = levels[0] ?? 'normal';

  const reg = await Registry.load(args['suites-dir']?.length ? args['suites-dir'].map((d) => resolve(d)) : undefined);
  const tests = expandPatterns(args.test ?? [], '--test');
  const skips = expandPatterns(args.skip ?? [], '--skip');
  const selection = select(reg, { tests, skips });

  if (args.list) {
    // Text: every family, as libiscsi prints it; JSON (for tools): each test once, with all its families.
    if (args.json !== undefined) process.stdout.write(listJson(selection));
    else process.stdout.write(listText(tests.length === 0 && skips.length === 0 ? everyPair(reg) : selection));
    return 0;
  }
  if (args.describe) {
    process.stdout.write(describeText(selection));
    return 0;
  }
  if (args.coverage !== undefined) {
    // Needs no target: a URL the optional FILE swallowed is not a file name.
    const file = args.coverage === '' || /^iscsi:\/\//i.test(args.coverage) ? '-' : args.coverage;
    const c = coverage(selection);
    write(file, /\.html?$/i.test(file) ? coverageHtml(c) : coverageMarkdown(c), '--coverage');
    return 0;
  }
  let plan = selection;
  let shardText: string | undefined;
  if (args.shard !== undefined) {
    const { k, n } = parseShard(args.shard);
    plan = shard(selection, k, n);
    shardText = `${k}/${n}`;
    if (plan.length === 0) throw usageError(`--shard=${args.shard}: this shard holds no test (${selection.length} selected)`);
  }
  const timeout = args.timeout === undefined ? undefined : Number(args.timeout);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0 && timeout <= 86400))
    throw usageError(`--timeout=${args.timeout}: a number of seconds, more than 0`);
  const commandTimeout = args['command-timeout'] === undefined ? DEFAULT_COMMAND_TIMEOUT_S : Number(args['command-timeout']);
  if (!(Number.isFinite(commandTimeout) && commandTimeout > 0 && commandTimeout <= 86400))
    throw usageError(`--command-timeout=${args['command-timeout']}: a number of seconds, more than 0`);
  const maxUnanswered = args['max-unanswered'] === undefined ? DEFAULT_MAX_UNANSWERED : Number(args['max-unanswered']);
  if (!(Number.isInteger(maxUnanswered) && maxUnanswered >= 0))
    throw usageError(`--max-unanswered=${args['max-unanswered']}: a whole number of tests (0: never stop)`);
  const jobs = args.jobs === undefined ? 1 : Number(args.jobs);
  if (!(Number.isInteger(jobs) && jobs >= 1 && jobs <= 32)) throw usageError(`--jobs=${args.jobs}: a whole number of tests at once, 1 to 32`);
  const maxSessions = args['max-sessions'] === undefined ? undefined : Number(args['max-sessions']);
  if (maxSessions !== undefined && !(Number.isInteger(maxSessions) && maxSessions >= 1 && maxSessions <= 4096))
    throw usageError(`--max-sessions=${args['max-sessions']}: a whole number of sessions, 1 to 4096`);
  if (args.json === '') throw usageError('--json needs a FILE (or - for stdout)');
  const stopCommand = args['target-stop-command'];
  const startCommand = args['target-start-command'];
  if ((stopCommand === undefined) !== (startCommand === undefined))
    throw usageError('--target-stop-command and --target-start-command go together: the run goes on after the target was stopped');
  if (stopCommand !== undefined && urls.length === 0)
    throw usageError('--target-stop-command needs the URL of a target: the embedded target is stopped by the harness');
  const baseline = args.expect !== undefined ? loadBaseline(args.expect) : undefined;
  if (args.trace !== undefined) {
    try {
      mkdirSync(args.trace, { recursive: true });
    } catch (e) {
      throw usageError(`--trace=${args.trace}: cannot create the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const xmlFile = xmlArg === undefined ? undefined : xmlArg === '' ? 'junit.xml' : xmlArg;

  let embedded: Embedded | undefined;
  let target: TargetSpec;
  // The harness plays the iSNS server when asked to, and for the embedded target when iSNS tests run.
  let isns: IsnsServer | undefined;
  if (args['isns-server'] !== undefined || (urls.length === 0 && plan.some((p) => p.test.families.includes('iSNS')))) {
    isns = await startIsnsServer(args['isns-server']);
  }
  if (urls.length === 1) {
    // isns://SERVER[:PORT]/IQN/LUN: the target's portal as that iSNS server knows it.
    if (urls[0]!.startsWith('isns://')) urls[0] = await resolveIsnsUrl(urls[0]!, args['initiator-name']);
    target = targetFromUrl(urls[0]!);
    const warning = secretOnCommandLine(urls[0]!, 'iscsi-test');
    if (warning) process.stderr.write(`${warning}\n`);
  } else {
    embedded = await startEmbedded(isns);
    target = embedded.spec;
  }
  const stopEmbedded = async () => {
    const e = embedded;
    embedded = undefined;
    if (e) await within(e.stop(), 5000);
    await isns?.stop();
  };
  const onSignal = () => {
    process.stderr.write('iscsi-test: interrupted\n');
    void stopEmbedded().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const cfg: RunConfig = {
      target,
      initiatorName: args['initiator-name'],
      initiatorName2: args['initiator-name-2'],
      dataloss: !!args.dataloss || target.embedded,
      sanitize: !!args['allow-sanitize'] || target.embedded,
      strict: !!args.strict,
      ...(timeout !== undefined ? { timeout } : {}),
      defaultTimeout: 60,
      trace: args.trace !== undefined,
      loginTimeoutMs: 15_000,
      commandTimeoutMs: commandTimeout * 1000,
      maxUnanswered,
      ...(isns ? { isns } : {}),
      ...(embedded ? { targetControl: embedded.control } : {}),
      ...(stopCommand !== undefined && startCommand !== undefined ? { targetControl: commandTargetControl(stopCommand, startCommand) } : {}),
      jobs,
      ...(maxSessions !== undefined ? { maxSessions } : {}),
    };
    const toStdout = xmlFile === '-' || args.json === '-' || args.html === '-';
    const consoleOut = toStdout ? process.stderr : process.stdout;
    // The progress line goes first so it is taken away before the console reporter's summary.
    const progress = args.progress === false ? undefined : ProgressLine.on(consoleOut);
    const reporters: Reporter[] = [...(progress ? [progress] : []), new ConsoleReporter(progress?.through ?? consoleOut, verbosity)];
    const report = await runTests({ plan, config: cfg, reporters, version: version(), ...(shardText ? { shard: shardText } : {}) });
    if (baseline) report.baseline = compareBaseline(baseline, report.results, reg);
    for (const r of reporters) await r.end?.(report);
    if (xmlFile !== undefined) write(xmlFile, junitXml(report), '--xml');
    if (args.json !== undefined) write(args.json, jsonReport(report), '--json');
    if (args.html !== undefined) write(args.html, htmlReport(report), '--html');
    if (args.trace !== undefined) writeTraces(args.trace, report);
    if (report.baseline) return report.baseline.changed.length > 0 ? 1 : 0;
    return report.counts.fail + report.counts.error > 0 ? 1 : 0;
  } finally {
    await stopEmbedded();
  }
}

export async function cli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof ExitError) {
      process.stderr.write(`iscsi-test: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`iscsi-test: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env['ISCSI_TEST_DEBUG']) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 4;
  }
}

/** True when this file is the program node runs: through npx or a global install argv[1] is a symlink. */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Run when executed, not when imported by the project's tests.
if (isMain()) {
  // A reader that goes away (`iscsi-test --list | head`) ends the output, not in a stack trace: stop
  // quietly, as command-line tools do on a closed pipe.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  void cli(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
