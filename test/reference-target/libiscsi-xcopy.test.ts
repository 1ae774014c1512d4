/**
 * Issue 10, copy offload: libiscsi's iscsi-test-cu --dataloss runs its ExtendedCopy and ReceiveCopyResults suites
 * against the reference target's copy manager, on a thick memory LUN and a thin sparse LUN. Every test passes,
 * except one check where libiscsi 1.19 expects an answer SPC-5 does not allow a copy manager that checks the
 * whole parameter list first; that check is listed here with the clause that decides it, and nothing else may fail.
 */
import { strict as assert } from 'node:assert';
import { SPC5 } from '../../protocol/scsi/clauses.js';
import { startTarget, RunningTarget } from '../../reference-target/index.js';
import { requirePeers } from '../support/peers.js';
import { ISSUE10_COPY_SUITES, runCuSuites } from '../support/libiscsi.js';

const IQN = 'iqn.2026-11.org.iscsi-test:xcopy';

/** Where libiscsi 1.19 is wrong: its test, the assertion that fails, and why the target's answer is right. */
const LIBISCSI_WRONG: Record<string, { failure: RegExp; clause: string; why: string }> = {
  'SCSI.ExtendedCopy.ValidSegDescr': {
    failure: /test_extendedcopy_validate_seg_descr\.c:75/,
    clause: SPC5.XCOPY_ERRORS_BEFORE_SEGMENTS,
    why:
      'a segment descriptor whose destination range ends past the medium: the copy manager finds it while checking the parameter list, ' +
      'before any segment is processed, and SPC-5 then requires a sense key other than COPY ABORTED (the target answers ILLEGAL REQUEST, ' +
      'LBA OUT OF RANGE); libiscsi accepts only COPY ABORTED, the answer of a copy manager that finds the error while copying',
  },
};

describe('reference target with libiscsi iscsi-test-cu, third-party copy suites (real peer)', function () {
  this.timeout(300_000);
  let t: RunningTarget | undefined;

  before(async function () {
    requirePeers(this, 'iscsi-test-cu');
    t = await startTarget({
      targets: [
        {
          iqn: IQN,
          luns: [
            { lun: 0, backing: 'memory', size: 64 << 20 },
            { lun: 1, backing: 'sparse', size: 1 << 30, thin: true },
          ],
        },
      ],
    });
  });
  after(async () => {
    await t?.stop();
  });

  for (const [lun, kind] of [
    [0, 'thick memory'],
    [1, 'thin sparse'],
  ] as const) {
    it(`ExtendedCopy and ReceiveCopyResults pass on the ${kind} LUN, but for the check where libiscsi contradicts SPC-5`, async () => {
      const { tests, output } = await runCuSuites(`iscsi://127.0.0.1:${t!.port}/${IQN}/${lun}`, ISSUE10_COPY_SUITES, { args: ['--dataloss'] });
      assert.ok(tests.size >= 8, `only ${tests.size} tests ran\n${output}`);
      for (const [id, r] of tests) {
        const wrong = LIBISCSI_WRONG[id];
        assert.deepEqual(r.skips, [], `${id} skipped: ${r.skips.join('; ')}`);
        if (!wrong) {
          assert.equal(r.verdict, 'pass', `${id}: ${r.failures.join('; ')}\n${output}`);
          continue;
        }
        // only the documented assertion may fail, and it must fail as described (ILLEGAL REQUEST, LBA OUT OF RANGE)
        assert.ok(
          r.failures.every((f) => wrong.failure.test(f) || /\(0x05\)\/\(0x2100\)/.test(f)),
          `${id} failed otherwise than ${wrong.clause} explains: ${r.failures.join('; ')}`,
        );
      }
    });
  }
});
