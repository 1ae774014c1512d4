/**
 * The test context `t`: what a test body gets, as an interface (the runner's implementation, with its
 * bookkeeping, is RunContext in context.ts). It holds the test's own session (a fresh login for every
 * test; a second one, as --initiator-name-2, for tests that need two I_T nexuses), the facts the probe
 * found (`t.dev`), and the helpers that send commands and decide verdicts:
 *
 *   await t.command(scsi.read10({ lba: 0, blocks: 8 }));                          // expects GOOD
 *   await t.command(scsi.read10({ lba: t.dev.blocks, blocks: 1 }), { expect: LBA_OUT_OF_RANGE });
 *   await t.command(scsi.write10({ lba: 0, blocks: 2 }));                         // data: t.pattern(0, 2)
 *   t.check(r.data.length >= 36, 'standard INQUIRY data is at least 36 bytes');   // else fail
 *   t.should(vpdSorted, 'VPD page list is in ascending order');                   // else warning
 *   t.skip('the LUN has no Control mode page');                                   // verdict skip
 *   await t.expectIscsi('a NOP-Out with a wrong data digest', { send: (raw) => raw.sendBytes(...bytes), expect: [REJECT(2), DROPPED] });
 *   await t.expectLogin('a login with a wrong CHAP secret', { chap: wrong }, LOGIN_STATUS(2, 1));
 *
 * `t.command` infers the Data-In length of reads and of commands with an ALLOCATION LENGTH, fills writes
 * with `t.pattern` (a distinct pattern for every block and every write), checks the outcome with the one
 * expectation check, turns "not implemented" into a skip (or a failure for a mandatory command), and
 * remembers what each successful write put where: after the body, the harness reads every written block
 * back and fails the test if one differs.
 *
 * Rules the context enforces: a command that changes the medium needs `dataloss` declared (even when sent
 * through `t.session` or `t.raw` directly: the session is guarded), SANITIZE needs `sanitize`;
 * `t.session2` needs `twoInitiators`. Breaking one is a harness error, not a target failure.
 */
import type { AnyPdu } from '../protocol/iscsi/index.js';
import type { Sense } from '../protocol/scsi/index.js';
import type { CommandOptions, ScsiResult, SessionOptions } from './initiator/index.js';
import type { Expected } from './expect.js';
import type { IscsiExpected, IscsiOutcome } from './iscsi-expect.js';
import type { DeviceFacts } from './probe.js';
import type { Need } from './registry.js';
import type { RawConnection } from './raw-connection.js';
import type { RawSession, TestSession } from './session-api.js';
import type { RunConfig } from './target-under-test.js';

export interface CommandOpts {
  /** Accepted outcome(s); default GOOD. */
  expect?: Expected;
  /** Data-In length; default inferred from the CDB (READ blocks, ALLOCATION LENGTH). */
  dataIn?: number;
  /** Data-Out; for WRITE(6/10/12/16) and WRITE AND VERIFY default `t.pattern(lba, blocks)`. */
  dataOut?: Buffer;
  /** Expected Data Transfer Length as sent, when it must differ from the data (residual tests). */
  edtl?: number;
  /** The session to send on (default `t.session`). */
  session?: TestSession;
  /** Name of the command in messages (default: the decoded CDB, e.g. 'READ(10) LBA=0 LEN=8'). */
  what?: string;
  /** Return a "not implemented" answer instead of skipping (or failing, for a mandatory command). */
  allowUnsupported?: boolean;
  /**
   * How long the command may go unanswered, in ms, instead of --command-timeout: for a command that takes
   * long by design (SANITIZE without IMMED). Never past the test's own limit.
   */
  timeoutMs?: number;
  /** Further options of the initiator's `session.command` (task attribute, immediate, hooks...). */
  raw?: Partial<Omit<CommandOptions, 'cdb' | 'dataIn' | 'dataOut' | 'edtl'>>;
}

/** What `t.login` may change in the standard login. */
export type LoginOptions = Partial<
  Pick<
    SessionOptions,
    | 'initiatorName'
    | 'targetName'
    | 'sessionType'
    | 'keys'
    | 'extraKeys'
    | 'headerDigest'
    | 'dataDigest'
    | 'chap'
    | 'targetChap'
    | 'chapAlgorithms'
    | 'chapEncoding'
    | 'isid'
    | 'tsih'
    | 'skipSecurity'
    | 'answerNopIn'
    | 'honourLogoutRequest'
    | 'lun'
  >
> & {
  /** Send TEST UNIT READY until no unit attention is left (default false). */
  clearUnitAttentions?: boolean;
};

/** A request whose iSCSI-level answer `t.expectIscsi` observes and checks. */
export interface IscsiRequest {
  /** The session (default `t.session`). */
  session?: TestSession;
  /** Send the request (through the raw session, or any call of the session). */
  send: (raw: RawSession) => unknown;
  /** Which received PDU is the answer; default any PDU but the target's own NOP-In pings and asynchronous messages. */
  answer?: (p: AnyPdu) => boolean;
  /** How long to watch (default 3000 ms, within the test's time limit). */
  withinMs?: number;
  /** The accepted outcome(s). */
  expect: IscsiExpected;
}

/** A clean-up step (`t.cleanup`): it gets a fresh context of the same test, with fresh sessions. */
export type CleanupFn = (c: TestContext) => Promise<void> | void;

export type Settled<T> = { done: true; value: T } | { done: true; error: unknown } | { done: false };

export interface TestContext {
  /** The test's dotted name. */
  readonly id: string;
  /** What the probe found about the logical unit. */
  readonly dev: DeviceFacts;
  /** The run's options: the target (URL, LUN, CHAP credentials), initiator names, --strict... */
  readonly config: Readonly<RunConfig>;
  /** The test's own session (logged in as --initiator-name, unit attentions cleared). */
  readonly session: TestSession;
  /** The second I_T nexus (logged in as --initiator-name-2); needs 'twoInitiators'. */
  readonly session2: TestSession;
  /** Every session the test opened, in order. */
  readonly sessions: readonly TestSession[];
  /** True once the test ran out of time (clean-up code checks it before sending more). */
  readonly killed: boolean;
  /** How many blocks the read-back check will compare. */
  readonly rememberedBlocks: number;
  /** What the test declared it needs. */
  readonly needs: readonly Need[];

  /**
   * Log in another session, with changes to the standard login (initiator name, keys, digests...). A
   * refused login throws the initiator's IscsiError (ISCSI_E_LOGIN, ISCSI_E_AUTH, ISCSI_E_NEGOTIATION...),
   * which fails the test unless the body catches it (`t.expectLogin` checks a refusal). The session is
   * closed after the test.
   */
  login(o?: LoginOptions): Promise<TestSession>;
  /**
   * Declare a clean-up: the runner runs it after the test (last declared first), on fresh sessions of a
   * new context, even when the test failed or ran out of time, so that a reservation, a PREVENT or a mode
   * change never leaks into later tests. A clean-up that fails turns a pass into an error.
   */
  cleanup(fn: CleanupFn, what?: string): void;
  /** The raw access to a session (default `t.session`) for negative tests. */
  raw(session?: TestSession): RawSession;
  /**
   * A bare connection to the target, not logged in: for login-phase negative tests that build every
   * Login Request themselves (raw-connection.ts). Closed after the test.
   */
  connect(): Promise<RawConnection>;

  /** Milliseconds left before the test's time limit (at least 1). */
  remainingMs(): number;
  /** Wait, within the test's time limit. */
  sleep(ms: number): Promise<void>;
  /**
   * Wait at most `ms` for a promise: `{ done: true, value }`, `{ done: true, error }`, or `{ done: false }`
   * when nothing happened in time.
   */
  settle<T>(p: Promise<T>, ms: number): Promise<Settled<T>>;

  /** Add a line to the test's narration (shown with --verbose and in failure reports). */
  log(text: string): void;
  /** End the test as skipped, with the reason. */
  skip(reason: string): never;
  /** End the test as failed. */
  fail(message: string): never;
  /** Fail the test with `message` unless `cond` holds. */
  check(cond: unknown, message: string): void;
  /** Fail unless `actual === expected`: '<what>: expected <expected>, got <actual>'. */
  equal<T>(actual: T, expected: T, what: string): void;
  /** A SHOULD-level requirement: a warning when `cond` fails (a failure with --strict). Returns `cond`. */
  should(cond: unknown, message: string): boolean;

  /** Data for `blocks` blocks starting at `lba`, different in every block and on every call. */
  pattern(lba: number, blocks: number): Buffer;
  /** Transfer lengths 1..max (default 256) that the target accepts. */
  lengths(max?: number): number[];
  /** Remember that `data` was written at `lba` (the read-back check compares it after the test). */
  remember(lba: number, data: Buffer, what?: string): void;
  /** Forget what was remembered at these blocks (a test that deliberately leaves them undefined). */
  forget(lba: number, blocks: number): void;

  /**
   * Send a SCSI command and check its outcome (default GOOD); returns the result. A wrong outcome fails
   * the test with the expected-versus-got message; "not implemented" skips it (or fails it, for a command
   * the standard makes mandatory); no answer within the time limit fails it.
   */
  command(cdb: Buffer, o?: CommandOpts): Promise<ScsiResult>;
  /** Read `blocks` blocks at `lba`, expecting GOOD: for checking what a command left on the medium. */
  readBlocks(lba: number, blocks: number, session?: TestSession): Promise<Buffer>;
  /** TEST UNIT READY until no unit attention is reported (at most `max`); the unit attentions seen, in order. */
  unitAttentions(session?: TestSession, max?: number): Promise<Sense[]>;
  /**
   * Poll with TEST UNIT READY while the logical unit answers NOT READY with one of the `asc` codes (or a
   * unit attention), bounded; the first other answer with the progress indications seen.
   */
  waitWhileNotReady(
    asc: number | readonly number[],
    o?: { session?: TestSession; everyMs?: number; limitMs?: number; what?: string },
  ): Promise<{ result: ScsiResult; polls: number; ms: number; progress: number[] }>;

  /**
   * Send a request and watch what the target does within a window: the first answer PDU, the connection
   * closing, or nothing. Fails the test unless that meets `expect` ('<what>: expected …, got …'); returns
   * the outcome.
   */
  expectIscsi(what: string, r: IscsiRequest): Promise<IscsiOutcome>;
  /**
   * Log in with changes to the standard login and check the outcome: `LOGGED_IN`, `LOGIN_STATUS(class,
   * detail)`, `DROPPED`. Returns the outcome and the session when the login succeeded.
   */
  expectLogin(what: string, o: LoginOptions, expect: IscsiExpected): Promise<{ outcome: IscsiOutcome; session?: TestSession }>;
  /** Check an outcome the test already has ('<what>: expected …, got …'). */
  checkIscsi(what: string, outcome: IscsiOutcome, expect: IscsiExpected): void;
}
