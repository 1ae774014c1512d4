/**
 * The outcomes a test body can raise, and the errors of the harness itself. A test never builds a verdict
 * by hand: `t.fail`, `t.skip` and the expectation checks throw these, and the runner classifies what
 * escapes the body (see `classifyError` in runner.ts).
 */

/** The target did something the standard forbids (or failed to do what it requires): verdict fail. */
export class TestFailure extends Error {
  override readonly name = 'TestFailure';
  /** Set when a SHOULD-level requirement failed (a warning unless --strict). */
  readonly should: boolean;
  /**
   * Set when the target did not answer in time (a command, or the login of the test's session): the runner
   * counts such tests, and stops the run after --max-unanswered of them in a row.
   */
  readonly noAnswer: boolean;
  constructor(message: string, opts: { should?: boolean; noAnswer?: boolean } = {}) {
    super(message);
    this.should = opts.should ?? false;
    this.noAnswer = opts.noAnswer ?? false;
  }
}

/** The test cannot say anything about this target (a feature it lacks, a flag not given): verdict skip. */
export class TestSkip extends Error {
  override readonly name = 'TestSkip';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * The harness or the environment broke, not the target: a test broke a harness rule (a write without
 * `dataloss` declared), a session could not be opened for the test, a bug in harness or test code.
 * Verdict error.
 */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Errors that end the command-line run with a given exit code and a one-line message: 1 a tool's command
 * was refused by the target, 2 bad usage or configuration, 3 the target could not be reached or logged in to
 * before any test ran, 4 internal error.
 */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    readonly exitCode: 1 | 2 | 3 | 4,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const usageError = (message: string): ExitError => new ExitError(2, message);
