/**
 * What the reference target does on its own or as negotiated (issue 3, item 1): NOP-In pings at the
 * configured interval and the drop of a connection that leaves them unanswered, NOP-Out echoes,
 * SendTargets in discovery and normal sessions within the ACL, CRC32C digests in normal and discovery
 * sessions, many sessions at once, the CmdSN window following the queue depth, and the R2Ts that each
 * combination of ImmediateData, InitialR2T, FirstBurstLength, MaxBurstLength and MaxOutstandingR2T
 * calls for.
 */
import { strict as assert } from 'node:assert';
import { Session } from '../../../harness/initiator/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import { AnyPdu, DataOut, decodeText, LoginStatus, NopIn, Opcode, R2T, RESERVED_TAG, TmfFunction, TmfResponse } from '../../../protocol/iscsi/index.js';
import { BLOCK, clearUa, hex4, INIT_A, INIT_B, IQN, mark, open, opts, pattern, read, Ref, scsi, sleep, startRef, waitLog, write } from './helpers.js';

const ACL_IQN = 'iqn.2026-11.org.iscsi-test:features-acl';
const DISC_USER = { user: 'discoverer', secret: 'discovery-secret-99' };

describe('reference target: features', function () {
  this.timeout(15_000);
  const sessions: Session[] = [];
  afterEach(() => {
    for (const s of sessions.splice(0)) s.destroy();
  });

  describe('NOP (RFC 7143 11.18-11.19)', () => {
    let ref: Ref;
    before(async () => {
      ref = await startRef({ server: { nopInterval: 1, nopTimeout: 1 } });
    });
    after(async () => ref?.stop());
    beforeEach(() => mark(ref));

    it('pings an idle connection with NOP-In at the configured interval (ITT 0xffffffff, a TTT to echo), and keeps it when answered', async () => {
      const s = await open(ref, {}, sessions);
      await sleep(2600);
      assert.ok(s.targetPings.length >= 2, `${s.targetPings.length} NOP-In pings in 2.6 s at an interval of 1 s`);
      assert.ok(s.targetPings.length <= 4, `${s.targetPings.length} NOP-In pings in 2.6 s at an interval of 1 s: too many`);
      for (const p of s.targetPings) {
        assert.equal(p.itt, RESERVED_TAG);
        assert.notEqual(p.ttt, RESERVED_TAG);
      }
      assert.notEqual(s.targetPings[0]!.ttt, s.targetPings[1]!.ttt, 'two pings with the same TTT');
      assert.ok(s.isOpen, 'a connection that answered every ping was dropped');
      assert.equal((await s.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
    });

    it('a ping does not take a StatSN: the next response carries the StatSN the ping announced (RFC 7143 11.19.2)', async () => {
      const s = await open(ref, {}, sessions);
      const ping = await s.waitFor((p) => p.opcode === Opcode.NOP_IN && (p as NopIn).ttt !== RESERVED_TAG, 3000);
      const nop = await s.nop();
      assert.equal(nop.statSN, (ping as { statSN: number }).statSN);
    });

    it('drops the connection when a ping is not answered within NOPTimeout', async () => {
      const s = await open(ref, { answerNopIn: false }, sessions);
      const t0 = Date.now();
      const closed = await s.waitClosed(4000);
      assert.ok(closed, 'still connected 4 s after ignoring pings (interval 1 s, timeout 1 s)');
      assert.ok(Date.now() - t0 >= 900, `dropped after ${Date.now() - t0} ms, before any ping could have timed out`);
      assert.ok(s.targetPings.length >= 1);
      await waitLog(ref, /no answer to a NOP-In ping within 1 s/);
    });

    it('answers a NOP-Out ping with a NOP-In echoing its data, immediate or not (RFC 7143 11.18.5)', async () => {
      const s = await open(ref, {}, sessions);
      for (const [data, immediate] of [
        [Buffer.alloc(0), true],
        [Buffer.from('ping'), true],
        [pattern(7, 8191), false],
        [pattern(8, 65536), true],
      ] as const) {
        const r = await s.nop({ data, immediate });
        assert.ok((r.data ?? Buffer.alloc(0)).equals(data), `NOP-In did not echo ${data.length} bytes`);
        assert.equal(r.ttt, RESERVED_TAG);
      }
    });

    it('a NOP-Out with ITT 0xffffffff asks for nothing and gets nothing', async () => {
      const s = await open(ref, {}, sessions);
      s.sendPdu({ opcode: Opcode.NOP_OUT, immediate: true, lun: 0n, itt: RESERVED_TAG, ttt: RESERVED_TAG, cmdSN: s.cmdSN, expStatSN: s.expStatSN });
      await assert.rejects(
        s.waitFor((p) => p.opcode === Opcode.NOP_IN && (p as NopIn).ttt === RESERVED_TAG, 500),
        /nothing arrived/,
      );
    });
  });

  describe('SendTargets (RFC 7143 13.3, Appendix C) and digests in discovery and normal sessions', () => {
    let ref: Ref;
    before(async () => {
      ref = await startRef({
        targets: [
          { iqn: IQN, luns: [{ lun: 0, backing: 'memory', size: 8 << 20 }] },
          { iqn: ACL_IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], allowInitiators: [INIT_B] },
        ],
        server: { discoveryUsers: [DISC_USER] },
      });
    });
    after(async () => ref?.stop());

    const disc = (name: string, o: Partial<Parameters<typeof opts>[1]> = {}) =>
      Session.open(opts(ref, { initiatorName: name, sessionType: 'Discovery', chap: DISC_USER, targetName: '', ...o }));
    const names = (ts: { name: string }[]) => ts.map((t) => t.name).sort();

    it('a discovery session lists only the targets whose ACL admits the initiator, at the portal it reached', async () => {
      const a = await disc(INIT_A);
      sessions.push(a);
      const ta = await a.sendTargets('All');
      assert.deepEqual(names(ta), [IQN]);
      assert.deepEqual(
        ta[0]!.addresses.map((x) => x.raw),
        [`127.0.0.1:${ref.t.port},1`],
      );
      const b = await disc(INIT_B);
      sessions.push(b);
      assert.deepEqual(names(await b.sendTargets('All')), [ACL_IQN, IQN].sort());
      // Naming a target the ACL keeps from this initiator lists nothing.
      assert.deepEqual(await a.sendTargets(ACL_IQN), []);
      assert.deepEqual(names(await b.sendTargets(ACL_IQN)), [ACL_IQN]);
    });

    it('discovery sessions need the discovery CHAP account when one is configured', async () => {
      await assert.rejects(
        disc(INIT_A, { chap: undefined }),
        (e: unknown) => e instanceof IscsiError && e.details['statusDetail'] === 1 && e.details['statusClass'] === 2,
      );
      await assert.rejects(
        disc(INIT_A, { chap: { user: DISC_USER.user, secret: 'wrong-secret-0000' } }),
        (e: unknown) => e instanceof IscsiError && e.code === 'ISCSI_E_AUTH',
      );
    });

    it("in a normal session: no target for All (MUST NOT be supported there), the empty value for the session's own target", async () => {
      const s = await open(ref, { initiatorName: INIT_A }, sessions);
      assert.deepEqual(names(await s.sendTargets('All')), []);
      assert.deepEqual(names(await s.sendTargets('')), [IQN]);
      assert.deepEqual(await s.sendTargets(ACL_IQN), []);
    });

    it('a discovery session with HeaderDigest and DataDigest CRC32C', async () => {
      const s = await disc(INIT_B, { headerDigest: 'CRC32C', dataDigest: 'CRC32C' });
      sessions.push(s);
      assert.equal(s.params.headerDigest, true);
      assert.equal(s.params.dataDigest, true);
      assert.deepEqual(names(await s.sendTargets('All')), [ACL_IQN, IQN].sort());
      await s.logout();
    });

    it('a normal session with HeaderDigest and DataDigest CRC32C moves 1 MiB each way intact', async () => {
      const s = await open(ref, { headerDigest: 'CRC32C', dataDigest: 'CRC32C' }, sessions);
      assert.equal(s.params.headerDigest, true);
      assert.equal(s.params.dataDigest, true);
      const data = pattern(77, 1 << 20);
      await write(s, 0, data);
      assert.ok((await read(s, 0, 2048)).equals(data));
      assert.deepEqual(await s.nop({ data: Buffer.from('odd-length') }).then((r) => r.data?.toString()), 'odd-length');
    });

    it('each digest on its own', async () => {
      for (const [h, d] of [
        ['CRC32C', 'None'],
        ['None', 'CRC32C'],
      ] as const) {
        const s = await open(ref, { headerDigest: h, dataDigest: d }, sessions);
        assert.equal(s.params.headerDigest, h === 'CRC32C');
        assert.equal(s.params.dataDigest, d === 'CRC32C');
        const data = pattern(78, 64 * BLOCK);
        await write(s, 4096, data);
        assert.ok((await read(s, 4096, 64)).equals(data));
      }
    });
  });

  describe('sessions and the CmdSN window', () => {
    let ref: Ref;
    before(async () => {
      ref = await startRef({
        targets: [
          { iqn: IQN, luns: [{ lun: 0, backing: 'memory', size: 32 << 20 }] },
          { iqn: ACL_IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], queueDepth: 4 },
        ],
      });
    });
    after(async () => ref?.stop());

    it('20 sessions at once, each writing and reading back its own LBA range', async () => {
      const all = await Promise.all(Array.from({ length: 20 }, (_, i) => open(ref, { initiatorName: `${INIT_A}-${i}` }, sessions)));
      await Promise.all(
        all.map(async (s, i) => {
          for (let round = 0; round < 4; round++) {
            const data = pattern(i * 100 + round, 128 * BLOCK);
            await write(s, i * 2048 + round * 128, data);
            assert.ok((await read(s, i * 2048 + round * 128, 128)).equals(data), `session ${i} round ${round}`);
          }
        }),
      );
      // And every range still holds what its session wrote last, read through another session.
      for (let i = 0; i < 20; i++) assert.ok((await read(all[0]!, i * 2048 + 3 * 128, 128)).equals(pattern(i * 100 + 3, 128 * BLOCK)), `range of session ${i}`);
      assert.ok(ref.t.server.sessionCount >= 20);
    });

    it('MaxCmdSN follows the queue depth (QueuedCommands 4); commands beyond it wait at the initiator', async () => {
      const s = await open(ref, { targetName: ACL_IQN }, sessions);
      assert.equal((s.maxCmdSN - s.expCmdSN + 1) >>> 0, 4, `window [${s.expCmdSN}, ${s.maxCmdSN}] for a queue depth of 4`);
      // Four writes that wait for their data hold the four places.
      const itts: number[] = [];
      const stalled = Array.from({ length: 4 }, (_, i) =>
        s
          .command({
            cdb: scsi.write10({ lba: i * 8, blocks: 8 }),
            dataOut: Buffer.alloc(8 * BLOCK),
            useImmediateData: false,
            alterDataOut: () => null,
            onSent: (itt) => itts.push(itt),
          })
          .catch((e: unknown) => e),
      );
      await s.waitFor((p) => p.opcode === Opcode.R2T && p.itt === itts[3], 2000);
      await s.nop();
      assert.equal(s.windowOpen, false, `window still open: CmdSN ${s.cmdSN}, MaxCmdSN ${s.maxCmdSN}`);
      let sent = false;
      const fifth = s.command({ cdb: scsi.testUnitReady(), onSent: () => (sent = true) });
      await sleep(300);
      assert.equal(sent, false, 'a fifth command left the initiator while the window was closed');
      const t = await s.abortTask(itts[0]!);
      assert.equal(t.response, 0);
      assert.equal((await fifth).status, scsi.ScsiStatus.GOOD);
      assert.ok(sent);
      for (const itt of itts.slice(1)) await s.abortTask(itt);
      await Promise.all(stalled);
    });
  });

  describe('write bursts: R2Ts as ImmediateData, InitialR2T, FirstBurstLength, MaxBurstLength and MaxOutstandingR2T say (RFC 7143 13.10-13.17)', () => {
    interface Combo {
      name: string;
      keys: Record<string, string>;
      write: number;
      immediate: number;
      unsolicited: number;
      r2ts: number[];
      outstanding: number;
    }
    const K = 1024;
    const combos: Combo[] = [
      {
        name: 'ImmediateData=Yes InitialR2T=Yes FBL 64K MBL 128K MaxOR2T 1',
        keys: { ImmediateData: 'Yes', InitialR2T: 'Yes', FirstBurstLength: `${64 * K}`, MaxBurstLength: `${128 * K}`, MaxOutstandingR2T: '1' },
        write: 1024 * K,
        immediate: 64 * K,
        unsolicited: 0,
        r2ts: [...Array(7).fill(128 * K), 64 * K],
        outstanding: 1,
      },
      {
        name: 'ImmediateData=No InitialR2T=No FBL 64K MBL 256K MaxOR2T 4',
        keys: { ImmediateData: 'No', InitialR2T: 'No', FirstBurstLength: `${64 * K}`, MaxBurstLength: `${256 * K}`, MaxOutstandingR2T: '4' },
        write: 1024 * K,
        immediate: 0,
        unsolicited: 64 * K,
        r2ts: [256 * K, 256 * K, 256 * K, 192 * K],
        outstanding: 4,
      },
      {
        name: 'ImmediateData=Yes InitialR2T=No FBL 32K MBL 64K MaxOR2T 2',
        keys: { ImmediateData: 'Yes', InitialR2T: 'No', FirstBurstLength: `${32 * K}`, MaxBurstLength: `${64 * K}`, MaxOutstandingR2T: '2' },
        write: 256 * K,
        immediate: 32 * K,
        unsolicited: 0,
        r2ts: [64 * K, 64 * K, 64 * K, 32 * K],
        outstanding: 2,
      },
      {
        name: 'ImmediateData=Yes InitialR2T=No FBL 16K MBL 64K, immediate and unsolicited',
        keys: {
          ImmediateData: 'Yes',
          InitialR2T: 'No',
          FirstBurstLength: `${16 * K}`,
          MaxBurstLength: `${64 * K}`,
          MaxOutstandingR2T: '1',
          MaxRecvDataSegmentLength: `${4 * K}`,
        },
        write: 96 * K,
        immediate: 4 * K,
        unsolicited: 12 * K,
        r2ts: [64 * K, 16 * K],
        outstanding: 1,
      },
      {
        name: 'ImmediateData=No InitialR2T=Yes MBL 1M',
        keys: { ImmediateData: 'No', InitialR2T: 'Yes', MaxBurstLength: `${1024 * K}`, MaxOutstandingR2T: '1' },
        write: 512 * K,
        immediate: 0,
        unsolicited: 0,
        r2ts: [512 * K],
        outstanding: 1,
      },
      {
        name: 'a write that fits in its immediate data',
        keys: { ImmediateData: 'Yes', InitialR2T: 'Yes', FirstBurstLength: `${64 * K}` },
        write: 8 * K,
        immediate: 8 * K,
        unsolicited: 0,
        r2ts: [],
        outstanding: 0,
      },
    ];
    let ref: Ref;
    before(async () => {
      ref = await startRef({
        targets: combos.map((c, i) => ({
          iqn: `${IQN}-burst${i}`,
          luns: [{ lun: 0, backing: 'memory', size: 4 << 20 }],
          // The target's own limits; MaxRecvDataSegmentLength is what it declares (the initiator's segments).
          params: { ...c.keys, ...(c.keys['MaxRecvDataSegmentLength'] ? {} : { MaxRecvDataSegmentLength: `${256 * K}` }) },
        })),
      });
    });
    after(async () => ref?.stop());

    combos.forEach((c, i) => {
      it(c.name, async () => {
        const { MaxRecvDataSegmentLength: _mrdsl, ...initiatorKeys } = c.keys;
        void _mrdsl;
        const s = await open(ref, { targetName: `${IQN}-burst${i}`, keys: initiatorKeys }, sessions);
        const r2ts: R2T[] = [];
        const held: DataOut[] = [];
        let hold = true;
        let unsolicited = 0;
        let immediate = -1;
        s.hooks.onReceive = (p: AnyPdu) => {
          if (p.opcode === Opcode.R2T) r2ts.push({ ...(p as R2T) });
        };
        s.hooks.beforeSend = (p: AnyPdu) => {
          if (p.opcode === Opcode.SCSI_COMMAND) immediate = p.data?.length ?? 0;
          if (p.opcode !== Opcode.DATA_OUT) return p;
          const d = p as DataOut;
          if (d.ttt === RESERVED_TAG) {
            unsolicited += d.data?.length ?? 0;
            return d;
          }
          if (!hold) return d;
          held.push(d);
          return null;
        };
        const data = pattern(500 + i, c.write);
        const done = s.command({ cdb: scsi.write10({ lba: 0, blocks: c.write / BLOCK }), dataOut: data });
        // Solicited data held back: the target may have only MaxOutstandingR2T bursts asked for at once.
        await sleep(250);
        assert.equal(r2ts.length, c.outstanding, `R2Ts outstanding at once: expected ${c.outstanding}, got ${r2ts.length}`);
        hold = false;
        for (const d of held.splice(0)) s.sendPdu(d);
        const r = await done;
        assert.equal(r.status, scsi.ScsiStatus.GOOD);
        assert.equal(immediate, c.immediate, 'immediate data');
        assert.equal(unsolicited, c.unsolicited, 'unsolicited Data-Out');
        assert.deepEqual(
          r2ts.map((x) => x.desiredDataTransferLength),
          c.r2ts,
          `R2T lengths: ${r2ts.map((x) => `${x.bufferOffset}+${x.desiredDataTransferLength}`).join(' ')}`,
        );
        let at = c.immediate + c.unsolicited;
        r2ts.forEach((x, n) => {
          assert.equal(x.bufferOffset, at, `R2T ${n} Buffer Offset`);
          assert.equal(x.r2tSN, n, `R2T ${n} R2TSN`);
          at += x.desiredDataTransferLength;
        });
        assert.equal(at, c.write);
        s.hooks.beforeSend = undefined;
        s.hooks.onReceive = undefined;
        assert.ok((await read(s, 0, c.write / BLOCK)).equals(data), 'the data read back differs');
      });
    });
  });

  describe('negotiated limits', () => {
    it('a MaxBurstLength below the default FirstBurstLength brings FirstBurstLength down in the answers (RFC 7143 13.14)', async () => {
      const ref = await startRef({ target: { params: { MaxBurstLength: '65536' } } });
      try {
        const answers: Record<string, string> = {};
        const s = await Session.open(opts(ref), {
          onReceive: (p) => {
            if (p.opcode === Opcode.LOGIN_RESPONSE && p.data?.length) for (const [k, v] of decodeText(p.data)) answers[k] = v;
          },
        });
        sessions.push(s);
        assert.equal(answers['MaxBurstLength'], '65536');
        assert.ok(Number(answers['FirstBurstLength']) <= 65536, `FirstBurstLength=${answers['FirstBurstLength']} answered with MaxBurstLength=65536`);
        assert.ok(s.params.firstBurstLength <= s.params.maxBurstLength);
      } finally {
        for (const s of sessions.splice(0)) s.destroy();
        await ref.stop();
      }
    });
  });

  it('with InitialR2T=Yes and ImmediateData=No the target answers FirstBurstLength=Irrelevant, and the initiator takes it (RFC 7143 13.14)', async () => {
    const ref = await startRef({});
    try {
      const answers: Record<string, string> = {};
      const s = await Session.open(opts(ref, { keys: { InitialR2T: 'Yes', ImmediateData: 'No', FirstBurstLength: '65536' } }), {
        onReceive: (p) => {
          if (p.opcode === Opcode.LOGIN_RESPONSE && p.data?.length) for (const [k, v] of decodeText(p.data)) answers[k] = v;
        },
      });
      sessions.push(s);
      assert.equal(answers['InitialR2T'], 'Yes');
      assert.equal(answers['ImmediateData'], 'No');
      assert.equal(answers['FirstBurstLength'], 'Irrelevant');
      assert.equal(s.params.initialR2T, true);
      assert.equal(s.params.immediateData, false);
    } finally {
      for (const s of sessions.splice(0)) s.destroy();
      await ref.stop();
    }
  });

  it("a target's own NOPInterval overrides the server-wide one for its sessions only", async () => {
    const QUIET = 'iqn.2026-11.org.iscsi-test:features-quiet';
    const ref = await startRef({
      server: { nopInterval: 0 },
      targets: [
        { iqn: IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], nopInterval: 1, nopTimeout: 1 },
        { iqn: QUIET, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }] },
      ],
    });
    try {
      const pinged = await open(ref, {}, sessions);
      const quiet = await open(ref, { targetName: QUIET, initiatorName: INIT_B }, sessions);
      await sleep(2300);
      assert.ok(pinged.targetPings.length >= 1, 'no NOP-In ping from the target with NOPInterval 1');
      assert.equal(quiet.targetPings.length, 0, 'the target without its own NOPInterval pinged');
    } finally {
      await ref.stop();
    }
  });

  describe('target-wide task management over iSCSI', () => {
    let ref: Ref;
    beforeEach(async () => {
      ref = await startRef();
    });
    afterEach(async () => ref?.stop());

    it('TARGET WARM RESET: function complete; every session, this one and another, gets UNIT ATTENTION (power on, reset) and stays up (SAM-5 6.3.3)', async () => {
      const other = await open(ref, { initiatorName: INIT_A }, sessions);
      const s = await open(ref, { initiatorName: INIT_B }, sessions);
      const t = await s.taskManagement(TmfFunction.TARGET_WARM_RESET);
      assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
      for (const x of [other, s]) {
        const r = await x.command({ cdb: scsi.testUnitReady() });
        assert.equal(r.status, scsi.ScsiStatus.CHECK_CONDITION);
        assert.equal(r.sense?.key, scsi.SenseKey.UNIT_ATTENTION);
        assert.equal(r.sense?.asc, 0x29);
      }
      assert.equal(other.isOpen, true, 'a warm reset dropped the other session');
    });

    it('TARGET COLD RESET: function complete, then the target drops all its connections; a new login works (RFC 7143 11.5.1)', async () => {
      const other = await open(ref, { initiatorName: INIT_A }, sessions);
      const s = await open(ref, { initiatorName: INIT_B }, sessions);
      const t = await s.taskManagement(TmfFunction.TARGET_COLD_RESET);
      assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
      assert.ok(await s.waitClosed(3000), 'the connection that asked for the cold reset is still up');
      assert.ok(await other.waitClosed(3000), 'the other session is still up after a cold reset');
      const again = await open(ref, { initiatorName: INIT_B }, sessions);
      assert.equal((await again.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
    });
  });

  describe('Logout reasons (RFC 7143 11.14.1, 11.15.1)', () => {
    let ref: Ref;
    before(async () => {
      ref = await startRef();
    });
    after(async () => ref?.stop());
    beforeEach(() => mark(ref));

    it('reason 1 (close the connection) naming this connection: closed successfully, and the one connection of the session ends', async () => {
      const s = await open(ref, {}, sessions);
      const rsp = await s.logout(1);
      assert.equal(rsp.response, 0);
      assert.equal(s.isOpen, false);
      await waitLog(ref, /logout: /);
    });

    it('reason 1 naming another CID: "CID not found" (1), and the session carries on', async () => {
      const s = await open(ref, { cid: 0 }, sessions);
      await assert.rejects(s.logout(1, 2000, 7), (e: unknown) => {
        assert.equal((e as IscsiError).code, 'ISCSI_E_LOGOUT');
        assert.equal((e as IscsiError).details['response'], 1);
        assert.match((e as IscsiError).message, /CID not found/);
        return true;
      });
      await s.nop({ timeoutMs: 2000 });
      assert.equal((await read(s, 0, 1)).length, 512);
    });

    it('reason 2 (remove the connection for recovery) at ErrorRecoveryLevel 0: "connection recovery is not supported" (2), and the session carries on', async () => {
      const s = await open(ref, {}, sessions);
      await assert.rejects(s.logout(2), (e: unknown) => (e as IscsiError).code === 'ISCSI_E_LOGOUT' && (e as IscsiError).details['response'] === 2);
      await s.nop({ timeoutMs: 2000 });
      await s.logout();
    });
  });

  describe('connections end', () => {
    it('30 sessions that log out, and 30 that drop TCP, leave the target holding no connection (memory stays bounded)', async () => {
      const ref = await startRef();
      try {
        for (let i = 0; i < 60; i++) {
          const s = await Session.open(opts(ref, { initiatorName: i % 2 ? INIT_A : INIT_B }));
          if (i % 2) await s.logout();
          else s.destroy();
        }
        const until = Date.now() + 2000;
        while (ref.t.server.connectionCount > 0 && Date.now() < until) await sleep(10);
        assert.equal(ref.t.server.connectionCount, 0);
      } finally {
        await ref.stop();
      }
    });

    it('with MaxSessions 2, a fifth connection (past twice MaxSessions) is closed at once and logged; the others carry on', async () => {
      const ref = await startRef({ server: { maxSessions: 2 } });
      const net = await import('node:net');
      const idle: import('node:net').Socket[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          const c = net.connect(ref.t.port, '127.0.0.1');
          idle.push(c);
          await new Promise((r) => c.once('connect', r));
        }
        const until = Date.now() + 2000;
        while (ref.t.server.connectionCount < 4 && Date.now() < until) await sleep(5);
        const fifth = net.connect(ref.t.port, '127.0.0.1');
        idle.push(fifth);
        const closed = await new Promise<boolean>((r) => {
          fifth.once('close', () => r(true));
          fifth.on('error', () => {});
          setTimeout(() => r(false), 2000);
        });
        assert.ok(closed, 'the fifth connection stayed open');
        await waitLog(ref, /refused: already 4 connections \(twice MaxSessions 2\)/);
        for (const c of idle.splice(0, 2)) c.destroy();
        const s = await open(ref, {}, sessions);
        await clearUa(s);
      } finally {
        for (const c of idle) c.destroy();
        await ref.stop();
      }
    });

    it('stop({ logoutSeconds }) asks a logged-in initiator to log out (AsyncEvent 1) and returns as soon as it has', async () => {
      const ref = await startRef();
      const s = await open(ref, {}, sessions);
      const t0 = Date.now();
      await ref.t.stop({ logoutSeconds: 3 });
      assert.ok(Date.now() - t0 < 1000, `stop took ${Date.now() - t0} ms`);
      assert.equal(s.asyncMessages[0]?.asyncEvent, 1);
      assert.equal(s.asyncMessages[0]?.parameter3, 3);
      assert.equal(s.isOpen, false);
      assert.ok(
        ref.logs.some((l) => /logout: /.test(l)),
        'the target logged no logout',
      );
    });
  });

  describe('who may reset the target (TargetReset, issue 12.2)', () => {
    it('an initiator not named is answered "Function authorization failed" (6) for TARGET WARM and COLD RESET and nothing is reset; one named resets (RFC 7143 11.6.1)', async () => {
      const ref = await startRef({ target: { targetReset: [INIT_B] } });
      try {
        const a = await open(ref, {}, sessions);
        const b = await open(ref, { initiatorName: INIT_B }, sessions);
        for (const fn of [TmfFunction.TARGET_WARM_RESET, TmfFunction.TARGET_COLD_RESET]) {
          const t = await a.taskManagement(fn, { lun: 0 });
          assert.equal(t.response, TmfResponse.FUNCTION_AUTHORIZATION_FAILED, `${fn}: ${t.responseName}`);
        }
        // Nothing was reset: no unit attention for either session, both connections open.
        for (const s of [a, b]) assert.equal((await s.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
        assert.ok(
          ref.logs.some((l) => /TARGET WARM RESET refused: .*init-a is not allowed to reset/.test(l)),
          'the refusal was not logged',
        );
        const t = await b.taskManagement(TmfFunction.TARGET_WARM_RESET, { lun: 0 });
        assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
        const ua = await a.command({ cdb: scsi.testUnitReady() });
        assert.equal(ua.sense?.key, scsi.SenseKey.UNIT_ATTENTION, 'the reset by the allowed initiator left no unit attention for the other');
      } finally {
        await ref.stop();
      }
    });

    it('TargetReset None: nobody may; the default lets every initiator reset', async () => {
      const none = await startRef({ target: { targetReset: 'none' } });
      try {
        const a = await open(none, {}, sessions);
        assert.equal((await a.taskManagement(TmfFunction.TARGET_WARM_RESET, { lun: 0 })).response, TmfResponse.FUNCTION_AUTHORIZATION_FAILED);
      } finally {
        await none.stop();
      }
      const dflt = await startRef();
      try {
        const a = await open(dflt, {}, sessions);
        assert.equal((await a.taskManagement(TmfFunction.TARGET_WARM_RESET, { lun: 0 })).response, TmfResponse.FUNCTION_COMPLETE);
      } finally {
        await dflt.stop();
      }
    });
  });

  describe('login status for a full target', () => {
    it('MaxSessions reached: out of resources 0x0302', async () => {
      const ref = await startRef({ server: { maxSessions: 1 } });
      try {
        const s = await open(ref, {}, sessions);
        await assert.rejects(Session.open(opts(ref, { initiatorName: INIT_B })), (e: unknown) => {
          const d = (e as IscsiError).details;
          assert.equal(hex4(((d['statusClass'] as number) << 8) | (d['statusDetail'] as number)), hex4(LoginStatus.OUT_OF_RESOURCES));
          return true;
        });
        // Reinstating the one session is not a new session.
        const again = await open(ref, { isid: s.login.isid }, sessions);
        assert.ok(await s.waitClosed(2000));
        await clearUa(again);
      } finally {
        await ref.stop();
      }
    });
  });
});
