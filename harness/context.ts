/**
 * The runner's implementation of the test context (test-context.ts holds the interface a test sees):
 * the context plus the bookkeeping the runner needs — the narration, warnings, every session opened and
 * its endpoints, commands in flight, the deadline, the blocks written for the read-back check.
 */
import { Opcode, ScsiCommand } from '../protocol/iscsi/index.js';
import { describeCdb, read10, read16, ScsiStatus, SenseKey, testUnitReady, type Sense } from '../protocol/scsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import type { CommandOptions, ScsiResult, Session, SessionOptions } from './initiator/index.js';
import { Session as SessionClass } from './initiator/index.js';
import { checkIscsi, type IscsiExpected, type IscsiOutcome, iscsiExpectedText, iscsiOutcomeText } from './iscsi-expect.js';
import { anyAnswer, loginOutcome, observe } from './iscsi-observe.js';
import { guardSession, rawSessionOf } from './raw-session.js';
import type { RawSession, TestSession } from './session-api.js';
import type { CleanupFn, CommandOpts, IscsiRequest, LoginOptions, Settled, TestContext } from './test-context.js';
import { classifyCdb, commandName, inferDataIn, isBlockWrite, isNotImplemented, lbaRange, mandatoryFor } from './commands.js';
import { HarnessError, TestFailure, TestSkip } from './errors.js';
import { asList, checkResult, expectedText, GOOD, INVALID_OPCODE, outcomeText } from './expect.js';
import { clearUnitAttentions, DeviceFacts, supports } from './probe.js';
import type { Need } from './registry.js';
import type { Planned } from './select.js';
import { refusedName } from './nexus.js';
import { RunConfig, sessionOptions } from './target-under-test.js';
import { openRawConnection, type RawConnection } from './raw-connection.js';
import { blockPattern, MAX_REMEMBERED, WrittenBlocks } from './written-blocks.js';
import { drainUnitAttentions, readBlocks, transportFailure } from './block-helpers.js';

export class RunContext implements TestContext {
  readonly id: string;
  readonly planned: Planned;
  readonly dev: DeviceFacts;
  readonly config: RunConfig;
  /** Narration: every command sent and its outcome, and what `t.log` adds ([ms since start, text]). */
  readonly lines: [number, string][] = [];
  /** SHOULD-level findings (warnings unless --strict). */
  readonly warnings: string[] = [];
  /** Every session the test opened, in order (for clean-up and traces). */
  readonly sessions: Session[] = [];
  /** Each session's TCP endpoints, taken at login (for traces). */
  readonly endpoints = new Map<Session, { local: { address: string; port: number }; remote: { address: string; port: number } }>();
  /** The clean-ups the test declared (`t.cleanup`), in order. */
  readonly cleanups: { fn: CleanupFn; what: string }[] = [];
  /** Commands sent and not yet answered. */
  readonly inFlight = new Map<number, string>();
  /** Operation code and service action of the commands answered GOOD in this test: implemented, whatever they refuse later. */
  private readonly answered = new Set<string>();
  readonly started = Date.now();
  /** When the test's time is up (ms since the epoch). */
  readonly deadline: number;
  private main: Session | undefined;
  private second: Session | undefined;
  private readonly raws: RawConnection[] = [];
  /** What the test wrote, for the read-back check. */
  private readonly written = new WrittenBlocks();
  private dead: string | undefined;
  private nextInFlight = 0;
  private readonly onLine: ((line: string) => void) | undefined;

  constructor(planned: Planned, dev: DeviceFacts, config: RunConfig, limitMs: number, onLine?: (line: string) => void) {
    this.planned = planned;
    this.id = planned.id;
    this.dev = dev;
    this.config = config;
    this.deadline = this.started + limitMs;
    this.onLine = onLine;
  }

  // --- sessions ------------------------------------------------------------------------------------------

  /** The test's own session (logged in as --initiator-name, unit attentions cleared). */
  get session(): Session {
    this.alive();
    if (!this.main) throw new HarnessError(`${this.id} declared session: false; open sessions with t.login()`);
    return this.main;
  }

  /** The second I_T nexus (logged in as --initiator-name-2); needs 'twoInitiators'. */
  get session2(): Session {
    this.alive();
    if (!this.planned.test.needs.includes('twoInitiators')) throw new HarnessError(`${this.id} uses t.session2 without declaring needs: ['twoInitiators']`);
    if (!this.second) throw new HarnessError(`${this.id}: the second session is not open`);
    return this.second;
  }

  /**
   * Called by the runner before the body. The target answered the start-up probe, so a login it refuses or
   * leaves unanswered now, or a first command it does not answer, fails the test (counted as no answer).
   */
  async openStandardSessions(): Promise<void> {
    const t = this.planned.test;
    if (t.session) {
      const t0 = Date.now();
      this.main = await this.loginFailsTest(() =>
        this.openGuarded(sessionOptions(this.config, this.config.initiatorName, { timeoutMs: this.remainingMs() }), 'the test session'),
      );
      this.log(`logged in as ${this.config.initiatorName} in ${Date.now() - t0} ms`);
      await this.firstCommand(this.main);
    }
    if (t.needs.includes('twoInitiators')) {
      const name = this.config.initiatorName2;
      const t0 = Date.now();
      try {
        this.second = await this.openGuarded(sessionOptions(this.config, name, { timeoutMs: this.remainingMs() }), 'the second session (--initiator-name-2)');
      } catch (e) {
        // the target's ACL may admit only the first name: a skip that names the refused one
        throw refusedName(e instanceof HarnessError ? e.cause : e, name, '--initiator-name-2') ?? asLoginFailure(e);
      }
      this.log(`logged in as ${name} in ${Date.now() - t0} ms`);
      await this.firstCommand(this.second);
    }
  }

  private async loginFailsTest(open: () => Promise<Session>): Promise<Session> {
    try {
      return await open();
    } catch (e) {
      throw asLoginFailure(e);
    }
  }

  /** Clear the unit attentions of a new nexus; no answer within --command-timeout fails the test. */
  private async firstCommand(s: Session): Promise<void> {
    const ms = Math.min(this.config.commandTimeoutMs, this.remainingMs());
    try {
      await clearUnitAttentions(s, ms);
    } catch (e) {
      if (IscsiError.is(e, 'ISCSI_E_TIMEOUT'))
        throw new TestFailure(`target did not answer TEST UNIT READY, the first command of the test's session, within ${secs(ms)}`, { noAnswer: true });
      if (e instanceof IscsiError) throw new TestFailure(`TEST UNIT READY, the first command of the test's session: ${e.message}`, { noAnswer: true });
      throw e;
    }
  }

  /**
   * Declare a clean-up: the runner runs it after the test (last declared first), on fresh sessions of a
   * new context, even when the test failed or ran out of time, so that a reservation, a PREVENT or a mode
   * change never leaks into later tests. A clean-up that fails turns a pass into an error.
   */
  cleanup(fn: CleanupFn, what = 'clean-up'): void {
    this.cleanups.push({ fn, what });
  }

  private async openGuarded(o: SessionOptions, what: string): Promise<Session> {
    let s: Session;
    try {
      s = await SessionClass.open(o);
    } catch (e) {
      throw new HarnessError(`could not log in for this test (${what}): ${(e as Error).message}`, { cause: e });
    }
    this.track(s);
    return s;
  }

  private track(s: Session): void {
    guardSession(s, (pdu) => {
      if (pdu.opcode === Opcode.SCSI_COMMAND) this.checkDestructive((pdu as ScsiCommand).cdb);
    });
    this.sessions.push(s);
    const k = s.conn.socket;
    this.endpoints.set(s, {
      local: { address: k.localAddress ?? '127.0.0.1', port: k.localPort ?? 0 },
      remote: { address: k.remoteAddress ?? s.options.host, port: k.remotePort ?? s.options.port },
    });
  }

  /**
   * Log in another session, with changes to the standard login (initiator name, keys, digests...). A
   * refused login throws the initiator's IscsiError (ISCSI_E_LOGIN, ISCSI_E_AUTH, ISCSI_E_NEGOTIATION...),
   * which fails the test unless the body catches it. The session is closed after the test.
   */
  async login(o: LoginOptions = {}): Promise<Session> {
    this.alive();
    const { clearUnitAttentions: clear, ...rest } = o;
    const opts = sessionOptions(this.config, o.initiatorName ?? this.config.initiatorName, { timeoutMs: this.remainingMs(), ...rest });
    if (o.sessionType === 'Discovery') {
      delete (opts as { targetName?: string }).targetName;
      // The URL's target_user/target_password are the target node's own account (its OutgoingUser), which a
      // discovery session never meets: demanding mutual CHAP there fails against a portal that needs no CHAP
      // for discovery (it answers AuthMethod=None). One-way CHAP stays offered, for a portal that asks for it.
      if (!('targetChap' in o)) delete opts.targetChap;
    }
    this.log(`Login as ${opts.initiatorName}${o.sessionType === 'Discovery' ? ' (discovery session)' : ''}`);
    const s = await SessionClass.open(opts);
    this.track(s);
    if (clear) await clearUnitAttentions(s, Math.min(15_000, this.remainingMs()));
    return s;
  }

  /**
   * A bare connection to the target, not logged in: for login-phase negative tests that build every
   * Login Request themselves (see raw-connection.ts). Closed after the test.
   */
  async connect(): Promise<RawConnection> {
    this.alive();
    const t = this.config.target;
    this.log(`Connect to ${t.host}:${t.port} (no login: the test sends every PDU itself)`);
    const c = await openRawConnection(
      { host: t.host, port: t.port, connectTimeoutMs: Math.min(this.config.loginTimeoutMs, 10_000), trace: this.config.trace },
      () => this.remainingMs(),
    );
    this.raws.push(c);
    return c;
  }

  /**
   * The destructive-command guard (installed on every session the test opens, so hand-built PDUs are
   * checked too): a SCSI Command PDU whose CDB changes the medium is refused (a harness error) unless the
   * test declared `dataloss` (`sanitize` for SANITIZE).
   */
  private checkDestructive(cdb: Buffer): void {
    const c = classifyCdb(cdb);
    const needs = this.planned.test.needs;
    if (c.sanitize && !needs.includes('sanitize'))
      throw new HarnessError(`${this.id} sent ${commandName(cdb)} without declaring needs: ['sanitize'] (harness rule: tests that sanitize must say so)`);
    if (c.dataloss && !needs.includes('dataloss'))
      throw new HarnessError(`${this.id} sent ${commandName(cdb)}, which changes the medium, without declaring needs: ['dataloss'] (harness rule)`);
  }

  /** Close every session (logout, else drop), in parallel, bounded. */
  async closeAll(): Promise<void> {
    for (const c of this.raws) c.close();
    await Promise.all(this.sessions.map((s) => s.close(2000).catch(() => undefined)));
  }

  /** Drop every connection at once (the test ran out of time). */
  kill(reason: string): void {
    this.dead = reason;
    for (const s of this.sessions) s.destroy();
    for (const c of this.raws) c.close();
  }

  get needs(): readonly Need[] {
    return this.planned.test.needs;
  }

  get killed(): boolean {
    return this.dead !== undefined;
  }

  private alive(): void {
    if (this.dead !== undefined) throw new Killed(this.dead);
  }

  /** The initiator session behind a session the test holds (default `t.session`); one it did not open is a harness error. */
  private real(s?: TestSession): Session {
    if (s === undefined) return this.session;
    const found = this.sessions.find((x) => x === s);
    if (!found) throw new HarnessError(`${this.id} used a session this test did not open`);
    return found;
  }

  raw(session?: TestSession): RawSession {
    this.alive();
    return rawSessionOf(this.real(session));
  }

  // --- iSCSI outcomes ------------------------------------------------------------------------------------

  async expectIscsi(what: string, r: IscsiRequest): Promise<IscsiOutcome> {
    this.alive();
    const ms = Math.max(1, Math.min(r.withinMs ?? 3000, this.remainingMs()));
    this.log(`> ${what} (expecting ${iscsiExpectedText(r.expect, ms)})`);
    const o = await observe(this.raw(r.session), r.send, r.answer ?? anyAnswer, ms);
    this.alive();
    this.log(`< ${iscsiOutcomeText(o)}`);
    this.checkIscsi(what, o, r.expect, ms);
    return o;
  }

  async expectLogin(what: string, o: LoginOptions, expect: IscsiExpected): Promise<{ outcome: IscsiOutcome; session?: TestSession }> {
    this.alive();
    this.log(`> ${what} (expecting ${iscsiExpectedText(expect)})`);
    const r = await loginOutcome(this.login(o), this.config.loginTimeoutMs);
    this.log(`< ${iscsiOutcomeText(r.outcome)}`);
    this.checkIscsi(what, r.outcome, expect);
    return r;
  }

  checkIscsi(what: string, outcome: IscsiOutcome, expect: IscsiExpected, windowMs?: number): void {
    const c = checkIscsi(what, outcome, expect, windowMs);
    if (!c.ok) throw new TestFailure(c.message);
  }

  // --- time ----------------------------------------------------------------------------------------------

  /** Milliseconds left before the test's time limit (at least 1). */
  remainingMs(): number {
    return Math.max(1, this.deadline - Date.now());
  }

  /** Wait, within the test's time limit. */
  async sleep(ms: number): Promise<void> {
    this.alive();
    await new Promise((r) => setTimeout(r, Math.min(ms, this.remainingMs())));
    this.alive();
  }

  /**
   * Wait at most `ms` for a promise: `{ done: true, value }`, `{ done: true, error }`, or `{ done: false }`
   * when nothing happened in time (for "the target must not answer" checks).
   */
  async settle<T>(p: Promise<T>, ms: number): Promise<Settled<T>> {
    this.alive();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ done: false }>((r) => {
      timer = setTimeout(() => r({ done: false }), Math.min(ms, this.remainingMs()));
    });
    try {
      return await Promise.race([
        p.then(
          (value) => ({ done: true as const, value }),
          (error: unknown) => ({ done: true as const, error }),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  // --- narration and verdicts ----------------------------------------------------------------------------

  /** Add a line to the test's narration (shown with --verbose and in failure reports). */
  log(text: string): void {
    this.lines.push([Date.now() - this.started, text]);
    this.onLine?.(text);
  }

  /** End the test as skipped, with the reason. */
  skip(reason: string): never {
    throw new TestSkip(reason);
  }

  /** End the test as failed. */
  fail(message: string): never {
    throw new TestFailure(message);
  }

  /** Fail the test with `message` unless `cond` holds. */
  check(cond: unknown, message: string): void {
    if (!cond) throw new TestFailure(message);
  }

  /** Fail unless `actual === expected`: '<what>: expected <expected>, got <actual>'. */
  equal<T>(actual: T, expected: T, what: string): void {
    if (actual !== expected) throw new TestFailure(`${what}: expected ${fmt(expected)}, got ${fmt(actual)}`);
  }

  /**
   * A SHOULD-level requirement inside a test: when `cond` fails it is recorded as a warning (the test
   * still passes, with a warning) — or fails the test with --strict. Returns `cond`.
   */
  should(cond: unknown, message: string): boolean {
    if (cond) return true;
    if (this.config.strict) throw new TestFailure(`${message} (SHOULD; --strict)`, { should: true });
    this.warnings.push(message);
    this.log(`[WARNING] ${message}`);
    return false;
  }

  // --- data ----------------------------------------------------------------------------------------------

  /**
   * Data for `blocks` blocks starting at `lba`, different in every block and on every call: each block
   * starts with its LBA, a run nonce and a write generation, the rest is pseudo-random from those.
   */
  pattern(lba: number, blocks: number): Buffer {
    const bs = this.dev.blockSize;
    if (!(bs > 0)) throw new HarnessError(`${this.id}: t.pattern needs the block size (declare needs: ['capacity'])`);
    return blockPattern(lba, blocks, bs);
  }

  /**
   * Transfer lengths 1..max (default 256) that the target accepts: capped by the Block Limits MAXIMUM
   * TRANSFER LENGTH and by the capacity. For "1-256 blocks" loops.
   */
  lengths(max = 256): number[] {
    const n = Math.max(0, Math.min(max, this.dev.maxTransferBlocks, this.dev.blocks));
    return Array.from({ length: n }, (_, i) => i + 1);
  }

  /** Remember that `data` was written at `lba` (the read-back check compares it after the test). */
  remember(lba: number, data: Buffer, what = 'a write'): void {
    this.written.remember(lba, data, this.dev.blockSize, what);
  }

  /** Forget what was remembered at these blocks (a test that deliberately leaves them undefined). */
  forget(lba: number, blocks: number): void {
    this.written.forget(lba, blocks);
  }

  /** How many blocks the read-back check will compare. */
  get rememberedBlocks(): number {
    return this.written.size;
  }

  // --- commands ------------------------------------------------------------------------------------------

  /**
   * Send a SCSI command and check its outcome (default GOOD); returns the result. A wrong outcome fails
   * the test with the expected-versus-got message; "not implemented" skips it (or fails it, for a command
   * the standard makes mandatory); no answer within the time limit fails it.
   */
  async command(cdb: Buffer, o: CommandOpts = {}): Promise<ScsiResult> {
    this.alive();
    const s = this.real(o.session);
    const what = o.what ?? describeCdb(cdb);
    this.checkDestructive(cdb);
    const expected = o.expect ?? GOOD;
    let dataOut = o.dataOut;
    let range: { lba: number; blocks: number } | undefined;
    if (isBlockWrite(cdb)) {
      range = lbaRange(cdb);
      if (dataOut === undefined && range && range.blocks > 0 && this.dev.blockSize > 0) dataOut = this.pattern(range.lba, range.blocks);
    }
    let dataIn = o.dataIn;
    if (dataIn === undefined && dataOut === undefined) {
      dataIn = inferDataIn(cdb, this.dev.blockSize);
      if (dataIn === undefined) throw new HarnessError(`${this.id}: cannot tell how much data ${commandName(cdb)} moves; pass dataIn or dataOut`);
    }
    // A command may go unanswered for --command-timeout, or its own timeoutMs, or (in a test that declares
    // its own time limit because its commands take long) that limit; never past the test's limit
    const commandLimit = o.timeoutMs ?? (this.planned.test.timeout !== undefined ? Infinity : this.config.commandTimeoutMs);
    const byCommandLimit = commandLimit < this.remainingMs();
    const co: CommandOptions = { ...(o.raw ?? {}), cdb, timeoutMs: byCommandLimit ? commandLimit : this.remainingMs() + 1000 };
    if (dataIn !== undefined && dataIn > 0) co.dataIn = dataIn;
    if (dataOut !== undefined) co.dataOut = dataOut;
    if (o.edtl !== undefined) co.edtl = o.edtl;
    this.log(`> ${what} (expecting ${expectedText(expected)})`);
    const n = ++this.nextInFlight;
    this.inFlight.set(n, what);
    let r: ScsiResult;
    try {
      r = await s.command(co);
    } catch (e) {
      if (byCommandLimit && IscsiError.is(e, 'ISCSI_E_TIMEOUT')) {
        throw new TestFailure(`target did not answer ${what} within ${secs(commandLimit)}${o.timeoutMs === undefined ? ' (--command-timeout)' : ''}`, {
          noAnswer: true,
        });
      }
      this.alive();
      throw this.transportFailure(what, e);
    } finally {
      this.inFlight.delete(n);
    }
    this.alive();
    const got = outcomeText(r);
    this.log(
      `< ${got}${r.data.length ? `, ${r.data.length} bytes` : ''}` +
        (r.residual.overflow || r.residual.underflow ? `, residual ${r.residual.overflow ? 'overflow' : 'underflow'} ${r.residual.count}` : ''),
    );
    const known = this.answered.has(serviceActionKey(cdb)) || supports(this.dev, cdb[0]!, cdb[1]! & 0x1f) === true;
    if (r.status === ScsiStatus.GOOD) this.answered.add(serviceActionKey(cdb));
    if (!o.allowUnsupported && isNotImplemented(cdb, r, known) && !asList(expected).includes(INVALID_OPCODE)) {
      const m = mandatoryFor(cdb, this.dev);
      const name = commandName(cdb);
      // One defect, one failure: a mandatory command the target lacks fails the tests of that command and
      // Mandatory.*; a test that only uses it (to read back, to set up) skips and says who reports it.
      if (m && checksCommand(this.planned.test.suite, name))
        throw new TestFailure(`${what}: expected ${expectedText(expected)}, got ${got}: ${name} is mandatory (${m.clause})`);
      if (m) throw new TestSkip(`target does not implement ${name}, which is mandatory (${m.clause}): the ${suiteOf(name)} and Mandatory suites fail for that`);
      throw new TestSkip(`target does not implement ${name}`);
    }
    const c = checkResult(what, r, expected);
    if (!c.ok && lacksSense(r, expected) && this.id !== AUTOSENSE_OWNER)
      throw new TestSkip(
        `${what}: CHECK CONDITION without sense data, so its sense key and code cannot be judged (iSCSIAutosense.CheckCondition checks that sense data comes with it)`,
      );
    if (!c.ok) throw new TestFailure(c.message);
    if (range && dataOut && o.edtl === undefined && r.status === ScsiStatus.GOOD && range.blocks > 0)
      this.remember(range.lba, dataOut.subarray(0, range.blocks * this.dev.blockSize), what);
    return r;
  }

  /** Read `blocks` blocks at `lba`, expecting GOOD: for checking what a command left on the medium. */
  readBlocks(lba: number, blocks: number, session?: TestSession): Promise<Buffer> {
    return readBlocks(this, lba, blocks, session);
  }

  /** The unit attentions TEST UNIT READY reports, in order, until none (at most `max`). */
  unitAttentions(session?: TestSession, max = 10): Promise<Sense[]> {
    return drainUnitAttentions(this, session, max);
  }

  /**
   * Poll with TEST UNIT READY, every `everyMs` (default 200), while the logical unit answers NOT READY with
   * one of the `asc` codes (e.g. SANITIZE IN PROGRESS: a long operation) or a unit attention (drained on the
   * way), and return the first other answer with the progress indications seen. Bounded: when `limitMs`
   * (default: the test's remaining time less 2 s) passes first, the test fails saying what was still
   * reported. For tests that must wait out a SANITIZE or a FORMAT.
   */
  async waitWhileNotReady(
    asc: number | readonly number[],
    o: { session?: TestSession; everyMs?: number; limitMs?: number; what?: string } = {},
  ): Promise<{ result: ScsiResult; polls: number; ms: number; progress: number[] }> {
    const s = this.real(o.session);
    const codes = typeof asc === 'number' ? [asc] : asc;
    const every = Math.max(10, o.everyMs ?? 200);
    const limit = Math.max(1, Math.min(o.limitMs ?? this.remainingMs() - 2000, this.remainingMs()));
    const what = o.what ?? `NOT READY (${codes.map((c) => `0x${c.toString(16).padStart(4, '0')}`).join(', ')})`;
    const start = Date.now();
    const progress: number[] = [];
    let polls = 0;
    let last = '';
    this.log(`Polling TEST UNIT READY every ${every} ms while the logical unit reports ${what} (at most ${secs(limit)})`);
    for (;;) {
      this.alive();
      let r: ScsiResult;
      try {
        r = await s.command({ cdb: testUnitReady(), timeoutMs: this.remainingMs() + 1000 });
      } catch (e) {
        this.alive();
        throw this.transportFailure('TEST UNIT READY (polling)', e);
      }
      polls++;
      const waiting =
        r.response === 0 &&
        r.status === ScsiStatus.CHECK_CONDITION &&
        !!r.sense &&
        ((r.sense.key === SenseKey.NOT_READY && codes.includes(r.sense.ascAscq)) || r.sense.key === SenseKey.UNIT_ATTENTION);
      if (!waiting) {
        this.log(`< after ${polls} poll(s), ${secs(Date.now() - start)}: ${outcomeText(r)}`);
        return { result: r, polls, ms: Date.now() - start, progress };
      }
      const p = r.sense!.senseKeySpecific?.progress;
      if (p !== undefined) progress.push(p);
      last = outcomeText(r);
      if (Date.now() - start + every > limit)
        this.fail(
          `the logical unit still reports ${last} after ${secs(Date.now() - start)} (${polls} TEST UNIT ` +
            `READY polls): the wait for ${what} to end is bounded`,
        );
      await this.sleep(every);
    }
  }

  /** Turn an initiator error during a command into the failure it is. */
  private transportFailure(what: string, e: unknown): Error {
    return transportFailure(what, e, secs(this.deadline - this.started));
  }

  /**
   * The read-back check (run by the runner after a body that passed): every block a successful write
   * put data in must read back as written.
   */
  async verifyWritten(): Promise<void> {
    if (this.written.size === 0) return;
    this.log(`Read back the ${this.written.size} block(s) this test wrote${this.written.complete ? '' : ` (the first ${MAX_REMEMBERED} remembered)`}`);
    let s = this.sessions.find((x) => x.isOpen);
    if (!s) {
      // Every session of the test is gone (logged out, dropped): a new nexus starts with a unit attention.
      s = await this.openGuarded(sessionOptions(this.config, this.config.initiatorName, { timeoutMs: this.remainingMs() }), 'the read-back session');
      await clearUnitAttentions(s, Math.min(15_000, this.remainingMs()));
    }
    const bs = this.dev.blockSize;
    // Bounded by the number of remembered blocks.
    for (const { lba, blocks: n } of this.written.runs(Math.max(1, Math.min(256, this.dev.maxTransferBlocks)))) {
      const cdb = lba + n <= 2 ** 32 ? read10({ lba, blocks: n }) : read16({ lba, blocks: n });
      const what = describeCdb(cdb);
      let r: ScsiResult;
      try {
        r = await s.command({ cdb, dataIn: n * bs, timeoutMs: this.remainingMs() + 1000 });
      } catch (e) {
        this.alive();
        throw this.transportFailure(`read-back ${what}`, e);
      }
      const c = checkResult(`data integrity: read-back ${what}`, r, GOOD);
      if (!c.ok) throw new TestFailure(c.message);
      const wrong = this.written.mismatch(lba, r.data, n, bs);
      if (wrong) throw new TestFailure(wrong);
    }
    this.log(`[OK] every written block reads back as written`);
  }
}

/** A login of a test's session the target refused or left unanswered (a HarnessError from openGuarded) fails the test. */
function asLoginFailure(e: unknown): unknown {
  return e instanceof HarnessError ? new TestFailure(e.message, { noAnswer: true }) : e;
}

/** Thrown into a body that goes on after its test ran out of time; the runner ignores it. */
export class Killed extends Error {
  override readonly name = 'Killed';
}

const fmt = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}` : String(v));

export function secs(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** The suite named after a command: READ CAPACITY(16) is ReadCapacity16's, TEST UNIT READY TestUnitReady's. */
function suiteOf(commandName: string): string {
  return commandName.replace(/\b([A-Z])([A-Z]*)\b/g, (_, a: string, b: string) => a + b.toLowerCase()).replace(/[^A-Za-z0-9]/g, '');
}

/** Whether tests of `suite` check `commandName` itself: its own suite and the Mandatory suite do. */
function checksCommand(suite: string, commandName: string): boolean {
  return suite === 'Mandatory' || suite.toLowerCase() === suiteOf(commandName).toLowerCase();
}

/** Operation code and service action (byte 1, bits 4-0), as one key: what `isNotImplemented` asks about. */
const serviceActionKey = (cdb: Buffer): string => `${cdb[0]}/${cdb[1]! & 0x1f}`;

/** The test that owns "CHECK CONDITION carries sense data" (RFC 7143 11.4.7: targets "MUST support and enable Autosense"). */
const AUTOSENSE_OWNER = 'iSCSI.iSCSIAutosense.CheckCondition';

/** CHECK CONDITION with no sense data at all, where the test looks for a sense key: one defect, which AUTOSENSE_OWNER fails for. */
function lacksSense(r: ScsiResult, expected: Parameters<typeof checkResult>[2]): boolean {
  if (r.response !== 0 || r.status !== ScsiStatus.CHECK_CONDITION || r.sense || r.senseError) return false;
  return asList(expected).some((e) => e.status === ScsiStatus.CHECK_CONDITION && e.key !== undefined);
}
