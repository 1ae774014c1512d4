/**
 * Issue 14's digest rows: what HeaderDigest and DataDigest (CRC32C, RFC 7143 13.1) cost. First the CRC
 * itself (our slicing-by-8 and, when installed, @node-rs/crc32) on a 48-byte header and a 1 MiB segment;
 * then 1 MiB sequential READ(16) through the embedded initiator with digests off and on, from tgtd (the
 * initiator's cost) and from the reference target (both ends ours: the target's cost and the initiator's).
 * Off and on alternate, so background load falls on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../harness/initiator/index.js';
import { crc32cImplementation, crc32cUpdate, crc32cUpdateJs } from '../protocol/iscsi/crc32c.js';
import * as scsi from '../protocol/scsi/index.js';
import { freePort, start, stop, waitForPort } from '../test/support/proc.js';
import { Tgtd } from '../test/support/tgtd.js';
import { alternate, Figure, fmt, initiatorRead, table } from './common.js';

const INITIATOR = 'iqn.2026-11.org.iscsi-test:bench-digests';
const SIZE_MIB = 256;
const BLOCKS = 2048; // 1 MiB of 512-byte blocks

/** Calls per second of `f` over about `ms` milliseconds. */
function rate(f: () => void, ms: number): number {
  for (let i = 0; i < 20; i++) f();
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let n = 0;
  while (process.hrtime.bigint() - t0 < limit) {
    f();
    n++;
  }
  return n / (ms / 1000);
}

function crcRows(): (string | number)[][] {
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  const header = big.subarray(0, 48);
  const rows: (string | number)[][] = [];
  for (const [name, f] of [
    ['ours (slicing-by-8)', crc32cUpdateJs],
    [`in use (${crc32cImplementation})`, crc32cUpdate],
  ] as const) {
    const perHeader = rate(() => f(0, header), 300);
    const perMiB = rate(() => f(0, big), 600);
    rows.push([name, `${fmt(perHeader / 1e6)} M/s`, `${fmt((perMiB * big.length) / 2 ** 20)} MiB/s`]);
  }
  return rows;
}

async function openReader(host: string, port: number, iqn: string, lun: number, digests: boolean): Promise<Session> {
  const s = await Session.open({
    host,
    port,
    targetName: iqn,
    initiatorName: INITIATOR,
    lun,
    timeoutMs: 60_000,
    ...(digests ? { headerDigest: 'CRC32C' as const, dataDigest: 'CRC32C' as const } : {}),
  });
  await s.command({ cdb: scsi.testUnitReady() });
  return s;
}

async function fill(s: Session): Promise<void> {
  const chunk = Buffer.alloc(1 << 20, 0x3c);
  for (let lba = 0; lba < (SIZE_MIB << 20) / 512; lba += BLOCKS) {
    const r = await s.command({ cdb: scsi.write16({ lba, blocks: BLOCKS }), dataOut: chunk });
    if (r.status !== 0) throw new Error(`fill: WRITE(16) status ${r.status}`);
  }
}

/** Rows for one target: QD 1 and 16, digests off against on. */
async function readRows(label: string, host: string, port: number, iqn: string, lun: number, seconds: number): Promise<(string | number)[][]> {
  const off = await openReader(host, port, iqn, lun, false);
  const on = await openReader(host, port, iqn, lun, true);
  const rows: (string | number)[][] = [];
  try {
    await fill(off);
    const lunBlocks = (SIZE_MIB << 20) / 512;
    for (const qd of [1, 16]) {
      const [a, b]: [Figure, Figure] = await alternate(
        3,
        () => initiatorRead(off, { blocks: BLOCKS, qd, seconds, lunBlocks }),
        () => initiatorRead(on, { blocks: BLOCKS, qd, seconds, lunBlocks }),
      );
      rows.push([label, '1 MiB', String(qd), a.mibps, b.mibps, `${(b.mibps / a.mibps).toFixed(2)}x`, a.cpuUs ?? '-', b.cpuUs ?? '-']);
    }
  } finally {
    await off.close();
    await on.close();
  }
  return rows;
}

export async function benchDigests(seconds: number): Promise<string> {
  const out = [table('CRC32C alone, one core (48-byte header digests per second; 1 MiB segment throughput)', ['implementation', '48 B', '1 MiB'], crcRows())];
  const rows: (string | number)[][] = [];
  const tgtd = await Tgtd.start({ targets: [{ iqn: 'iqn.2026-11.org.iscsi-test:bench-digests', luns: [{ lun: 1, sizeMiB: SIZE_MIB }] }] });
  try {
    // tgtd offers no digest unless told to (its first target has tid 1)
    for (const key of ['HeaderDigest', 'DataDigest']) await tgtd.adm('--op', 'update', '--mode', 'target', '--tid', '1', '-n', key, '-v', 'CRC32C,None');
    rows.push(...(await readRows('initiator <- tgtd', '127.0.0.1', tgtd.port, tgtd.iqn, 1, seconds)));
  } finally {
    await tgtd.stop();
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-bench-digests-'));
  const port = await freePort();
  const iqn = 'iqn.2026-11.org.iscsi-test:bench-digests-ref';
  const ref = start(process.execPath, [
    join(here, '../bin/iscsi-target.js'),
    '-f',
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '--target',
    iqn,
    '--lun',
    `1:file:${join(dir, 'ref.img')}:${SIZE_MIB}M`,
  ]);
  try {
    await waitForPort('127.0.0.1', port, 15_000);
    rows.push(...(await readRows('initiator <- reference target', '127.0.0.1', port, iqn, 1, seconds)));
  } finally {
    await stop(ref.child, ['SIGTERM', 'SIGKILL'], 5000);
    rmSync(dir, { recursive: true, force: true });
  }
  out.push(
    table(
      // The CPU columns are the initiator process's own (user + system) a command: throughput on this shared machine moves
      // with other load, CPU time far less, and it shows what the digests cost the initiator (a CRC32C pass over each segment).
      `Sequential READ(16) through the embedded initiator, HeaderDigest and DataDigest CRC32C off vs on (3 alternating rounds of ${seconds} s each a point; goal: on >= 0.8x off)`,
      ['path', 'size', 'QD', 'off MiB/s', 'on MiB/s', 'on/off', 'off CPU us/cmd', 'on CPU us/cmd'],
      rows,
    ),
  );
  return out.join('\n');
}
