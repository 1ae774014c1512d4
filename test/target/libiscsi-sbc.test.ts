/**
 * Issue 5: libiscsi's iscsi-test-cu --dataloss --allow-sanitize on every SBC suite issue 5 names,
 * against the reference target's LUN kinds (thick memory, thin sparse, thick file, read-only,
 * removable): no failure, and no test skipped for a missing feature. A test may skip only for a
 * property of the LUN it ran on, and each such test runs un-skipped on another LUN of this file.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget, RunningTarget } from '../../target/index.js';
import { requirePeers } from '../support/peers.js';
import { run } from '../support/proc.js';
import { parseCu } from '../support/libiscsi.js';

const IQN = 'iqn.2026-11.org.iscsi-test:sbc';

/** The SBC suites of issue 5, as Debian's libiscsi 1.19 names them. */
export const ISSUE5_SUITES = [
  'Read6', 'Read10', 'Read12', 'Read16', 'Write10', 'Write12', 'Write16',
  'WriteVerify10', 'WriteVerify12', 'WriteVerify16', 'Verify10', 'Verify12', 'Verify16',
  'WriteSame10', 'WriteSame16', 'Unmap', 'GetLBAStatus', 'CompareAndWrite', 'OrWrite',
  'Prefetch10', 'Prefetch16', 'ReadCapacity10', 'ReadCapacity16', 'WriteAtomic16',
  'ReadDefectData10', 'ReadDefectData12', 'StartStopUnit', 'ReadOnly', 'NoMedia', 'Sanitize',
].map((s) => `SCSI.${s}`);

/** Skips that follow from what a LUN is (not from something the target lacks). */
const PROPERTY_SKIPS: Record<string, RegExp> = {
  thick: /fully provisioned|not thin provisioned|LBPME|LBPU|LBPWS|Thin Provisioning|thin provisioning/i,
  notRemovable: /not removable/i,
  notReadOnly: /not read.?only|is not write protected|READONLY/i,
  lbppb: /LBPPB/,
};

interface LunCase {
  lun: number;
  what: string;
  allowed: RegExp[];
}

describe('reference target with libiscsi iscsi-test-cu, SBC suites (real peer)', function () {
  this.timeout(900_000);
  let t: RunningTarget | undefined;
  let dir = '';

  const cases: LunCase[] = [
    { lun: 0, what: 'thick memory', allowed: [PROPERTY_SKIPS.thick!, PROPERTY_SKIPS.notRemovable!, PROPERTY_SKIPS.notReadOnly!, PROPERTY_SKIPS.lbppb!] },
    { lun: 1, what: 'thin sparse', allowed: [PROPERTY_SKIPS.notRemovable!, PROPERTY_SKIPS.notReadOnly!, PROPERTY_SKIPS.lbppb!] },
    { lun: 2, what: 'thin file with 8 blocks a physical block', allowed: [PROPERTY_SKIPS.notRemovable!, PROPERTY_SKIPS.notReadOnly!] },
    { lun: 3, what: 'read-only', allowed: [PROPERTY_SKIPS.thick!, PROPERTY_SKIPS.notRemovable!, PROPERTY_SKIPS.lbppb!] },
    { lun: 4, what: 'removable', allowed: [PROPERTY_SKIPS.thick!, PROPERTY_SKIPS.notReadOnly!, PROPERTY_SKIPS.lbppb!] },
  ];

  before(async function () {
    requirePeers(this, 'iscsi-test-cu');
    dir = mkdtempSync(join(tmpdir(), 'iscsi-test-sbc-'));
    t = await startTarget({
      targets: [
        {
          iqn: IQN,
          // libiscsi's Sanitize tests wait for each operation: keep them short here.
          sanitizeDurationMs: 500,
          luns: [
            { lun: 0, backing: 'memory', size: 64 << 20 },
            { lun: 1, backing: 'sparse', size: 256 << 20, thin: true },
            { lun: 2, backing: 'file', path: join(dir, 'lun2.img'), size: 64 << 20, thin: true, lbppbExponent: 3 },
            { lun: 3, backing: 'memory', size: 16 << 20, readOnly: true },
            { lun: 4, backing: 'memory', size: 16 << 20, removable: true },
          ],
        },
      ],
    });
  });

  after(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`passes every issue 5 suite on the ${c.what} LUN (${c.lun}) with no failure and no skip for a missing feature`, async () => {
      const r = await run('iscsi-test-cu', ['--dataloss', '--allow-sanitize', '-t', ISSUE5_SUITES.join(','), t!.url(c.lun)], { timeoutMs: 600_000 });
      const s = parseCu(r.stdout);
      assert.equal(s.failed, 0, `iscsi-test-cu failures on LUN ${c.lun}:\n${s.failures.join('\n')}`);
      assert.equal(s.ran, s.total);
      const bad = [...new Set(s.skips)].filter((x) => !c.allowed.some((re) => re.test(x)));
      assert.deepEqual(bad, [], `skipped for a missing feature on LUN ${c.lun}`);
    });
  }
});
