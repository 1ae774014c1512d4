/**
 * Read10.Async and Write10.Async: many commands in flight at once. The test hands every command to the
 * initiator together; the initiator sends what the CmdSN window (RFC 7143 4.2.2.1, MaxCmdSN) allows and
 * queues the rest until the target opens the window further. (A helper module, not a suite.)
 */
import { scsi, type TestContext } from '../../harness/api.js';
import type { RwCdb } from './_rw.js';

/** libiscsi's numbers: 1000 commands of 8 blocks, LBA 0..7999. */
const COMMANDS = 1000;
const BLOCKS = 8;

export const asyncDoc = (c: RwCdb): string =>
  `${COMMANDS} ${c.name} commands of ${BLOCKS} blocks each (LBA 0 to ${COMMANDS * BLOCKS - 1}, fewer on a smaller LUN) queued at once,
  as many in flight as the target's CmdSN window allows: every one must complete with GOOD${
    c.write
      ? ', and afterwards every block must read back as written (each write carries its own pattern)'
      : ' and exactly its 8 blocks, each block the same as a plain READ of the range returns afterwards (no Data-In delivered to the wrong task)'
  }.`;

export async function asyncIo(t: TestContext, c: RwCdb): Promise<void> {
  const bs = t.dev.blockSize;
  const per = Math.min(BLOCKS, t.dev.maxTransferBlocks);
  const count = Math.min(COMMANDS, Math.floor(t.dev.blocks / per));
  if (count < 2) t.skip(`the LUN (${t.dev.blocks} blocks) holds fewer than two ${per}-block transfers`);
  const n = t.raw().numbers();
  t.log(`Queue ${count} ${c.name} of ${per} blocks at once (LBA 0..${count * per - 1}); the window is MaxCmdSN ${n.maxCmdSN}, CmdSN ${n.cmdSN} now`);
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const lba = i * per;
      return c.write ? t.command(c.build({ lba, blocks: per })) : t.command(c.build({ lba, blocks: per }), { dataIn: per * bs });
    }),
  );
  t.log(`${count} commands completed in ${Date.now() - started} ms`);
  if (c.write) return; // the harness reads every written block back
  results.forEach((r, i) => t.equal(r.data.length, per * bs, `${c.name} LBA=${i * per} LEN=${per}: bytes of Data-In`));
  const chunk = Math.max(per, Math.min(256, t.dev.maxTransferBlocks) - (Math.min(256, t.dev.maxTransferBlocks) % per));
  for (let lba = 0; lba < count * per; lba += chunk) {
    const n = Math.min(chunk, count * per - lba);
    const plain = await t.readBlocks(lba, n);
    for (let k = 0; k < n; k += per) {
      const i = (lba + k) / per;
      if (!results[i]!.data.equals(plain.subarray(k * bs, (k + per) * bs))) {
        t.fail(
          `${scsi.describeCdb(c.build({ lba: lba + k, blocks: per }))}, one of ${count} in flight, returned other data than a plain READ of those blocks afterwards`,
        );
      }
    }
  }
}
