/**
 * Multipath I/O: two I_T nexuses of one initiator (the same initiator name with two ISIDs, as a multipath
 * stack logs in one session per path) reach the same logical unit, so what one path writes the other reads,
 * a reset on one is seen on both, and COMPARE AND WRITE stays atomic when the paths race (SBC-4 5.3: the
 * compare and the write are one operation with respect to other commands).
 */
import {
  defineSuite,
  expectUnitAttention,
  GOOD,
  iscsi,
  MISCOMPARE,
  openNexus,
  opcode,
  SBC4,
  scsi,
  taskManagement,
  UA_BUS_DEVICE_RESET,
  UA_RESET_GENERIC,
  type Expected,
  type Session,
  type TestContext,
} from '../../harness/api.js';

const suite = defineSuite('MultipathIO', { families: ['SCSI'], clause: 'SAM-5 (I_T nexus)', needs: ['sbc', 'capacity', 'dataloss', 'writable'] });

/** The test session (path 1) and a second session of the same initiator name with another ISID (path 2). */
async function paths(t: TestContext): Promise<[Session, Session]> {
  return [t.session, await openNexus(t, { initiator: 1 })];
}

suite.test(
  'Simple',
  {
    doc: `Path 1 writes 256 blocks at LBA 0 (WRITE(10), a distinct pattern a block); path 2 must read back exactly those bytes with READ(10) of 1 to 256
      blocks from LBA 0. Then path 2 writes 256 blocks after them and path 1 must read them back: the two paths reach one logical unit.`,
    level: 'MUST',
    clause: `${SBC4.READ_10}, ${SBC4.WRITE_10}, SAM-5 (I_T nexus)`,
  },
  async (t) => {
    const [p1, p2] = await paths(t);
    const n = Math.min(256, t.dev.maxTransferBlocks, Math.floor(t.dev.blocks / 2));
    for (const [w, r, lba, what] of [
      [p1, p2, 0, 'path 2 reads what path 1 wrote'],
      [p2, p1, n, 'path 1 reads what path 2 wrote'],
    ] as const) {
      const data = t.pattern(lba, n);
      await t.command(scsi.write10({ lba, blocks: n }), { session: w, dataOut: data });
      for (const len of t.lengths(n)) {
        const got = await t.readBlocks(lba, len, r);
        if (!got.equals(data.subarray(0, len * t.dev.blockSize))) t.fail(`${what}: READ(10) LBA=${lba} LEN=${len} differs from what was written`);
      }
    }
  },
);

suite.test(
  'Reset',
  {
    doc: `LOGICAL UNIT RESET on path 1, then on path 2 (each Function complete): after each, both paths must report a unit attention BUS DEVICE RESET
      FUNCTION OCCURRED (or the generic POWER ON, RESET, OR BUS DEVICE RESET OCCURRED) before TEST UNIT READY is GOOD (SAM-5 6.3.3: for every I_T
      nexus).`,
    level: 'MUST',
    clause: 'SAM-5 6.3.3, RFC 7143 11.5.1',
  },
  async (t) => {
    const [p1, p2] = await paths(t);
    for (const [from, name] of [
      [p1, 'path 1'],
      [p2, 'path 2'],
    ] as const) {
      await taskManagement(t, from, iscsi.TmfFunction.LOGICAL_UNIT_RESET, { owner: 'iSCSITMF.LUNResetSimpleAsync' });
      await expectUnitAttention(t, p1, [UA_BUS_DEVICE_RESET, UA_RESET_GENERIC], `path 1 after LOGICAL UNIT RESET on ${name}`);
      await expectUnitAttention(t, p2, [UA_BUS_DEVICE_RESET, UA_RESET_GENERIC], `path 2 after LOGICAL UNIT RESET on ${name}`);
    }
  },
);

/** One COMPARE AND WRITE of one block at `lba` on `s`; with GOOD the block holds `write`. */
async function caw(t: TestContext, s: Session, lba: number, verify: Buffer, write: Buffer, expect: Expected = GOOD, what?: string) {
  return t.command(scsi.compareAndWrite({ lba, blocks: 1 }), { session: s, dataOut: Buffer.concat([verify, write]), expect, ...(what ? { what } : {}) });
}

const CAW = opcode(scsi.Op.COMPARE_AND_WRITE);

suite.test(
  'CompareAndWrite',
  {
    doc: `For LBAs 0 to 255 (at most the capacity): path 1 writes a block; COMPARE AND WRITE from path 2 with that block as verify data must be GOOD;
      COMPARE AND WRITE from path 1 still naming the old block as verify data must then end in MISCOMPARE and leave path 2's data in place (read back
      by both paths).`,
    level: 'MUST',
    clause: SBC4.COMPARE_AND_WRITE,
    needs: [CAW],
  },
  async (t) => {
    const [p1, p2] = await paths(t);
    const bs = t.dev.blockSize;
    const count = Math.min(256, t.dev.blocks);
    for (let lba = 0; lba < count; lba++) {
      const old = t.pattern(lba, 1);
      await t.command(scsi.write10({ lba, blocks: 1 }), { session: p1, dataOut: old });
      const next = t.pattern(lba, 1);
      await caw(t, p2, lba, old, next, GOOD, `COMPARE AND WRITE LBA=${lba} from path 2 (verify data: what path 1 wrote)`);
      t.remember(lba, next, 'COMPARE AND WRITE from path 2');
      await caw(t, p1, lba, old, t.pattern(lba, 1), MISCOMPARE, `COMPARE AND WRITE LBA=${lba} from path 1 with stale verify data`);
    }
    const back = await t.readBlocks(0, count, p2);
    t.check(back.length === count * bs, 'read back from path 2');
  },
);

suite.test(
  'CompareAndWriteAsync',
  {
    doc: `100 rounds on LBA 0: both paths send COMPARE AND WRITE at the same moment, each with the block's current content as verify data and its own
      write data. Exactly one must be GOOD and the other must end in MISCOMPARE (the compare and the write are atomic with respect to the other path),
      and the block must then hold the winner's data.`,
    level: 'MUST',
    clause: SBC4.COMPARE_AND_WRITE,
    needs: [CAW],
    timeout: 120,
  },
  async (t) => {
    const [p1, p2] = await paths(t);
    let cur = t.pattern(0, 1);
    await t.command(scsi.write10({ lba: 0, blocks: 1 }), { session: p1, dataOut: cur });
    for (let round = 1; round <= 100; round++) {
      const w1 = t.pattern(0, 1);
      const w2 = t.pattern(0, 1);
      const [r1, r2] = await Promise.all([
        caw(t, p1, 0, cur, w1, [GOOD, MISCOMPARE], `round ${round}: COMPARE AND WRITE LBA=0 from path 1`),
        caw(t, p2, 0, cur, w2, [GOOD, MISCOMPARE], `round ${round}: COMPARE AND WRITE LBA=0 from path 2`),
      ]);
      const won = [r1.status === scsi.ScsiStatus.GOOD, r2.status === scsi.ScsiStatus.GOOD];
      t.check(
        won.filter(Boolean).length === 1,
        `round ${round}: ` +
          (won[0] && won[1]
            ? 'both COMPARE AND WRITE commands succeeded on the same verify data (not atomic)'
            : 'both COMPARE AND WRITE commands ended in MISCOMPARE, though one compared against the current block'),
      );
      cur = won[0] ? w1 : w2;
      t.remember(0, cur, `round ${round}: the winning COMPARE AND WRITE`);
    }
    const got = await t.readBlocks(0, 1, p2);
    t.check(got.equals(cur), 'LBA 0 does not hold the data of the last winning COMPARE AND WRITE');
  },
);

export default suite;
