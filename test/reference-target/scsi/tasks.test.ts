import { strict as assert } from 'node:assert';
import { PausableStore, S, checkCondition, clearUa, good, nexus, ready, run, server, tick } from './helpers.js';

const UA = S.SenseKey.UNIT_ATTENTION;
const ABORTED = { status: S.ScsiStatus.TASK_ABORTED, aborted: true };

async function paused(o: Parameters<typeof server>[1] = {}) {
  const store = new PausableStore();
  const ds = server({ store }, o);
  await clearUa(ds, nexus());
  return { ds, store };
}

describe('target/scsi unit attentions, task set and task management', () => {
  describe('unit attentions', () => {
    it('each new nexus gets POWER ON, RESET once; INQUIRY and REPORT LUNS neither report nor clear it', async () => {
      const ds = server();
      const n1 = nexus(1);
      const n2 = nexus(2);
      ds.nexusCreated(n1);
      ds.nexusCreated(n2);
      good(await run(ds, S.inquiry(), { nexus: n1 }));
      good(await run(ds, S.reportLuns(), { nexus: n1 }));
      checkCondition(await run(ds, S.read10({ lba: 0, blocks: 1 }), { nexus: n1 }), { key: UA, asc: S.Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET });
      good(await run(ds, S.read10({ lba: 0, blocks: 1 }), { nexus: n1 }));
      // the other nexus still has its own
      checkCondition(await run(ds, Buffer.from([0xc0, 0, 0, 0, 0, 0]), { nexus: n2 }), { key: UA, asc: S.Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET });
      checkCondition(await run(ds, Buffer.from([0xc0, 0, 0, 0, 0, 0]), { nexus: n2 }), {
        key: S.SenseKey.ILLEGAL_REQUEST,
        asc: S.Asc.INVALID_COMMAND_OPERATION_CODE,
      });
    });

    it('are kept per logical unit', async () => {
      const ds = server({}, { luns: [0, 1].map((lun) => ({ lun, backing: 'memory' as const, size: 65536 })) });
      await clearUa(ds, nexus(), 0);
      checkCondition(await run(ds, S.testUnitReady(), { lun: 1 }), { key: UA, asc: S.Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET });
      good(await run(ds, S.testUnitReady(), { lun: 1 }));
    });

    it('LUN RESET: BUS DEVICE RESET FUNCTION OCCURRED for every nexus, the requester included; mode pages back to defaults', async () => {
      const ds = server({}, { luns: [0, 1].map((lun) => ({ lun, backing: 'memory' as const, size: 65536 })) });
      const n1 = nexus(1);
      const n2 = nexus(2);
      for (const n of [n1, n2]) for (const lun of [0, 1]) await clearUa(ds, n, lun);
      const p = S.encodeModeParameters6({ select: true, pages: [S.encodeControlPage({ swp: true })] });
      good(await run(ds, S.modeSelect6({ paramLen: p.length }), { dataOut: p, nexus: n1 }));
      assert.deepEqual(await clearUa(ds, n2), [S.Asc.MODE_PARAMETERS_CHANGED]);
      assert.equal(await ds.taskManagement(n1, 'lun-reset', 0), 'complete');
      assert.deepEqual(await clearUa(ds, n1), [S.Asc.BUS_DEVICE_RESET_FUNCTION_OCCURRED]);
      assert.deepEqual(await clearUa(ds, n2), [S.Asc.BUS_DEVICE_RESET_FUNCTION_OCCURRED]);
      assert.deepEqual(await clearUa(ds, n1, 1), []);
      assert.equal(ds.unit(0)!.mode.swp, false);
      assert.equal(await ds.taskManagement(n1, 'lun-reset', 9), 'no-such-lun');
    });

    it('target warm and cold resets: every LU and nexus, POWER ON, RESET (29 00) and POWER ON OCCURRED (29 01)', async () => {
      const ds = server({}, { luns: [0, 1].map((lun) => ({ lun, backing: 'memory' as const, size: 65536 })) });
      const n1 = nexus(1);
      for (const lun of [0, 1]) await clearUa(ds, n1, lun);
      assert.equal(await ds.taskManagement(n1, 'target-warm-reset', 0), 'complete');
      for (const lun of [0, 1]) assert.deepEqual(await clearUa(ds, n1, lun), [S.Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET]);
      assert.equal(await ds.taskManagement(n1, 'target-cold-reset', 0), 'complete');
      for (const lun of [0, 1]) assert.deepEqual(await clearUa(ds, n1, lun), [S.Asc.POWER_ON_OCCURRED]);
    });

    it('I_T nexus loss: the same initiator port logging in again gets I_T NEXUS LOSS OCCURRED; a logout leaves nothing', async () => {
      const ds = server();
      const n1 = nexus(1, 1);
      await clearUa(ds, n1);
      ds.nexusEnded(n1, 'loss');
      const again = { ...n1, id: 'reconnected' };
      ds.nexusCreated(again);
      assert.deepEqual(await clearUa(ds, again), [S.Asc.I_T_NEXUS_LOSS_OCCURRED]);
      ds.nexusEnded(again, 'logout');
      const third = { ...n1, id: 'third' };
      ds.nexusCreated(third);
      assert.deepEqual(await clearUa(ds, third), []);
      // another initiator port (a new ISID) is told of the power on
      assert.deepEqual(await clearUa(ds, nexus(1, 2)), [S.Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET]);
    });

    it('I_T nexus loss reported after the reinstating nexus already exists: that nexus gets I_T NEXUS LOSS OCCURRED', async () => {
      const ds = server();
      const old = nexus(1, 1);
      await clearUa(ds, old);
      const fresh = { ...old, id: 'reinstated' };
      ds.nexusCreated(fresh);
      ds.nexusEnded(old, 'loss');
      assert.deepEqual(await clearUa(ds, fresh), [S.Asc.I_T_NEXUS_LOSS_OCCURRED]);
    });

    it('a deferred error (a failed IMMED flush) is reported on the next command and by REQUEST SENSE as 71h', async () => {
      const ds = await ready();
      const st = ds.unit(0)!.store;
      st.flush = async () => {
        throw new Error('EIO');
      };
      good(await run(ds, S.synchronizeCache10({ immed: true })));
      await tick();
      const s = checkCondition(await run(ds, S.testUnitReady()), { key: S.SenseKey.MEDIUM_ERROR, asc: S.Asc.WRITE_ERROR });
      assert.equal(s.current, false);
      good(await run(ds, S.synchronizeCache10({ immed: true })));
      await tick();
      const rs = S.decodeSense(good(await run(ds, S.requestSense())));
      assert.equal(rs.responseCode, 0x71);
    });
  });

  describe('task attributes', () => {
    it('SIMPLE tasks run concurrently', async () => {
      const { ds, store } = await paused();
      store.pause();
      const a = run(ds, S.read10({ lba: 0, blocks: 1 }));
      const b = run(ds, S.read10({ lba: 8, blocks: 1 }));
      await tick();
      assert.equal(store.waiting, 2);
      store.resume();
      good(await a);
      good(await b);
    });

    it('ORDERED waits for every older task and holds back every newer SIMPLE one', async () => {
      const { ds, store } = await paused();
      store.pause();
      const w1 = run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512, 1) });
      await tick();
      const o2 = run(ds, S.read10({ lba: 100, blocks: 1 }), { attr: 'ordered' });
      const s3 = run(ds, S.read10({ lba: 200, blocks: 1 }));
      await tick();
      assert.deepEqual(store.log, ['write 0'], 'only the first task reached the medium');
      store.resume();
      await Promise.all([w1, o2, s3].map(async (p) => good(await p)));
      assert.deepEqual(store.log, ['write 0', 'read 100', 'read 200']);
    });

    it('HEAD OF QUEUE overtakes the dormant tasks', async () => {
      const { ds, store } = await paused();
      store.pause();
      const w1 = run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512, 1) });
      await tick();
      const o2 = run(ds, S.read10({ lba: 100, blocks: 1 }), { attr: 'ordered' });
      const s3 = run(ds, S.read10({ lba: 200, blocks: 1 }));
      const h4 = run(ds, S.read10({ lba: 300, blocks: 1 }), { attr: 'head-of-queue' });
      const h5 = run(ds, S.testUnitReady(), { attr: 'head-of-queue' });
      good(await h5); // completes while W1 is still held and O2, S3 wait
      await tick();
      assert.deepEqual(store.log, ['write 0', 'read 300']);
      store.resume();
      await Promise.all([w1, o2, s3, h4].map(async (p) => good(await p)));
      assert.deepEqual(store.log, ['write 0', 'read 300', 'read 100', 'read 200']);
    });

    it('ACA tasks are refused (NACA not supported); the task set is bounded (TASK SET FULL)', async () => {
      const { ds, store } = await paused({ taskSetCapacity: 2 });
      checkCondition(await run(ds, S.testUnitReady(), { attr: 'aca' }), { key: S.SenseKey.ILLEGAL_REQUEST, asc: S.Asc.INVALID_MESSAGE_ERROR });
      store.pause();
      const a = run(ds, S.read10({ lba: 0, blocks: 1 }));
      const b = run(ds, S.read10({ lba: 1, blocks: 1 }));
      assert.equal((await run(ds, S.testUnitReady())).status, S.ScsiStatus.TASK_SET_FULL);
      store.resume();
      good(await a);
      good(await b);
    });
  });

  describe('task management', () => {
    it('ABORT TASK of a dormant task: no response for it, the others go on', async () => {
      const { ds, store } = await paused();
      store.pause();
      const w1 = run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512, 1) });
      await tick();
      const o2 = run(ds, S.write10({ lba: 50, blocks: 1 }), { attr: 'ordered', tag: 0x1002, dataOut: Buffer.alloc(512, 2) });
      await tick();
      assert.equal(await ds.taskManagement(nexus(), 'abort-task', 0, 0x1002), 'complete');
      assert.deepEqual(await o2, ABORTED);
      store.resume();
      good(await w1);
      assert.ok(good(await run(ds, S.read10({ lba: 50, blocks: 1 }))).equals(Buffer.alloc(512)), 'the aborted write never happened');
      assert.equal(await ds.taskManagement(nexus(), 'abort-task', 0, 0x1002), 'no-such-task');
      assert.equal(await ds.taskManagement(nexus(), 'abort-task', 3, 1), 'no-such-lun');
    });

    it('ABORT TASK of a task waiting on a range lock: it never writes, no lock is left held', async () => {
      const { ds, store } = await paused();
      store.pause();
      const w1 = run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512, 1) });
      await tick();
      const w2 = run(ds, S.write10({ lba: 0, blocks: 1 }), { tag: 0x2002, dataOut: Buffer.alloc(512, 2) });
      await tick();
      assert.equal(await ds.taskManagement(nexus(), 'abort-task', 0, 0x2002), 'complete');
      assert.deepEqual(await w2, ABORTED);
      store.resume();
      good(await w1);
      assert.equal(good(await run(ds, S.read10({ lba: 0, blocks: 1 })))[0], 1);
      assert.deepEqual(
        store.log.filter((l) => l.startsWith('write')),
        ['write 0'],
      );
      assert.equal(ds.unit(0)!.locks.pending, 0);
    });

    it('ABORT TASK of a task in the middle of its I/O completes only once that I/O is done', async () => {
      const { ds, store } = await paused();
      store.pause();
      const w1 = run(ds, S.write10({ lba: 0, blocks: 1 }), { tag: 0x3001, dataOut: Buffer.alloc(512, 1) });
      await tick();
      let tmfDone = false;
      const tmf = ds.taskManagement(nexus(), 'abort-task', 0, 0x3001).then((r) => {
        tmfDone = true;
        return r;
      });
      await tick();
      assert.equal(tmfDone, false, 'the TMF waits for the write in flight');
      store.resume();
      assert.equal(await tmf, 'complete');
      assert.deepEqual(await w1, ABORTED);
      assert.equal(ds.unit(0)!.locks.pending, 0);
      good(await run(ds, S.read10({ lba: 0, blocks: 1 })));
    });

    it("ABORT TASK SET aborts only the requester's tasks; CLEAR TASK SET all, with COMMANDS CLEARED BY ANOTHER INITIATOR for the others", async () => {
      const { ds, store } = await paused();
      const n2 = nexus(2);
      await clearUa(ds, n2);
      store.pause();
      const held = run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512) });
      await tick();
      const mine = run(ds, S.read10({ lba: 5, blocks: 1 }), { attr: 'ordered' });
      const theirs = run(ds, S.read10({ lba: 6, blocks: 1 }), { nexus: n2 });
      await tick();
      const ats = ds.taskManagement(n2, 'abort-task-set', 0);
      await tick();
      assert.deepEqual(await theirs, ABORTED);
      store.resume();
      assert.equal(await ats, 'complete');
      good(await held);
      good(await mine);
      store.pause();
      const a = run(ds, S.read10({ lba: 0, blocks: 1 }));
      const b = run(ds, S.read10({ lba: 1, blocks: 1 }), { nexus: n2 });
      await tick();
      const cts = ds.taskManagement(nexus(), 'clear-task-set', 0);
      store.resume();
      assert.equal(await cts, 'complete');
      assert.deepEqual(await a, ABORTED);
      assert.deepEqual(await b, ABORTED);
      assert.deepEqual(await clearUa(ds, n2), [S.Asc.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR]);
      assert.deepEqual(await clearUa(ds, nexus()), []);
      assert.equal(await ds.taskManagement(nexus(), 'clear-aca', 0), 'not-supported');
    });

    it("an I_T nexus loss aborts that nexus's tasks", async () => {
      const { ds, store } = await paused();
      store.pause();
      const held = run(ds, S.write10({ lba: 0, blocks: 1 }), { dataOut: Buffer.alloc(512) });
      await tick();
      const waiting = run(ds, S.read10({ lba: 9, blocks: 1 }), { attr: 'ordered' });
      await tick();
      ds.nexusEnded(nexus(), 'loss');
      assert.deepEqual(await waiting, ABORTED);
      store.resume();
      assert.deepEqual(await held, ABORTED);
    });
  });
});
