/**
 * FUA writes durable across a logical unit reset (SBC-4 4.15 write caching: a write with FUA completes only
 * once the data is on the medium, SBC-4 5.40-5.42; a LOGICAL UNIT RESET, SAM-5 6.3.3, may discard a volatile
 * cache, never data a FUA write was acknowledged for). Shared by the WRITE suites. (A helper module: not a
 * suite.)
 */
import { iscsi, scsi, type TestContext } from '../../harness/api.js';

export interface FuaCdb {
  name: string;
  build: (o: { lba: number; blocks: number; fua?: boolean }) => Buffer;
}

export const FUA_DOC = (name: string) =>
  `${name} of 8 blocks with FUA (when DPOFUA says FUA is supported), then LOGICAL UNIT RESET (skipped unless it is Function complete: ` +
  `iSCSITMF.LUNResetSimpleAsync checks that): the reset must be reported by a unit attention, and the blocks must read back exactly as written — ` +
  `a FUA write is on the medium when it completes, and a reset may only lose what was in a volatile cache.`;

export async function fuaLunReset(t: TestContext, c: FuaCdb): Promise<void> {
  if (!t.dev.mode) t.skip('MODE SENSE(6) did not answer at start-up, so DPOFUA is unknown');
  if (!t.dev.dpofua) t.skip('DPOFUA is clear: the device server does not support FUA');
  const lba = Math.min(1000, t.dev.blocks - 8);
  const data = t.pattern(lba, 8);
  await t.command(c.build({ lba, blocks: 8, fua: true }), { dataOut: data });
  t.log('> LOGICAL UNIT RESET');
  const r = await t.session.lunReset(undefined, Math.min(30_000, t.remainingMs()));
  t.log(`< ${r.responseName}`);
  // The TMF's own answer is iSCSITMF.LUNResetSimpleAsync's check: here it only decides whether there was a reset to survive
  if (r.response !== iscsi.TmfResponse.FUNCTION_COMPLETE)
    t.skip(`LOGICAL UNIT RESET answered "${r.responseName}", not Function complete (iSCSITMF.LUNResetSimpleAsync checks that answer)`);
  const uas = await t.unitAttentions();
  t.check(
    uas.some((u) => u.asc === 0x29),
    `no unit attention reported the LOGICAL UNIT RESET (SAM-5 6.3.3: 29h/xxh for every I_T nexus); got ` +
      `${uas.length ? uas.map((u) => scsi.describeSense(u)).join(', ') : 'none'}`,
  );
  const got = await t.readBlocks(lba, 8);
  const bs = t.dev.blockSize;
  for (let i = 0; i < 8; i++) {
    if (!got.subarray(i * bs, (i + 1) * bs).equals(data.subarray(i * bs, (i + 1) * bs)))
      t.fail(`LBA ${lba + i} does not hold what ${c.name} with FUA wrote before the LOGICAL UNIT RESET`);
  }
}
