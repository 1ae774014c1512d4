/**
 * Where a run goes and how it logs in: the target under test (from an iscsi:// URL, or the embedded
 * reference target that bin/ started) and the options of a run that every test shares.
 */
import type { IsnsServer } from '../isns/server.js';
import { hostPort, parseIscsiUrl, Session, SessionOptions } from './initiator/index.js';
import type { ChapCredentials, DigestChoice } from './initiator/index.js';
import { IscsiError } from '../protocol/errors.js';
import { ExitError, usageError } from './errors.js';

export interface TargetSpec {
  host: string;
  port: number;
  targetName: string;
  lun: number;
  chap?: ChapCredentials;
  targetChap?: ChapCredentials;
  headerDigest?: DigestChoice;
  dataDigest?: DigestChoice;
  /** How reports name the target: the URL with any password hidden. */
  display: string;
  /** The reference target started in-process because no URL was given. */
  embedded: boolean;
}

export const DEFAULT_INITIATOR = 'iqn.2026-11.org.iscsi-test:initiator';
export const DEFAULT_INITIATOR_2 = 'iqn.2026-11.org.iscsi-test:initiator-2';

/**
 * Stopping the target under test and starting it again (--target-stop-command/--target-start-command, or
 * the embedded reference target), for tests that can only see what a target does as it stops (its iSNS
 * deregistration). start() must bring it back on the same portal, so that the run goes on.
 */
export interface TargetControl {
  /** How the target is stopped and started, for logs. */
  how: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The options of a run that tests see and the runner applies. */
export interface RunConfig {
  target: TargetSpec;
  initiatorName: string;
  initiatorName2: string;
  /** --dataloss (implied for the embedded target). */
  dataloss: boolean;
  /** --allow-sanitize (implied for the embedded target). */
  sanitize: boolean;
  /** --strict: SHOULD-level failures fail instead of warning. */
  strict: boolean;
  /** --timeout in seconds, when given: the time limit of every test. */
  timeout?: number;
  /** Time limit of a test that declares none, without --timeout (seconds). */
  defaultTimeout: number;
  /** Keep a PDU trace of every session (for --trace). */
  trace: boolean;
  /** Time limit of a login, in ms. */
  loginTimeoutMs: number;
  /**
   * --command-timeout: how long a command of a test may go unanswered, in ms, before the test fails naming
   * it (shorter than a test's limit, so that a silent target costs seconds, not the whole limit).
   */
  commandTimeoutMs: number;
  /** --max-unanswered: after this many tests in a row that got no answer the run stops (0: never). */
  maxUnanswered: number;
  /** The iSNS server the harness plays, which the target under test registers with (the iSNS family). */
  isns?: IsnsServer;
  /** How to stop and start the target under test, when the run was told (see TargetControl). */
  targetControl?: TargetControl;
  /** --jobs: how many tests without LU-wide side effects run at once (default 1). */
  jobs?: number;
  /** --max-sessions: the target's known limit of sessions at once (iSCSIResources opens one more). */
  maxSessions?: number;
}

/** Defaults of --command-timeout (seconds) and --max-unanswered, as the README documents them. */
export const DEFAULT_COMMAND_TIMEOUT_S = 15;
export const DEFAULT_MAX_UNANSWERED = 3;

/** Parse the URL argument into a target spec; a bad URL is an exit-2 error. */
export function targetFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): TargetSpec {
  let u;
  try {
    u = parseIscsiUrl(url, env, { requireLun: true });
  } catch (e) {
    if (IscsiError.is(e, 'ISCSI_E_URL')) throw usageError(e.message);
    throw e;
  }
  const t: TargetSpec = { host: u.host, port: u.port, targetName: u.target!, lun: u.lun!, display: u.display, embedded: false };
  if (u.chap) t.chap = u.chap;
  if (u.targetChap) t.targetChap = u.targetChap;
  if (u.headerDigest) t.headerDigest = u.headerDigest;
  if (u.dataDigest) t.dataDigest = u.dataDigest;
  return t;
}

/** The session options for a login to the target under test. */
export function sessionOptions(cfg: RunConfig, initiatorName: string, extra: Partial<SessionOptions> = {}): SessionOptions {
  const t = cfg.target;
  const o: SessionOptions = {
    host: t.host,
    port: t.port,
    targetName: t.targetName,
    lun: t.lun,
    initiatorName,
    connectTimeoutMs: Math.min(cfg.loginTimeoutMs, 10_000),
    loginTimeoutMs: cfg.loginTimeoutMs,
    timeoutMs: 30_000,
    ...(cfg.trace ? { trace: true } : {}),
  };
  if (t.chap) o.chap = t.chap;
  if (t.targetChap) o.targetChap = t.targetChap;
  if (t.headerDigest) o.headerDigest = t.headerDigest;
  if (t.dataDigest) o.dataDigest = t.dataDigest;
  return { ...o, ...extra };
}

/** Log in for the probe; any failure is exit code 3 with a one-line reason. */
export async function firstLogin(cfg: RunConfig): Promise<Session> {
  try {
    return await Session.open(sessionOptions(cfg, cfg.initiatorName));
  } catch (e) {
    const where = cfg.target.embedded
      ? `the embedded reference target at ${hostPort(cfg.target.host, cfg.target.port)}`
      : hostPort(cfg.target.host, cfg.target.port);
    const why = e instanceof Error ? e.message : String(e);
    if (IscsiError.is(e, 'ISCSI_E_CONNECT') || IscsiError.is(e, 'ISCSI_E_TIMEOUT')) throw new ExitError(3, `cannot reach ${where}: ${why}`);
    throw new ExitError(3, `cannot log in to ${cfg.target.targetName} at ${where}: ${why}`);
  }
}
