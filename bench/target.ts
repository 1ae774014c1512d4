/**
 * Issue 3's benchmark: libiscsi's iscsi-perf reading the reference target and tgtd in the same run,
 * 4 KiB and 1 MiB, several queue depths, MiB/s and IOPS, with the ratio to tgtd. Both targets serve
 * a file LUN in the same directory (page cache), each in its own process; rounds alternate between
 * them so background load falls on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../harness/initiator/index.js';
import * as scsi from '../protocol/scsi/index.js';
import { freePort, start, stop, waitForPort } from '../test/support/proc.js';
import { Tgtd } from '../test/support/tgtd.js';
import { loopbackCeiling } from './ceiling.js';
import { alternate, Figure, fmt, iscsiPerf, sizeName, table } from './common.js';

const IQN = 'iqn.2026-11.org.iscsi-test:bench-ref';

async function fill(host: string, port: number, iqn: string, lun: number, sizeMiB: number): Promise<void> {
  const s = await Session.open({ host, port, targetName: iqn, initiatorName: 'iqn.2026-11.org.iscsi-test:bench-fill', lun, timeoutMs: 60_000 });
  try {
    await s.command({ cdb: scsi.testUnitReady() });
    const chunk = Buffer.alloc(1 << 20, 0xa5);
    for (let lba = 0; lba < (sizeMiB << 20) / 512; lba += 2048) {
      const r = await s.command({ cdb: scsi.write16({ lba, blocks: 2048 }), dataOut: chunk });
      if (r.status !== 0) throw new Error(`fill ${iqn}: WRITE(16) status ${r.status}`);
    }
  } finally {
    await s.close();
  }
}

export async function benchTarget(seconds: number): Promise<string> {
  const sizeMiB = 512;
  const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-bench-'));
  const here = dirname(fileURLToPath(import.meta.url));
  const port = await freePort();
  const ours = start(process.execPath, [
    join(here, '../bin/iscsi-target.js'),
    '-f',
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '--target',
    IQN,
    '--lun',
    `1:file:${join(dir, 'ref.img')}:${sizeMiB}M`,
  ]);
  let tgtd: Tgtd | undefined;
  const rows: (string | number)[][] = [];
  let note = '';
  try {
    await waitForPort('127.0.0.1', port, 15_000);
    tgtd = await Tgtd.start({ targets: [{ iqn: 'iqn.2026-11.org.iscsi-test:bench-tgtd', luns: [{ lun: 1, sizeMiB }] }] });
    await fill('127.0.0.1', port, IQN, 1, sizeMiB);
    await fill('127.0.0.1', tgtd.port, tgtd.iqn, 1, sizeMiB);
    const refUrl = `iscsi://127.0.0.1:${port}/${IQN}/1`;
    for (const blocks of [8, 2048]) {
      for (const qd of blocks === 8 ? [1, 8, 32] : [1, 8, 16]) {
        const [a, b]: [Figure, Figure] = await alternate(
          3,
          () => iscsiPerf(refUrl, { blocks, qd, seconds }),
          () => iscsiPerf(tgtd!.url(1), { blocks, qd, seconds }),
        );
        rows.push([sizeName(blocks), String(qd), a.mibps, a.iops, b.mibps, b.iops, `${(a.mibps / b.mibps).toFixed(2)}x`]);
      }
    }
    // The ceiling is measured after the targets' rounds, on the same machine in the same run.
    const ceiling = await loopbackCeiling(seconds);
    const oneMiB = rows.filter((r) => r[0] === sizeName(2048)).map((r) => Number(r[2]));
    const best = Math.max(...oneMiB);
    rows.push(['ceiling', '-', ceiling.mibps, '-', '-', '-', `${(best / ceiling.mibps).toFixed(2)}x`]);
    note = `ceiling: ${ceiling.how}; its ratio is the reference target's best 1 MiB figure (${fmt(best)} MiB/s) over it (goal >= 0.65x)`;
  } finally {
    await tgtd?.stop();
    await stop(ours.child, ['SIGTERM', 'SIGKILL'], 5000);
    rmSync(dir, { recursive: true, force: true });
  }
  return `${table(
    `libiscsi iscsi-perf sequential READ(16): reference target vs tgtd, file LUNs (3 alternating rounds of ${seconds} s each a point)`,
    ['size', 'QD', 'reference MiB/s', 'reference IOPS', 'tgtd MiB/s', 'tgtd IOPS', 'ratio'],
    rows,
  )}\n${note}`;
}
