/**
 * Issue 12.1: the target's memory for write data is bounded per session and for the whole target. The
 * attack of the issue, repeated: initiators send WRITEs of 32 MiB and all of their data but the last
 * PDU. The reference target runs in its own process (bin/iscsi-target with a configuration file) so
 * that its resident size can be read from /proc/PID/status, with small budgets: 32 MiB a session,
 * 64 MiB for the target, DataTimeout 3 s. Meanwhile another session writes and reads back. Without the
 * budgets the target asked for all twelve WRITEs' data at once (384 MiB).
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../../../harness/initiator/index.js';
import { freePort, start, Started, stop, waitForPort } from '../../support/proc.js';
import { clearUa, INIT_A, INIT_B, pattern, read, scsi, sleep } from './helpers.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/iscsi-target.js');
const IQN = 'iqn.2026-11.org.iscsi-test:budget';
const MIB = 1 << 20;
const SESSION_BUDGET = 32;
const TARGET_BUDGET = 64;
const DATA_TIMEOUT = 3;
/**
 * Headroom over the budget for what else the target allocates while the data is held: the attackers'
 * and the other session's PDUs and responses in flight, session state, the heap growing. The data itself
 * stays in the socket reads it came in (received-data.ts), so it is not held twice; six runs measured
 * 0 to 10 MiB over the budget, more the more the other session got done meanwhile.
 */
const SLACK = 24;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'no VmRSS in /proc/PID/status');
  return Number(m[1]) / 1024;
}

describe('reference target: write data within SessionDataBudget and TargetDataBudget (own process)', function () {
  this.timeout(60_000);
  let proc: Started;
  let port: number;
  let dir = '';
  const sessions: Session[] = [];
  const cli = () => ({ host: '127.0.0.1', port, targetName: IQN, timeoutMs: 20_000, loginTimeoutMs: 5000 });

  before(async function () {
    if (!existsSync('/proc/self/status')) this.skip();
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'iscsi-budget-'));
    const conf = join(dir, 'ietd.conf');
    writeFileSync(
      conf,
      [
        `SessionDataBudget ${SESSION_BUDGET}M`,
        `TargetDataBudget ${TARGET_BUDGET}M`,
        `DataTimeout ${DATA_TIMEOUT}`,
        `Target ${IQN}`,
        '  Lun 0 Type=memory,Size=64M',
        '',
      ].join('\n'),
    );
    proc = start(process.execPath, [BIN, '-f', '-a', '127.0.0.1', '-p', String(port), '-c', conf]);
    await waitForPort('127.0.0.1', port, 10_000);
  });

  afterEach(() => {
    for (const s of sessions.splice(0)) s.destroy();
  });

  after(async () => {
    if (proc) await stop(proc.child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('WRITEs whose last Data-Out never comes: the target stays within its budget, another session carries on, the holders are dropped after DataTimeout', async () => {
    // Baseline: the target after a session has written and read a little.
    const victim = await Session.open({ ...cli(), initiatorName: INIT_B });
    sessions.push(victim);
    await clearUa(victim);
    for (let i = 0; i < 8; i++) {
      const data = pattern(i, 4096);
      assert.equal((await victim.command({ cdb: scsi.write10({ lba: 1000 + i * 8, blocks: 8 }), dataOut: data })).status, scsi.ScsiStatus.GOOD);
      assert.ok((await read(victim, 1000 + i * 8, 8)).equals(data));
    }
    await sleep(200);
    const base = rssMiB(proc.pid);
    const dropped = () => (proc.output().match(/dropping the connection: the initiator has held back the Data-Out of ITT 0x[0-9a-f]+ for 3 s/g) ?? []).length;
    // The peak while the attackers hold their data (before the first is dropped: after that, the
    // buffers given back wait for the garbage collector while the next grants fill up).
    let peak = base;
    let peakAfter = base;
    const sample = () => {
      if (proc.child.exitCode !== null) return;
      const now = rssMiB(proc.pid);
      if (dropped() === 0) peak = Math.max(peak, now);
      else peakAfter = Math.max(peakAfter, now);
    };

    // Three attackers, four 32 MiB WRITEs each, every Data-Out sent but the last.
    const edtl = 32 * MIB;
    const payload = Buffer.alloc(edtl, 0x5a);
    const attackers = await Promise.all([1, 2, 3].map((n) => Session.open({ ...cli(), initiatorName: INIT_A, isid: 0x80_0000_0000 + n })));
    sessions.push(...attackers);
    for (const s of attackers) await clearUa(s);
    const held: Promise<unknown>[] = [];
    for (const s of attackers) {
      for (let i = 0; i < 4; i++) {
        const write = s.command({
          cdb: scsi.write16({ lba: i * 65536, blocks: 65536 }),
          dataOut: payload,
          useImmediateData: false,
          alterDataOut: (d) => (d.final && d.bufferOffset + (d.data?.length ?? 0) === edtl ? null : d),
          timeoutMs: 30_000,
        });
        held.push(
          write.then(
            () => 'answered',
            () => 'failed',
          ),
        );
      }
    }

    // The other session's I/O goes on meanwhile: small writes (immediate data) read back.
    let cycles = 0;
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const lba = 2000 + (cycles % 64) * 8;
      const data = pattern(100 + cycles, 4096);
      const w = await victim.command({ cdb: scsi.write10({ lba, blocks: 8 }), dataOut: data });
      assert.equal(w.status, scsi.ScsiStatus.GOOD, `the other session's WRITE during the attack: status ${w.status}`);
      assert.ok((await read(victim, lba, 8)).equals(data), 'the other session read back other data during the attack');
      cycles++;
      sample();
    }
    assert.ok(cycles >= 5, `only ${cycles} write-and-read cycles of the other session in 2 s of attack`);
    // Let the holders finish sending what they will send, then look at the target while they hold it.
    while (dropped() === 0 && Date.now() < until + 500) {
      sample();
      await sleep(50);
    }

    // Each holder is dropped once its data has not moved for DataTimeout; the waiting ones are then granted and dropped in turn.
    const deadline = Date.now() + 4 * DATA_TIMEOUT * 1000 + 5000;
    while (dropped() < 3 && Date.now() < deadline) {
      sample();
      await sleep(50);
    }
    assert.equal(dropped(), 3, `${dropped()} of 3 initiators holding back data were dropped:\n${proc.output().slice(-2000)}`);
    assert.deepEqual(await Promise.all(held), Array(12).fill('failed'), 'a WRITE whose data never all came was answered');
    // The data held, in the socket reads it came in. Without the budgets the twelve WRITEs would hold 384 MiB.
    assert.ok(
      peak - base < TARGET_BUDGET + SLACK,
      `resident size peaked ${(peak - base).toFixed(0)} MiB over the baseline of ${base.toFixed(0)} MiB while the data was held (bound: TargetDataBudget ${TARGET_BUDGET} MiB + ${SLACK} MiB)`,
    );
    // After the attack: the target serves new sessions and writes of every size again.
    assert.equal(proc.child.exitCode, null, 'the target exited');
    const after = await Session.open({ ...cli(), initiatorName: INIT_A });
    sessions.push(after);
    await clearUa(after);
    const big = pattern(7, 8 * MIB);
    assert.equal((await after.command({ cdb: scsi.write16({ lba: 0, blocks: 16384 }), dataOut: big })).status, scsi.ScsiStatus.GOOD);
    assert.ok((await read(after, 0, 16384)).equals(big));
    process.stdout.write(
      `      (resident size ${base.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB while the data was held, ${peakAfter.toFixed(0)} MiB after; ${cycles} cycles of the other session)\n`,
    );
  });
});

/**
 * Issue 12.1, the data that comes unasked: immediate data and unsolicited Data-Out cannot be refused
 * once their command is in the CmdSN window, so the target holds them to its budgets by opening the
 * window only as far as the budgets hold FirstBurstLength a command (window-budget.ts). Eight
 * initiators (InitialR2T=No, FirstBurstLength 256 KiB) each send WRITEs of 256 KiB with 64 KiB of
 * immediate data and all their unsolicited Data-Out but the last, and ping to learn every MaxCmdSN the
 * target will give; TargetDataBudget is 16 MiB. Without the bound (quirk window-unbudgeted) each
 * session's window opens to its 128 queued commands: 8 x 128 x 192 KiB = 192 MiB held.
 */
describe('reference target: immediate and unsolicited data within TargetDataBudget (own process)', function () {
  this.timeout(90_000);
  const UNASKED_IQN = 'iqn.2026-11.org.iscsi-test:budget-unasked';
  const TARGET_UNASKED_BUDGET = 16;
  const SESSIONS = 8;
  const WRITES = 128;
  /** Headroom over the budget, as SLACK above (the runs measured 3 to 4 MiB over; without the bound, 64 MiB and more over). */
  const UNASKED_SLACK = 16;
  const sessions: Session[] = [];

  afterEach(() => {
    for (const s of sessions.splice(0)) s.destroy();
  });

  /** Run the attack against a target with `quirks`: its resident size before and at the peak (MiB), and how many WRITEs went out. */
  async function attack(quirks: string[]): Promise<{ base: number; peak: number; sent: number }> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'iscsi-budget-unasked-'));
    const conf = join(dir, 'ietd.conf');
    writeFileSync(
      conf,
      [
        `TargetDataBudget ${TARGET_UNASKED_BUDGET}M`,
        `DataTimeout ${DATA_TIMEOUT}`,
        `Target ${UNASKED_IQN}`,
        '  Lun 0 Type=memory,Size=64M',
        '  InitialR2T No',
        '  MaxRecvDataSegmentLength 65536',
        '  FirstBurstLength 262144',
        '',
      ].join('\n'),
    );
    const proc = start(process.execPath, [BIN, '-f', '-a', '127.0.0.1', '-p', String(port), '-c', conf, ...quirks.flatMap((q) => ['--quirk', q])]);
    try {
      await waitForPort('127.0.0.1', port, 10_000);
      const cli = { host: '127.0.0.1', port, targetName: UNASKED_IQN, timeoutMs: 30_000, loginTimeoutMs: 5000 };
      const warm = await Session.open({ ...cli, initiatorName: INIT_B });
      sessions.push(warm);
      await clearUa(warm);
      const data = pattern(1, 4096);
      assert.equal((await warm.command({ cdb: scsi.write10({ lba: 8, blocks: 8 }), dataOut: data })).status, scsi.ScsiStatus.GOOD);
      assert.ok((await read(warm, 8, 8)).equals(data));
      await sleep(200);
      const base = rssMiB(proc.pid);
      let peak = base;
      const sample = () => {
        if (proc.child.exitCode === null) peak = Math.max(peak, rssMiB(proc.pid));
      };
      const attackers = await Promise.all(
        Array.from({ length: SESSIONS }, (_, n) =>
          Session.open({ ...cli, initiatorName: INIT_A, isid: 0x80_0000_0100 + n, keys: { InitialR2T: 'No', FirstBurstLength: '262144' } }),
        ),
      );
      sessions.push(...attackers);
      for (const s of attackers) await clearUa(s);
      const payload = Buffer.alloc(256 << 10, 0x5a);
      let sent = 0;
      const held: Promise<unknown>[] = [];
      await Promise.all(
        attackers.map(async (s, n) => {
          let issued = 0;
          // Fill the window, ping for a new MaxCmdSN, again, until it opens no further.
          for (let round = 0; round < 64 && issued < WRITES; round++) {
            while (s.windowOpen && issued < WRITES) {
              const lba = (n * WRITES + issued) * 512;
              held.push(
                s
                  .command({
                    cdb: scsi.write10({ lba: lba % (64 * 2048 - 512), blocks: 512 }),
                    dataOut: payload,
                    alterDataOut: (d) => (d.final ? null : d),
                    onSent: () => sent++,
                  })
                  .catch(() => 'failed'),
              );
              issued++;
              await sleep(1);
            }
            await sleep(20);
            sample();
            const before = s.maxCmdSN;
            await s.nop().catch(() => undefined);
            if (s.maxCmdSN === before && !s.windowOpen) break;
          }
        }),
      );
      for (let i = 0; i < 10; i++) {
        await sleep(50);
        sample();
      }
      for (const s of attackers) s.destroy();
      await Promise.all(held);
      // After the attack: a new session writes and reads again.
      await sleep(200);
      const after = await Session.open({ ...cli, initiatorName: INIT_A });
      sessions.push(after);
      await clearUa(after);
      assert.equal((await after.command({ cdb: scsi.write10({ lba: 16, blocks: 8 }), dataOut: data })).status, scsi.ScsiStatus.GOOD);
      assert.ok((await read(after, 16, 8)).equals(data));
      return { base, peak, sent };
    } finally {
      await stop(proc.child);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('WRITEs holding immediate and unsolicited data in eight sessions: the windows open no further than TargetDataBudget holds', async () => {
    const r = await attack([]);
    process.stdout.write(`      (resident size ${r.base.toFixed(0)} MiB before, peak ${r.peak.toFixed(0)} MiB; ${r.sent} WRITEs went out)\n`);
    assert.ok(
      r.peak - r.base < TARGET_UNASKED_BUDGET + UNASKED_SLACK,
      `resident size peaked ${(r.peak - r.base).toFixed(0)} MiB over the baseline of ${r.base.toFixed(0)} MiB ` +
        `(bound: TargetDataBudget ${TARGET_UNASKED_BUDGET} MiB + ${UNASKED_SLACK} MiB)`,
    );
    // At most one command's first burst per 256 KiB of the budget, and one more slot a session.
    assert.ok(r.sent <= (TARGET_UNASKED_BUDGET << 2) + SESSIONS, `${r.sent} WRITEs with unasked data went out`);
  });

  it('the same attack on a target whose window ignores the budgets (quirk window-unbudgeted) goes past the bound: the test above can fail', async () => {
    const r = await attack(['window-unbudgeted']);
    process.stdout.write(`      (resident size ${r.base.toFixed(0)} MiB before, peak ${r.peak.toFixed(0)} MiB; ${r.sent} WRITEs went out)\n`);
    assert.ok(r.peak - r.base >= TARGET_UNASKED_BUDGET + UNASKED_SLACK, `resident size peaked only ${(r.peak - r.base).toFixed(0)} MiB over the baseline`);
  });
});
