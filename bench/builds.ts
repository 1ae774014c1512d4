/**
 * Two builds of the reference target side by side: `node dist/bench/builds.js OLD_CHECKOUT NEW_CHECKOUT
 * [SECONDS]`, each checkout built (`npx tsc -p .`). It answers "did this change slow the data path?"
 * (issue 12 asked it of the data budgets), which `npm run bench` cannot, as it runs one build. Each build
 * serves a 256 MiB memory LUN in its own process. Writes: this build's embedded initiator, sequential
 * WRITE(16)s at 4 KiB QD1, 64 KiB QD8 and 1 MiB QD4. Reads: libiscsi's iscsi-perf at 4 KiB QD1 and QD32
 * and 1 MiB QD16. Rounds alternate between the two builds so background load falls on both. Printed,
 * never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Session } from '../harness/initiator/index.js';
import * as scsi from '../protocol/scsi/index.js';
import { freePort, stop, waitForPort } from '../test/support/proc.js';
import { fmt, iscsiPerf, table } from './common.js';

const IQN = 'iqn.2026-11.org.iscsi-test:builds';
const LUN_MIB = 256;
const ROUNDS = 3;

async function startBuild(checkout: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const bin = resolve(checkout, 'dist/bin/iscsi-target.js');
  const args = [bin, '-f', '-a', '127.0.0.1', '-p', String(port), '--target', IQN, '--lun', `1:memory:${LUN_MIB}M`];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  await waitForPort('127.0.0.1', port, 15_000);
  return { port, child };
}

/** MiB/s of sequential WRITE(16)s of `blocks` blocks, `qd` at a time, for `seconds` (bounded). */
async function writeFor(port: number, blocks: number, qd: number, seconds: number): Promise<number> {
  const s = await Session.open({ host: '127.0.0.1', port, targetName: IQN, initiatorName: `${IQN}-initiator`, lun: 1, timeoutMs: 60_000 });
  try {
    await s.command({ cdb: scsi.testUnitReady() }).catch(() => undefined); // the power-on unit attention
    const data = Buffer.alloc(blocks * 512, 0x5a);
    const lunBlocks = (LUN_MIB << 20) / 512;
    let lba = 0;
    let done = 0;
    const until = Date.now() + seconds * 1000;
    const started = process.hrtime.bigint();
    const worker = async () => {
      while (Date.now() < until) {
        if (lba + blocks > lunBlocks) lba = 0;
        const at = lba;
        lba += blocks;
        const r = await s.command({ cdb: scsi.write16({ lba: at, blocks }), dataOut: data });
        if (r.status !== 0) throw new Error(`WRITE(16) LBA ${at}: status ${r.status}`);
        done++;
      }
    };
    await Promise.all(Array.from({ length: qd }, worker));
    return (done * blocks * 512) / (Number(process.hrtime.bigint() - started) / 1e9) / 1048576;
  } finally {
    await s.close();
  }
}

async function main(): Promise<void> {
  const [oldDir, newDir, secsArg] = process.argv.slice(2);
  if (!oldDir || !newDir) throw new Error('usage: node dist/bench/builds.js OLD_CHECKOUT NEW_CHECKOUT [SECONDS]');
  const seconds = Number(secsArg ?? 3);
  if (!(seconds > 0 && seconds <= 60)) throw new Error('SECONDS must be in (0, 60]');
  const before = await startBuild(oldDir);
  const after = await startBuild(newDir);
  const rows: (string | number)[][] = [];
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  try {
    for (const [blocks, qd] of [
      [8, 1],
      [128, 8],
      [2048, 4],
    ] as const) {
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        a.push(await writeFor(before.port, blocks, qd, seconds));
        b.push(await writeFor(after.port, blocks, qd, seconds));
      }
      rows.push([
        'WRITE(16), embedded initiator',
        `${(blocks * 512) / 1024} KiB`,
        String(qd),
        fmt(mean(a)),
        fmt(mean(b)),
        `${(mean(b) / mean(a)).toFixed(2)}x`,
      ]);
    }
    for (const [blocks, qd] of [
      [8, 1],
      [8, 32],
      [2048, 16],
    ] as const) {
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        a.push((await iscsiPerf(`iscsi://127.0.0.1:${before.port}/${IQN}/1`, { blocks, qd, seconds })).mibps);
        b.push((await iscsiPerf(`iscsi://127.0.0.1:${after.port}/${IQN}/1`, { blocks, qd, seconds })).mibps);
      }
      rows.push(['READ(16), iscsi-perf', `${(blocks * 512) / 1024} KiB`, String(qd), fmt(mean(a)), fmt(mean(b)), `${(mean(b) / mean(a)).toFixed(2)}x`]);
    }
  } finally {
    await stop(before.child);
    await stop(after.child);
  }
  process.stdout.write(
    table(
      `a memory LUN: ${oldDir} (before) vs ${newDir} (after), ${ROUNDS} alternating rounds of ${seconds} s`,
      ['load', 'size', 'QD', 'before MiB/s', 'after MiB/s', 'ratio'],
      rows,
    ) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`builds: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
