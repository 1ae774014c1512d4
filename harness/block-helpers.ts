/**
 * Test helpers built on the test context's public commands alone (so the runner's context stays a
 * dispatcher): reading blocks back, draining unit attentions, and what an initiator error during a
 * command means for the verdict.
 */
import { IscsiError } from '../protocol/errors.js';
import { describeCdb, read10, read16, SenseKey, testUnitReady, type Sense } from '../protocol/scsi/index.js';
import { HarnessError, TestFailure, TestSkip } from './errors.js';
import { GOOD, NO_MEDIUM, UNIT_ATTENTION } from './expect.js';
import type { TestSession } from './session-api.js';
import type { TestContext } from './test-context.js';

/** Read `blocks` blocks at `lba` (READ (10), or READ (16) past 32 bits), expecting GOOD and every byte. */
export async function readBlocks(t: TestContext, lba: number, blocks: number, session?: TestSession): Promise<Buffer> {
  const cdb = lba + blocks <= 2 ** 32 && blocks <= 0xffff ? read10({ lba, blocks }) : read16({ lba, blocks });
  const r = await t.command(cdb, { dataIn: blocks * t.dev.blockSize, ...(session ? { session } : {}) });
  t.equal(r.data.length, blocks * t.dev.blockSize, `${describeCdb(cdb)}: bytes of Data-In`);
  return r.data;
}

/** TEST UNIT READY until no unit attention is reported (at most `max`): the unit attentions seen, in order. */
export async function drainUnitAttentions(t: TestContext, session: TestSession | undefined, max: number): Promise<Sense[]> {
  const seen: Sense[] = [];
  for (let i = 0; i < max; i++) {
    const r = await t.command(testUnitReady(), {
      ...(session ? { session } : {}),
      expect: [GOOD, UNIT_ATTENTION, NO_MEDIUM],
      what: 'TEST UNIT READY (draining unit attentions)',
    });
    if (!r.sense || r.sense.key !== SenseKey.UNIT_ATTENTION) break;
    seen.push(r.sense);
  }
  return seen;
}

/**
 * Turn an initiator error during a command into the failure it is: no answer within the test's limit
 * (`limit`, as text) is a failure counted as no answer; a protocol error of the target a failure; an
 * error of the harness's own making (a value out of range) a harness error.
 */
export function transportFailure(what: string, e: unknown, limit: string): Error {
  if (e instanceof HarnessError || e instanceof TestFailure || e instanceof TestSkip) return e;
  if (IscsiError.is(e, 'ISCSI_E_TIMEOUT')) return new TestFailure(`target did not answer ${what} within ${limit}`, { noAnswer: true });
  // The initiator's messages often name the command already (`READ(10) LBA=0 LEN=1: … closed the connection`).
  const about = (m: string) => (m.startsWith(`${what}: `) ? m : `${what}: ${m}`);
  if (IscsiError.is(e, 'E_RANGE')) return new HarnessError(about(e.message));
  if (e instanceof IscsiError) return new TestFailure(about(e.message));
  return new HarnessError(about((e as Error)?.message ?? String(e)), { cause: e });
}
