/**
 * Issue 2's benchmark: sequential READ at 4 KiB, 64 KiB and 1 MiB, queue depth 1 and 16, through the
 * embedded initiator against tgtd, beside libiscsi's iscsi-perf against the same tgtd in the same run, with the CPU
 * time our process spends a command (user + system: less sensitive than throughput to other load on the machine).
 */
import { Session } from '../harness/initiator/index.js';
import * as scsi from '../protocol/scsi/index.js';
import { Tgtd } from '../test/support/tgtd.js';
import { alternate, Figure, initiatorRead, iscsiPerf, sizeName, table } from './common.js';

export async function benchInitiator(seconds: number): Promise<string> {
  const sizeMiB = 512;
  const tgtd = await Tgtd.start({ targets: [{ iqn: 'iqn.2026-11.org.iscsi-test:bench', luns: [{ lun: 1, sizeMiB }] }] });
  const rows: (string | number)[][] = [];
  try {
    const s = await Session.open({
      host: '127.0.0.1',
      port: tgtd.port,
      targetName: tgtd.iqn,
      initiatorName: 'iqn.2026-11.org.iscsi-test:bench',
      lun: 1,
      timeoutMs: 60_000,
    });
    try {
      await s.command({ cdb: scsi.testUnitReady() });
      // Touch the whole LUN once so both initiators read allocated blocks.
      const chunk = Buffer.alloc(1 << 20, 0x5a);
      for (let lba = 0; lba < (sizeMiB << 20) / 512; lba += 2048) {
        await s.command({ cdb: scsi.write16({ lba, blocks: 2048 }), dataOut: chunk });
      }
      for (const blocks of [8, 128, 2048]) {
        for (const qd of [1, 16]) {
          const lunBlocks = (sizeMiB << 20) / 512;
          const [ours, theirs]: [Figure, Figure] = await alternate(
            3,
            () => initiatorRead(s, { blocks, qd, seconds, lunBlocks }),
            () => iscsiPerf(tgtd.url(1), { blocks, qd, seconds }),
          );
          rows.push([
            sizeName(blocks),
            String(qd),
            ours.mibps,
            ours.iops,
            ours.cpuUs ?? '-',
            theirs.mibps,
            theirs.iops,
            `${(ours.mibps / theirs.mibps).toFixed(2)}x`,
          ]);
        }
      }
    } finally {
      await s.close();
    }
  } finally {
    await tgtd.stop();
  }
  return table(
    `Sequential READ(16) from tgtd (3 alternating rounds of ${seconds} s each a point): embedded initiator vs libiscsi iscsi-perf, same tgtd, same run`,
    ['size', 'QD', 'ours MiB/s', 'ours IOPS', 'ours CPU us/cmd', 'iscsi-perf MiB/s', 'iscsi-perf IOPS', 'ratio'],
    rows,
  );
}
