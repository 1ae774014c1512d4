/**
 * The initiator checks the sequence numbers a target sends, from the first PDU after login on (issue 11,
 * part 3): StatSN (RFC 7143 4.2.2.2, and the PDUs that carry the next StatSN without using it: R2T
 * 11.8.3, NOP-In with ITT 0xffffffff 11.19.2; a Data-In's only with S), ExpCmdSN / MaxCmdSN (4.2.2.1),
 * DataSN and Buffer Offset of Data-In (11.7.5, 11.7.6), R2T order (13.19) and SenseLength (11.4.7.2).
 * A number out of sequence is an ISCSI_E_PROTOCOL error naming the field and both values; numbers the
 * RFC allows (a MaxCmdSN that does not move, an older ExpCmdSN, a Data-In's StatSN without S, a StatSN
 * repeated after an Asynchronous Message) pass. Fake targets script each case; the last part shows the
 * error as a test's FAIL when it happens inside any test (the reference target behind a proxy).
 */
import { strict as assert } from 'node:assert';
import { Session, SessionOptions } from '../../harness/initiator/index.js';
import { runTests } from '../../harness/runner.js';
import { Registry, defaultSuitesDir } from '../../harness/registry.js';
import { select } from '../../harness/select.js';
import { ErrorCode, IscsiError } from '../../protocol/errors.js';
import { AnyPdu, DataOut, NopOut, Opcode, RESERVED_TAG, ScsiCommand, snAdd } from '../../protocol/iscsi/index.js';
import * as scsi from '../../protocol/scsi/index.js';
import type { RunningTarget } from '../../reference-target/index.js';
import { Proxy } from '../harness/support/proxy.js';
import { configFor, REF_IQN, refTarget } from '../harness/support/targets.js';
import { FakeConn, FakeLoginOptions, FakeTarget } from '../support/fake-target.js';

const INITIATOR = 'iqn.2026-11.org.iscsi-test:sequence-initiator';
const TARGET = 'iqn.2026-11.org.iscsi-test:fake';
const R2T_ONLY = { keys: { InitialR2T: 'Yes', ImmediateData: 'No' } };

describe('initiator: sequence numbers the target sends are checked (RFC 7143 4.2.2, 11.7, 11.8)', function () {
  this.timeout(8000);
  let ft: FakeTarget | undefined;
  const sessions: Session[] = [];

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await ft?.close();
    ft = undefined;
  });

  /** Log in to a fake target running `after` once the login is done; `o.login` shapes the login. */
  async function open(after: (c: FakeConn) => Promise<void>, o: Partial<SessionOptions> = {}, login: FakeLoginOptions = {}): Promise<Session> {
    ft = await FakeTarget.start(async (c) => {
      await c.login(login);
      await after(c);
      await c.waitClosed(5000);
    });
    const s = await Session.open({
      host: '127.0.0.1',
      port: ft.port,
      initiatorName: INITIATOR,
      targetName: TARGET,
      timeoutMs: 3000,
      loginTimeoutMs: 3000,
      ...o,
    });
    sessions.push(s);
    return s;
  }

  /** `p` must reject with `code` and a message matching every pattern. */
  async function fails(p: Promise<unknown>, code: ErrorCode, patterns: RegExp[]): Promise<IscsiError> {
    const err = await p.then(
      () => assert.fail(`expected ${code}, but it succeeded`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof IscsiError, `expected an IscsiError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `code of: ${err.message}`);
    for (const re of patterns) assert.match(err.message, re);
    return err;
  }

  const tur = (s: Session) => s.command({ cdb: scsi.testUnitReady() });
  const read = (s: Session, n: number) => s.command({ cdb: scsi.read10({ lba: 0, blocks: Math.ceil(n / 512) }), dataIn: n });
  const write = (s: Session, n: number) => s.command({ cdb: scsi.write10({ lba: 0, blocks: Math.ceil(n / 512) }), dataOut: Buffer.alloc(n, 0x5a) });

  // ----------------------------------------------------------------------------------------------
  it('numbers the RFC allows pass, from the first PDU after login: next-StatSN PDUs, a Data-In StatSN without S, a MaxCmdSN that stays, an older ExpCmdSN, a StatSN repeated after an Asynchronous Message, a PDU a hook hid', async () => {
    let loginStatSN = 0;
    const s = await open(
      async (c) => {
        loginStatSN = c.statSN;
        // 1. An unsolicited NOP-In first: it carries the next StatSN and does not use it (11.19.2).
        const ping = await c.expect<NopOut>(Opcode.NOP_OUT);
        c.send(c.nopIn());
        c.send(c.nopIn({ itt: ping.itt }));
        // 2. A READ in two Data-In: the first without S carries a StatSN with no meaning (here junk).
        const rd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.dataIn(rd.itt, { data: Buffer.alloc(256, 1), statSN: 0xdeadbeef }));
        c.send(c.dataIn(rd.itt, { dataSN: 1, bufferOffset: 256, statusPresent: true, final: true, data: Buffer.alloc(256, 2) }));
        // 3. A WRITE: its R2T carries the next StatSN unused (11.8.3); MaxCmdSN stays where it was.
        const wr = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.r2t(wr.itt, { bufferOffset: 0, desiredDataTransferLength: 512 }));
        await c.expect<DataOut>(Opcode.DATA_OUT);
        c.autoWindow = false;
        c.send(c.scsiResponse(wr.itt));
        // 4. An older ExpCmdSN and MaxCmdSN than the last (ignored, 4.2.2.1), then an Asynchronous
        // Message whose StatSN the next response repeats.
        const t1 = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.nopIn({ expCmdSN: snAdd(c.expCmdSN, -1), maxCmdSN: snAdd(c.maxCmdSN, -1) }));
        const asyncSN = c.statSN;
        c.send(c.asyncMessage({ asyncEvent: 0, data: Buffer.alloc(0) }));
        // An R2T-like "next StatSN" PDU first (an unsolicited NOP-In), then the response: both repeat it.
        c.send(c.nopIn({ statSN: asyncSN }));
        c.send(c.scsiResponse(t1.itt, { statSN: asyncSN }));
        c.statSN = snAdd(asyncSN, 1);
        // 5. A ping the test sent by hand, whose answer a hook hides from the session.
        const raw = await c.expect<NopOut>(Opcode.NOP_OUT);
        c.send(c.nopIn({ itt: raw.itt }));
        const t2 = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.scsiResponse(t2.itt));
      },
      {},
      { statSN: 0xfffffffd },
    );
    assert.equal(s.expStatSN, snAdd(loginStatSN, 0), 'ExpStatSN after login is one past the final Login Response');
    await s.nop();
    const r = await read(s, 512);
    assert.equal(r.data.length, 512);
    assert.equal(
      (await s.command({ cdb: scsi.write10({ lba: 0, blocks: 1 }), dataOut: Buffer.alloc(512), useImmediateData: false, sendUnsolicited: false })).status,
      0,
    );
    await tur(s);
    let hidden = 0;
    s.hooks.onReceive = (p: AnyPdu) => {
      if (p.opcode === Opcode.NOP_IN && p.itt === 0x4242) return (hidden++, false);
      return undefined;
    };
    s.sendPdu({ opcode: Opcode.NOP_OUT, itt: 0x4242, ttt: RESERVED_TAG, lun: 0n, cmdSN: s.takeCmdSN(), expStatSN: s.expStatSN, data: Buffer.alloc(0) });
    await tur(s);
    assert.equal(hidden, 1);
    assert.ok(s.isOpen, `the session ended: ${s.closeReason?.message}`);
  });

  describe('a StatSN out of sequence → ISCSI_E_PROTOCOL naming StatSN and both values (4.2.2.2)', () => {
    it('skipped on the first response after login', async () => {
      let want = 0;
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        want = c.statSN;
        c.send(c.scsiResponse(cmd.itt, { statSN: want + 1 }));
      });
      const err = await fails(tur(s), 'ISCSI_E_PROTOCOL', [/SCSI Response/, /StatSN (\d+), expected (\d+)/, /4\.2\.2\.2/]);
      assert.deepEqual(err.details, { field: 'StatSN', received: want + 1, expected: want });
    });

    it('repeated by a second response', async () => {
      const s = await open(async (c) => {
        const p1 = await c.expect<NopOut>(Opcode.NOP_OUT);
        const again = c.statSN;
        c.send(c.nopIn({ itt: p1.itt }));
        const p2 = await c.expect<NopOut>(Opcode.NOP_OUT);
        c.send(c.nopIn({ itt: p2.itt, statSN: again }));
      });
      await s.nop();
      await fails(s.nop(), 'ISCSI_E_PROTOCOL', [/NOP-In/, /carries StatSN (\d+), expected (\d+)/]);
    });

    it('in the final Data-In (S bit)', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.dataIn(cmd.itt, { statusPresent: true, final: true, statSN: snAdd(c.statSN, 7), data: Buffer.alloc(512) }));
      });
      await fails(read(s, 512), 'ISCSI_E_PROTOCOL', [/Data-In/, /StatSN/]);
    });

    it('an R2T not carrying the next StatSN (11.8.3)', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.r2t(cmd.itt, { statSN: snAdd(c.statSN, -1) }));
      }, R2T_ONLY);
      await fails(write(s, 512), 'ISCSI_E_PROTOCOL', [/R2T/, /StatSN/, /next StatSN/]);
    });

    it('an unsolicited NOP-In not carrying the next StatSN ends the session with the error, though no request was waiting (11.19.2)', async () => {
      const s = await open(async (c) => {
        c.send(c.nopIn({ statSN: snAdd(c.statSN, 3) }));
      });
      const closed = await s.waitClosed(3000);
      assert.ok(closed && closed.code === 'ISCSI_E_PROTOCOL', `closed with ${closed?.code}: ${closed?.message}`);
      assert.match(closed.message, /NOP-In .*carries StatSN \d+, expected \d+/);
      await fails(tur(s), 'ISCSI_E_CLOSED', [/StatSN/]);
    });
  });

  describe('ExpCmdSN and MaxCmdSN (4.2.2.1)', () => {
    it('MaxCmdSN below ExpCmdSN - 1 → ISCSI_E_PROTOCOL naming MaxCmdSN and ExpCmdSN', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.scsiResponse(cmd.itt, { maxCmdSN: snAdd(c.expCmdSN, -3) }));
      });
      const err = await fails(tur(s), 'ISCSI_E_PROTOCOL', [/MaxCmdSN (\d+), less than ExpCmdSN (\d+) - 1/, /MUST NOT/]);
      assert.equal(err.details['field'], 'MaxCmdSN');
    });

    it('an ExpCmdSN acknowledging a command never sent (the first PDU after login answers an immediate ping) → ISCSI_E_PROTOCOL', async () => {
      let loginExp = 0;
      const s = await open(async (c) => {
        loginExp = c.expCmdSN;
        const ping = await c.expect<NopOut>(Opcode.NOP_OUT);
        c.send(c.nopIn({ itt: ping.itt, expCmdSN: snAdd(c.expCmdSN, 1), maxCmdSN: snAdd(c.expCmdSN, 10) }));
      });
      const err = await fails(s.nop(), 'ISCSI_E_PROTOCOL', [/ExpCmdSN (\d+), but the CmdSNs sent allow at most (\d+)/]);
      assert.deepEqual(err.details, { field: 'ExpCmdSN', received: snAdd(loginExp, 1), expected: loginExp });
    });

    it('a window that stays shut (MaxCmdSN = ExpCmdSN - 1) is no error: the command waits, then goes when it opens', async () => {
      const s = await open(
        async (c) => {
          await c.sleep(150);
          c.send(c.nopIn({ maxCmdSN: c.expCmdSN }));
          const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
          c.send(c.scsiResponse(cmd.itt, { maxCmdSN: snAdd(c.expCmdSN, 4) }));
        },
        {},
        { maxCmdSN: 0 },
      );
      assert.equal(s.windowOpen, false, 'the window should start shut');
      assert.equal((await tur(s)).status, 0);
    });
  });

  describe('data PDUs (11.7.5, 11.7.6, 13.19)', () => {
    it('the first Data-In after login numbered 1, not 0 → DataSN 1, expected 0', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.dataIn(cmd.itt, { dataSN: 1, data: Buffer.alloc(512) }));
      });
      const err = await fails(read(s, 1024), 'ISCSI_E_PROTOCOL', [/Data-In DataSN 1, expected 0/]);
      assert.equal(err.details['field'], 'DataSN');
    });

    it('the first Data-In starting past offset 0 → Buffer Offset 512, expected 0', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.dataIn(cmd.itt, { bufferOffset: 512, data: Buffer.alloc(512) }));
      });
      await fails(read(s, 1024), 'ISCSI_E_PROTOCOL', [/Buffer Offset 512, expected 0/]);
    });

    it('an R2T asking again for bytes an earlier R2T asked for → Buffer Offset named with the least allowed', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.r2t(cmd.itt, { ttt: 1, r2tSN: 0, bufferOffset: 0, desiredDataTransferLength: 1024 }));
        c.send(c.r2t(cmd.itt, { ttt: 2, r2tSN: 1, bufferOffset: 512, desiredDataTransferLength: 1024 }));
      }, R2T_ONLY);
      await fails(write(s, 2048), 'ISCSI_E_PROTOCOL', [/R2T \(R2TSN 1\) Buffer Offset 512, expected at least 1024/, /DataSequenceInOrder/]);
    });

    it('a SCSI Response data segment of 1 byte cannot hold SenseLength → ISCSI_E_PROTOCOL', async () => {
      const s = await open(async (c) => {
        const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        c.send(c.scsiResponse(cmd.itt, { status: 2, data: Buffer.from([0]) }));
      });
      await fails(tur(s), 'ISCSI_E_PROTOCOL', [/SCSI Response: .*1 byte cannot hold the 2-byte SenseLength/]);
    });
  });

  // ----------------------------------------------------------------------------------------------
  describe('inside a test of the harness, the error is that test’s FAIL naming the field (reference target behind a proxy)', function () {
    this.timeout(60_000);
    let target: RunningTarget;
    let proxy: Proxy;
    let reg: Registry;
    before(async () => {
      target = await refTarget({ standardLuns: true });
      proxy = await Proxy.start({ host: '127.0.0.1', port: target.port });
      reg = await Registry.load([defaultSuitesDir()]);
    });
    after(async () => {
      await proxy?.stop();
      await target?.stop();
    });

    const cases: { name: string; test: string; numbers: (n: { statSN: number; expCmdSN: number; maxCmdSN: number }) => void; message: RegExp }[] = [
      {
        name: 'StatSN one ahead',
        test: 'SCSI.Read10.Simple',
        numbers: (n) => void (n.statSN = snAdd(n.statSN, 1)),
        message: /READ\(10\).*Data-In .*carries StatSN (\d+), expected (\d+)/,
      },
      {
        name: 'MaxCmdSN below ExpCmdSN - 1',
        test: 'SCSI.Read10.Simple',
        numbers: (n) => void (n.maxCmdSN = snAdd(n.expCmdSN, -5)),
        message: /MaxCmdSN \d+, less than ExpCmdSN \d+ - 1/,
      },
      {
        name: 'ExpCmdSN past the commands sent',
        test: 'SCSI.Read10.Simple',
        numbers: (n) => void ((n.expCmdSN = snAdd(n.expCmdSN, 100)), (n.maxCmdSN = snAdd(n.maxCmdSN, 100))),
        message: /carries ExpCmdSN \d+, but the CmdSNs sent allow at most \d+/,
      },
    ];
    for (const c of cases) {
      it(`${c.name} in the answer to ${c.test}`, async () => {
        proxy.rules.length = 0;
        // READ (10): no command of the start-up probe, so the defect shows inside the test itself.
        proxy.rules.push({ match: (cdb) => cdb[0] === 0x28, numbers: c.numbers });
        const rep = await runTests({ plan: select(reg, { tests: [c.test] }), config: configFor(proxy.url(REF_IQN, 0), { defaultTimeout: 20 }), reporters: [] });
        const r = rep.results[0]!;
        assert.equal(r.verdict, 'fail', `verdict (message: ${r.message})`);
        assert.match(r.message ?? '', c.message);
      });
    }
    it('a target whose every response skips a StatSN (--quirk statsn-skip) is stopped at the start-up probe, naming StatSN', async () => {
      const skipping = await refTarget({ quirks: ['statsn-skip'] });
      try {
        const config = configFor(`iscsi://127.0.0.1:${skipping.port}/${REF_IQN}/0`, { defaultTimeout: 20 });
        const run = runTests({ plan: select(reg, { tests: ['SCSI.Read10.Simple'] }), config, reporters: [] });
        await assert.rejects(run, /start-up probe failed: .*carries StatSN (\d+), expected (\d+)/);
      } finally {
        await skipping.stop();
      }
    });

    it('and without the defect the same test passes', async () => {
      proxy.rules.length = 0;
      const rep = await runTests({
        plan: select(reg, { tests: ['SCSI.Read10.Simple'] }),
        config: configFor(proxy.url(REF_IQN, 0), { defaultTimeout: 20 }),
        reporters: [],
      });
      assert.equal(rep.results[0]!.verdict, 'pass', rep.results[0]!.message);
    });
  });
});
