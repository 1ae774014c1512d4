/**
 * The initiator against a target that misbehaves on purpose (issue 2, "Bad input"): malformed PDUs
 * during login and in full feature phase, a connection closed in the middle of a PDU, digests that do
 * not match, a data segment longer than we declared, silence, Reject, bad negotiation answers and an
 * unreachable port. Every case must end within its limit with a typed IscsiError whose code is stable
 * and whose message names what was wrong: never a hang, an unhandled exception or an unhandled rejection.
 */
import { strict as assert } from 'node:assert';
import { Session, SessionOptions } from '../../harness/initiator/index.js';
import { ErrorCode, IscsiError } from '../../protocol/errors.js';
import {
  encodeHeader,
  LoginRequest,
  LoginResponse,
  LogoutRequest,
  NopOut,
  Opcode,
  RejectReason,
  ScsiCommand,
  TaskMgmtRequest,
  TextRequest,
  TmfFunction,
} from '../../protocol/iscsi/index.js';
import * as scsi from '../../protocol/scsi/index.js';
import { FakeConn, FakeLoginOptions, FakeTarget, Script } from '../support/fake-target.js';
import { freePort } from '../support/proc.js';

const INITIATOR = 'iqn.2026-11.org.iscsi-test:bad-target-initiator';
const TARGET = 'iqn.2026-11.org.iscsi-test:fake';

describe('initiator against a misbehaving target (fake target)', function () {
  this.timeout(5000);
  let ft: FakeTarget | undefined;
  const sessions: Session[] = [];
  const stray: unknown[] = [];
  const onStray = (e: unknown) => stray.push(e);

  before(() => {
    process.on('unhandledRejection', onStray);
    process.on('uncaughtException', onStray);
  });
  after(() => {
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await ft?.close();
    ft = undefined;
    // Give a late rejection a turn of the event loop to show itself.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(stray.splice(0).map(String), [], 'unhandled rejection or exception');
  });

  const base = (o: Partial<SessionOptions> = {}): SessionOptions => ({
    host: '127.0.0.1',
    port: ft!.port,
    initiatorName: INITIATOR,
    targetName: TARGET,
    timeoutMs: 2000,
    loginTimeoutMs: 2000,
    ...o,
  });

  async function open(script: Script, o: Partial<SessionOptions> = {}): Promise<Session> {
    ft = await FakeTarget.start(script);
    const s = await Session.open(base(o));
    sessions.push(s);
    return s;
  }

  /** Await `p`, which must reject with `code` and a message matching every pattern, within `withinMs`. */
  async function fails(p: Promise<unknown>, code: ErrorCode, patterns: RegExp[], withinMs = 1500): Promise<{ err: IscsiError; ms: number }> {
    const t0 = Date.now();
    let err: unknown;
    try {
      await p;
    } catch (e) {
      err = e;
    }
    const ms = Date.now() - t0;
    assert.ok(err !== undefined, `expected ${code}, but it succeeded`);
    assert.ok(err instanceof IscsiError, `expected an IscsiError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `code of: ${err.message}`);
    for (const re of patterns) assert.match(err.message, re);
    assert.ok(ms <= withinMs, `took ${ms} ms, limit ${withinMs} ms`);
    return { err, ms };
  }

  /** Log in, take one SCSI Command, and hand it to `then`; keep the connection until the initiator leaves. */
  const afterCommand =
    (then: (c: FakeConn, cmd: ScsiCommand) => void | Promise<void>, login: FakeLoginOptions = {}): Script =>
    async (c) => {
      await c.login(login);
      const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
      await then(c, cmd);
      await c.waitClosed(3000);
    };

  const read = (s: Session, n: number) => s.command({ cdb: scsi.read10({ lba: 0, blocks: Math.ceil(n / 512) }), dataIn: n });

  // ----------------------------------------------------------------------------------------------
  describe('during login', () => {
    const loginScript =
      (answer: (c: FakeConn, req: LoginRequest) => void): Script =>
      async (c) => {
        const req = await c.expect<LoginRequest>(Opcode.LOGIN_REQUEST);
        answer(c, req);
        await c.waitClosed(3000);
      };
    const rsp = (c: FakeConn, req: LoginRequest, o: Partial<LoginResponse> = {}): LoginResponse => ({
      opcode: Opcode.LOGIN_RESPONSE,
      transit: true,
      continue: false,
      csg: req.csg,
      nsg: 1,
      versionMax: 0,
      versionActive: 0,
      isid: req.isid,
      tsih: 0,
      itt: req.itt,
      ...c.sn(),
      statusClass: 0,
      statusDetail: 0,
      data: Buffer.from('AuthMethod=None\0'),
      ...o,
    });

    it('a PDU other than a Login Response → ISCSI_E_PROTOCOL naming it', async () => {
      ft = await FakeTarget.start(loginScript((c) => c.send(c.nopIn())));
      await fails(Session.open(base()), 'ISCSI_E_PROTOCOL', [/during login/, /NOP-In/, /instead of a Login Response/]);
    });

    it('a Login Response with both T and C set → ISCSI_E_PROTOCOL (RFC 7143 11.13)', async () => {
      ft = await FakeTarget.start(loginScript((c, req) => c.send(rsp(c, req, { continue: true }))));
      await fails(Session.open(base()), 'ISCSI_E_PROTOCOL', [/both T and C/]);
    });

    it('a Login Response skipping the operational stage our request asked for (NSG 3 to our NSG 1) → ISCSI_E_PROTOCOL', async () => {
      ft = await FakeTarget.start(loginScript((c, req) => c.send(rsp(c, req, { nsg: 3, tsih: 7 }))));
      await fails(Session.open(base()), 'ISCSI_E_PROTOCOL', [/NSG 3 skips past the NSG 1/]);
    });

    it('a Login Response that does not echo our ISID → ISCSI_E_PROTOCOL naming both', async () => {
      let ours = 0;
      ft = await FakeTarget.start(
        loginScript((c, req) => {
          ours = req.isid;
          c.send(rsp(c, req, { isid: (req.isid ^ 0x01) >>> 0 }));
        }),
      );
      const { err } = await fails(Session.open(base()), 'ISCSI_E_PROTOCOL', [/ISID/, /does not echo/]);
      assert.match(err.message, new RegExp(ours.toString(16)));
    });

    it('status class 2 detail 1 (authentication failure) → ISCSI_E_AUTH', async () => {
      ft = await FakeTarget.start(
        loginScript((c, req) => c.send(rsp(c, req, { transit: false, nsg: 0, statusClass: 2, statusDetail: 1, data: Buffer.alloc(0) }))),
      );
      const { err } = await fails(Session.open(base()), 'ISCSI_E_AUTH', [/Authentication failure/, /class 0x02 detail 0x01/]);
      assert.deepEqual(err.details, { statusClass: 2, statusDetail: 1 });
    });

    it('status class 3 (target error) → ISCSI_E_LOGIN naming the status', async () => {
      ft = await FakeTarget.start(
        loginScript((c, req) => c.send(rsp(c, req, { transit: false, nsg: 0, statusClass: 3, statusDetail: 1, data: Buffer.alloc(0) }))),
      );
      await fails(Session.open(base()), 'ISCSI_E_LOGIN', [/Service unavailable/, /class 0x03 detail 0x01/]);
    });
  });

  // ----------------------------------------------------------------------------------------------
  describe('malformed PDUs in full feature phase → ISCSI_E_PROTOCOL', () => {
    it('a reserved target opcode (0x3c)', async () => {
      const s = await open(async (c) => {
        await c.login();
        await c.expect(Opcode.NOP_OUT);
        const bhs = Buffer.alloc(48);
        bhs[0] = 0x3c;
        bhs[1] = 0x80;
        c.sendRaw(bhs);
        await c.waitClosed();
      });
      await fails(s.nop(), 'ISCSI_E_PROTOCOL', [/opcode 0x3c/, /not a target opcode/]);
      assert.equal(s.isOpen, false);
    });

    it('a Data-In for a command that reads nothing (TEST UNIT READY)', async () => {
      const s = await open(afterCommand((c, cmd) => c.send(c.dataIn(cmd.itt, { data: Buffer.alloc(8, 1) }))));
      await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_PROTOCOL', [/TEST UNIT READY/, /Data-In/]);
    });

    it('a Data-In for a WRITE (R bit clear), within its Expected Data Transfer Length', async () => {
      const s = await open(afterCommand((c, cmd) => c.send(c.dataIn(cmd.itt, { data: Buffer.alloc(512, 7) }))));
      await fails(s.command({ cdb: scsi.write10({ lba: 0, blocks: 1 }), dataOut: Buffer.alloc(512) }), 'ISCSI_E_PROTOCOL', [
        /WRITE\(10\)/,
        /Data-In/,
        /R bit|not a read/i,
      ]);
    });

    it('a Data-In past the Expected Data Transfer Length', async () => {
      const s = await open(afterCommand((c, cmd) => c.send(c.dataIn(cmd.itt, { data: Buffer.alloc(1024, 2) }))));
      await fails(read(s, 512), 'ISCSI_E_PROTOCOL', [/past the Expected Data Transfer Length 512/, /1024/]);
    });

    it('a Data-In with the wrong DataSN', async () => {
      const s = await open(
        afterCommand((c, cmd) => {
          c.send(c.dataIn(cmd.itt, { data: Buffer.alloc(256, 1) }));
          c.send(c.dataIn(cmd.itt, { dataSN: 5, bufferOffset: 256, data: Buffer.alloc(256, 2) }));
        }),
      );
      await fails(read(s, 1024), 'ISCSI_E_PROTOCOL', [/DataSN 5, expected 1/]);
    });

    it('a Data-In leaving a gap in Buffer Offset', async () => {
      const s = await open(
        afterCommand((c, cmd) => {
          c.send(c.dataIn(cmd.itt, { data: Buffer.alloc(256, 1) }));
          c.send(c.dataIn(cmd.itt, { dataSN: 1, bufferOffset: 512, data: Buffer.alloc(256, 2) }));
        }),
      );
      await fails(read(s, 1024), 'ISCSI_E_PROTOCOL', [/Buffer Offset 512, expected 256/]);
    });

    it('a Data-In with the S bit but not the F bit', async () => {
      const s = await open(afterCommand((c, cmd) => c.send(c.dataIn(cmd.itt, { statusPresent: true, final: false, data: Buffer.alloc(512) }))));
      await fails(read(s, 512), 'ISCSI_E_PROTOCOL', [/S bit without the F bit/]);
    });

    it('a SCSI Response whose SenseLength is longer than its data', async () => {
      const sense = Buffer.alloc(2 + 18);
      sense.writeUInt16BE(32, 0);
      sense[2] = 0x70;
      const s = await open(afterCommand((c, cmd) => c.send(c.scsiResponse(cmd.itt, { status: 2, data: sense }))));
      await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_PROTOCOL', [/SenseLength 32 exceeds the 18 bytes/]);
    });

    it('an R2T for a READ', async () => {
      const s = await open(afterCommand((c, cmd) => c.send(c.r2t(cmd.itt, { desiredDataTransferLength: 512 }))));
      await fails(read(s, 512), 'ISCSI_E_PROTOCOL', [/R2T/, /no data to write/]);
    });

    const r2tOnly = { keys: { InitialR2T: 'Yes', ImmediateData: 'No', MaxBurstLength: '65536', FirstBurstLength: '65536' } };

    it('an R2T asking past the Expected Data Transfer Length', async () => {
      const s = await open(
        afterCommand((c, cmd) => c.send(c.r2t(cmd.itt, { bufferOffset: 512, desiredDataTransferLength: 1024 }))),
        r2tOnly,
      );
      await fails(s.command({ cdb: scsi.write10({ lba: 0, blocks: 2 }), dataOut: Buffer.alloc(1024) }), 'ISCSI_E_PROTOCOL', [
        /R2T asks for bytes 512\.\.1536/,
        /Expected Data Transfer Length 1024/,
      ]);
    });

    it('an R2T asking for more than MaxBurstLength', async () => {
      const s = await open(
        afterCommand((c, cmd) => c.send(c.r2t(cmd.itt, { desiredDataTransferLength: 131072 }))),
        r2tOnly,
      );
      assert.equal(s.params.maxBurstLength, 65536);
      await fails(s.command({ cdb: scsi.write10({ lba: 0, blocks: 512 }), dataOut: Buffer.alloc(262144) }), 'ISCSI_E_PROTOCOL', [
        /131072 bytes, more than MaxBurstLength 65536/,
      ]);
    });
  });

  // ----------------------------------------------------------------------------------------------
  describe('the target closes in the middle of a PDU → ISCSI_E_CLOSED', () => {
    it('after 20 bytes of a BHS', async () => {
      const s = await open(
        afterCommand((c, cmd) => {
          c.sendRaw(c.frame(c.scsiResponse(cmd.itt)).subarray(0, 20));
          c.end();
        }),
      );
      await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_CLOSED', [/inside a PDU header/, /20 bytes/]);
    });

    for (const [size, cut] of [
      [2048, 48 + 1000],
      [16384, 48 + 6000],
    ] as const) {
      it(`inside the data segment of a ${size}-byte Data-In${size >= 4096 ? ' (placed straight into the task buffer)' : ''}`, async () => {
        const s = await open(
          afterCommand((c, cmd) => {
            c.sendRaw(c.frame(c.dataIn(cmd.itt, { data: Buffer.alloc(size, 3) })).subarray(0, cut));
            c.end();
          }),
        );
        await fails(read(s, size), 'ISCSI_E_CLOSED', [/inside a SCSI Data-In PDU/, new RegExp(`${cut} bytes`)]);
      });
    }
  });

  // ----------------------------------------------------------------------------------------------
  describe('digests → ISCSI_E_DIGEST', () => {
    const digests: Partial<SessionOptions> = { headerDigest: 'CRC32C', dataDigest: 'CRC32C' };
    const login: FakeLoginOptions = { headerDigest: 'CRC32C', dataDigest: 'CRC32C' };

    it('a header digest that does not match', async () => {
      const s = await open(
        afterCommand((c, cmd) => c.send(c.scsiResponse(cmd.itt), { badHeaderDigest: true }), login),
        digests,
      );
      assert.equal(s.params.headerDigest, true);
      await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_DIGEST', [/header digest mismatch on SCSI Response/]);
    });

    for (const size of [1000, 16384]) {
      it(`a data digest that does not match on a ${size}-byte Data-In`, async () => {
        const s = await open(
          afterCommand((c, cmd) => c.send(c.dataIn(cmd.itt, { statusPresent: true, data: Buffer.alloc(size, 9) }), { badDataDigest: true }), login),
          digests,
        );
        await fails(read(s, size), 'ISCSI_E_DIGEST', [/data digest mismatch on SCSI Data-In/]);
      });
    }
  });

  // ----------------------------------------------------------------------------------------------
  describe('a data segment longer than the MaxRecvDataSegmentLength we declared → ISCSI_E_PROTOCOL', () => {
    for (const declared of [262144, 4096]) {
      it(`declared ${declared}: refused from the header alone, before any data arrives`, async () => {
        const s = await open(
          afterCommand((c, cmd) => {
            // Only the header: the initiator must refuse it without waiting for the data.
            const h = encodeHeader(c.dataIn(cmd.itt, { data: Buffer.alloc(0) }), declared + 4);
            c.sendRaw(h);
          }),
          declared === 262144 ? {} : { keys: { MaxRecvDataSegmentLength: String(declared) } },
        );
        assert.equal(s.params.maxRecvDataSegmentLength, declared);
        await fails(
          read(s, 2 * declared),
          'ISCSI_E_PROTOCOL',
          [new RegExp(`DataSegmentLength ${declared + 4} exceeds MaxRecvDataSegmentLength ${declared}`)],
          1000,
        );
      });
    }
  });

  // ----------------------------------------------------------------------------------------------
  describe('a target that never answers → ISCSI_E_TIMEOUT within the limit', () => {
    const LIMIT = 300;
    const SLACK = 250;
    const silent: Script = async (c) => {
      await c.login();
      await c.waitClosed(4000);
    };
    const inTime = (ms: number) => assert.ok(ms >= LIMIT - 5 && ms <= LIMIT + SLACK, `timed out after ${ms} ms for a limit of ${LIMIT} ms`);

    it('the login', async () => {
      ft = await FakeTarget.start(async (c) => {
        await c.expect(Opcode.LOGIN_REQUEST);
        await c.waitClosed(4000);
      });
      const { ms } = await fails(Session.open(base({ loginTimeoutMs: LIMIT })), 'ISCSI_E_TIMEOUT', [/login/, new RegExp(`${LIMIT} ms`)]);
      inTime(ms);
      // The initiator closed the connection it gave up on.
      assert.equal(await ft.conns[0]!.waitClosed(1000), true);
    });

    it('a SCSI command', async () => {
      const s = await open(silent);
      const { ms } = await fails(s.command({ cdb: scsi.testUnitReady(), timeoutMs: LIMIT }), 'ISCSI_E_TIMEOUT', [
        /TEST UNIT READY/,
        /no response/,
        new RegExp(`${LIMIT} ms`),
      ]);
      inTime(ms);
    });

    it('a NOP-Out ping', async () => {
      const s = await open(silent);
      const { ms } = await fails(s.nop({ timeoutMs: LIMIT }), 'ISCSI_E_TIMEOUT', [/NOP-Out/, new RegExp(`${LIMIT} ms`)]);
      inTime(ms);
    });

    it('a task management request', async () => {
      const s = await open(silent);
      const { ms } = await fails(s.taskManagement(TmfFunction.LOGICAL_UNIT_RESET, { timeoutMs: LIMIT }), 'ISCSI_E_TIMEOUT', [
        /LOGICAL UNIT RESET/,
        new RegExp(`${LIMIT} ms`),
      ]);
      inTime(ms);
    });

    it('a logout', async () => {
      let got: LogoutRequest | undefined;
      const s = await open(async (c) => {
        await c.login();
        got = await c.expect<LogoutRequest>(Opcode.LOGOUT_REQUEST);
        await c.waitClosed(4000);
      });
      const { ms } = await fails(s.logout(0, LIMIT), 'ISCSI_E_TIMEOUT', [/Logout/, new RegExp(`${LIMIT} ms`)]);
      inTime(ms);
      assert.ok(got, 'the Logout Request reached the target');
    });
  });

  it('Data-In, R2T and status arriving for a command that already timed out are set aside; the session goes on', async () => {
    const s = await open(
      async (c) => {
        await c.login();
        const rd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        const wr = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
        await c.sleep(350);
        c.send(c.dataIn(rd.itt, { data: Buffer.alloc(512, 1) }));
        c.send(c.dataIn(rd.itt, { dataSN: 1, bufferOffset: 512, data: Buffer.alloc(512, 2), statusPresent: true }));
        c.send(c.r2t(wr.itt, { desiredDataTransferLength: 512 }));
        c.send(c.scsiResponse(wr.itt));
        const nop = await c.expect<NopOut>(Opcode.NOP_OUT);
        c.send(c.nopIn({ itt: nop.itt }));
        await c.waitClosed();
      },
      { keys: { InitialR2T: 'Yes', ImmediateData: 'No' } },
    );
    const strays: number[] = [];
    s.on('stray', (p: { opcode: number }) => strays.push(p.opcode));
    await Promise.all([
      fails(s.command({ cdb: scsi.read10({ lba: 0, blocks: 2 }), dataIn: 1024, timeoutMs: 200 }), 'ISCSI_E_TIMEOUT', [/READ\(10\)/]),
      fails(s.command({ cdb: scsi.write10({ lba: 0, blocks: 1 }), dataOut: Buffer.alloc(512), timeoutMs: 200 }), 'ISCSI_E_TIMEOUT', [/WRITE\(10\)/]),
    ]);
    await s.nop({ timeoutMs: 1000 });
    assert.equal(s.isOpen, true);
    assert.deepEqual(strays, [Opcode.DATA_IN, Opcode.DATA_IN, Opcode.R2T, Opcode.SCSI_RESPONSE]);
  });

  // ----------------------------------------------------------------------------------------------
  it('a Reject naming our command fails that command with ISCSI_E_REJECT; the session goes on', async () => {
    const s = await open(async (c) => {
      await c.login();
      const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
      c.send(c.reject(encodeHeader(cmd), RejectReason.COMMAND_NOT_SUPPORTED));
      const nop = await c.expect<NopOut>(Opcode.NOP_OUT);
      c.send(c.nopIn({ itt: nop.itt }));
      await c.waitClosed();
    });
    await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_REJECT', [/TEST UNIT READY/, /rejected/, /Command not supported/]);
    await s.nop({ timeoutMs: 1000 });
    assert.equal(s.rejects.length, 1);
  });

  it('a Reject of a command the target did not count (its ExpCmdSN still names it): the gap is plugged with ABORT TASK naming that CmdSN (RFC 7143 11.17.1, 11.5.1)', async () => {
    let tmf: TaskMgmtRequest | undefined;
    let rejected: ScsiCommand | undefined;
    const s = await open(async (c) => {
      await c.login();
      const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
      rejected = cmd;
      c.expCmdSN = cmd.cmdSN; // not considered received
      c.send(c.reject(encodeHeader(cmd), RejectReason.PROTOCOL_ERROR));
      tmf = await c.expect<TaskMgmtRequest>(Opcode.TASK_MGMT_REQUEST);
      c.expCmdSN = (cmd.cmdSN + 1) >>> 0;
      c.send(c.tmfResponse(tmf.itt, 0));
      const nop = await c.expect<NopOut>(Opcode.NOP_OUT);
      c.send(c.nopIn({ itt: nop.itt }));
      await c.waitClosed();
    });
    await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_REJECT', [/TEST UNIT READY/, /Protocol error/]);
    await s.nop({ timeoutMs: 1000 });
    assert.ok(tmf && rejected);
    assert.equal(tmf.function, TmfFunction.ABORT_TASK);
    assert.equal(tmf.refCmdSN, rejected.cmdSN);
    assert.equal(tmf.referencedTaskTag, rejected.itt);
    assert.equal(s.plugs, 1);
  });

  it('a Text Response with both F and C set → ISCSI_E_PROTOCOL (RFC 7143 11.11.2)', async () => {
    const s = await open(async (c) => {
      await c.login();
      const req = await c.expect<TextRequest>(Opcode.TEXT_REQUEST);
      c.send(c.textResponse(req.itt, { final: true, continue: true, data: Buffer.from('TargetName=iqn.x\0') }));
      await c.waitClosed();
    });
    await fails(s.sendTargets(), 'ISCSI_E_PROTOCOL', [/both F and C/, /11\.11\.2/]);
  });

  it('a final Text Response carrying a TTT → ISCSI_E_PROTOCOL (RFC 7143 11.11.1)', async () => {
    const s = await open(async (c) => {
      await c.login();
      const req = await c.expect<TextRequest>(Opcode.TEXT_REQUEST);
      c.send(c.textResponse(req.itt, { ttt: 5, data: Buffer.from('TargetName=iqn.x\0') }));
      await c.waitClosed();
    });
    await fails(s.sendTargets(), 'ISCSI_E_PROTOCOL', [/TTT 0x5/, /11\.11\.1/]);
  });

  it('ABORT TASK of a command held back by a closed CmdSN window ends it in the initiator, sending nothing (it has no CmdSN yet)', async () => {
    let seen = 0;
    const s = await open(async (c) => {
      await c.login({ maxCmdSN: 0 }); // ExpCmdSN 1, MaxCmdSN 0: the window is closed
      const nop = await c.expect<NopOut>(Opcode.NOP_OUT); // an immediate ping still goes
      seen = c.received.length;
      c.send(c.nopIn({ itt: nop.itt }));
      await c.waitClosed();
    });
    const cmd = s.command({ cdb: scsi.testUnitReady() });
    const caught = cmd.catch((e: unknown) => e);
    const itt = s.outstandingItts()[0]!;
    const r = await s.abortTask(itt);
    assert.equal(r.local, true);
    assert.equal(r.response, 0);
    const e = (await caught) as IscsiError;
    assert.equal(e.code, 'ISCSI_E_ABORTED');
    assert.match(e.message, /before it was sent/);
    await s.nop({ immediate: true, timeoutMs: 1000 });
    assert.ok(seen > 0);
  });

  it('an Asynchronous Message asking for logout (AsyncEvent 1): new commands are refused, the one in flight ends, then the initiator logs out within Parameter3 seconds', async () => {
    let logout: LogoutRequest | undefined;
    let sentAt = 0;
    let loggedOutAfter = 0;
    const s = await open(async (c) => {
      await c.login();
      const cmd = await c.expect<ScsiCommand>(Opcode.SCSI_COMMAND);
      sentAt = Date.now();
      c.send(c.asyncMessage({ asyncEvent: 1, parameter3: 2 }));
      await c.sleep(200);
      c.send(c.scsiResponse(cmd.itt));
      logout = await c.expect<LogoutRequest>(Opcode.LOGOUT_REQUEST, 3000);
      loggedOutAfter = Date.now() - sentAt;
      c.send(c.logoutResponse(logout));
      await c.waitClosed();
    });
    const first = s.command({ cdb: scsi.testUnitReady() });
    await new Promise<void>((r) => s.once('async', () => r()));
    await fails(s.command({ cdb: scsi.testUnitReady() }), 'ISCSI_E_CLOSED', [/asked for logout/, /AsyncEvent 1/], 100);
    await first;
    await new Promise<void>((r) => s.once('logged-out', () => r()));
    assert.ok(logout);
    assert.equal(logout.reason, 0);
    assert.ok(loggedOutAfter < 2000, `logout came ${loggedOutAfter} ms after the request`);
    assert.equal(s.isOpen, false);
  });

  // ----------------------------------------------------------------------------------------------
  describe('negotiation answers that break RFC 7143 → ISCSI_E_NEGOTIATION', () => {
    const refused = async (login: FakeLoginOptions, patterns: RegExp[]) => {
      ft = await FakeTarget.start(async (c) => {
        await c.login(login).catch(() => undefined);
        await c.waitClosed();
      });
      await fails(Session.open(base()), 'ISCSI_E_NEGOTIATION', patterns);
    };

    it('a list key answered with a value we did not offer (HeaderDigest=CRC32C to our None)', () =>
      refused({ answers: { HeaderDigest: 'CRC32C' } }, [/HeaderDigest=CRC32C/, /not one of the offered values None/]));

    it('a numeric key breaking its result function (MaxBurstLength above our offer, min())', () =>
      refused({ answers: { MaxBurstLength: '16777215' } }, [/MaxBurstLength=16777215/, /min\(\)/, /16776192/]));

    it('a boolean key breaking its result function (ImmediateData=Yes to our No, AND)', async () => {
      ft = await FakeTarget.start(async (c) => {
        await c.login({ answers: { ImmediateData: 'Yes' } }).catch(() => undefined);
        await c.waitClosed();
      });
      await fails(Session.open(base({ keys: { ImmediateData: 'No' } })), 'ISCSI_E_NEGOTIATION', [/ImmediateData=Yes/, /AND/]);
    });

    it('the target offering Reject as a value', () => refused({ extraPairs: [['TaskReporting', 'Reject']] }, [/TaskReporting=Reject/, /offered as a value/]));
  });

  // ----------------------------------------------------------------------------------------------
  it('an unreachable port → ISCSI_E_CONNECT quickly', async () => {
    const port = await freePort();
    const { ms } = await fails(
      Session.open({ host: '127.0.0.1', port, initiatorName: INITIATOR, targetName: TARGET, connectTimeoutMs: 2000 }),
      'ISCSI_E_CONNECT',
      [new RegExp(`127\\.0\\.0\\.1:${port}`), /ECONNREFUSED/],
      500,
    );
    assert.ok(ms < 500);
  });

  it('a TMF request answered by a Reject fails with ISCSI_E_REJECT', async () => {
    const s = await open(async (c) => {
      await c.login();
      const tmf = await c.expect<TaskMgmtRequest>(Opcode.TASK_MGMT_REQUEST);
      c.send(c.reject(encodeHeader(tmf), RejectReason.INVALID_PDU_FIELD));
      await c.waitClosed();
    });
    await fails(s.taskManagement(TmfFunction.ABORT_TASK_SET), 'ISCSI_E_REJECT', [/ABORT TASK SET/, /Invalid PDU field/]);
  });
});
