/**
 * The reference target under bad input (issue 3, "Bad input"): each case sends what an initiator must
 * not, with the embedded initiator's raw hooks or a bare connection, and checks that the answer is the
 * one RFC 7143 prescribes (a login status class and detail, a Reject with its reason, NotUnderstood,
 * silence, a dropped connection), that the target logged what it refused, and that session A, logged
 * in before any of it, still works and still reads back the pattern it wrote.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from '../../../harness/initiator/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import {
  AnyPdu,
  DataIn,
  DataOut,
  decodeText,
  encodeText,
  framePdu,
  KeyValue,
  LoginRequest,
  LoginStatus,
  NopOut,
  Opcode,
  Reject,
  RejectReason,
  RESERVED_TAG,
  ScsiCommand,
  ScsiResponse,
  SnackRequest,
  snAdd,
  TaskAttr,
  TmfFunction,
  TmfResponse,
} from '../../../protocol/iscsi/index.js';
import { freePort, start, Started, stop, waitForPort } from '../../support/proc.js';
import {
  Bare,
  BLOCK,
  clearUa,
  hex4,
  INIT_A,
  INIT_B,
  IQN,
  isReject,
  keyOf,
  mark,
  maybe,
  open,
  opts,
  pattern,
  read,
  Ref,
  scsi,
  sleep,
  startRef,
  status,
  waitLog,
  write,
} from './helpers.js';

const CHAP_IQN = 'iqn.2026-11.org.iscsi-test:chap';
const CHAP1_IQN = 'iqn.2026-11.org.iscsi-test:chap-one-way';
const ACL_IQN = 'iqn.2026-11.org.iscsi-test:acl';
const USER = { user: 'alice', secret: 'alice-secret-0123' };
const TUSER = { user: 'target', secret: 'target-secret-4567' };

/** Session A's pattern: LBAs 0..63 and 2048..2055. */
const A_LBA = [0, 2048] as const;
const A_DATA = [pattern(1, 64 * BLOCK), pattern(2, 8 * BLOCK)] as const;

describe('reference target: bad input', function () {
  this.timeout(15_000);
  let ref: Ref;
  let a: Session;
  const extra: Session[] = [];
  const bares: Bare[] = [];

  before(async () => {
    ref = await startRef({
      targets: [
        {
          iqn: IQN,
          luns: [
            { lun: 0, backing: 'memory', size: 16 << 20 },
            { lun: 1, backing: 'memory', size: 1 << 20 },
          ],
        },
        { iqn: CHAP_IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], chap: USER, mutualChap: TUSER },
        { iqn: CHAP1_IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], chap: USER },
        { iqn: ACL_IQN, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }], allowInitiators: [INIT_B] },
      ],
      // The CHAP cases fail authentication on purpose many times in a row: no growing delay for them
      // (the delay has its own test, auth-throttle.test.ts).
      server: { loginTimeout: 1, authFailureDelay: false },
    });
    a = await open(ref, { initiatorName: INIT_A });
    for (let i = 0; i < A_LBA.length; i++) await write(a, A_LBA[i]!, A_DATA[i]!);
  });

  beforeEach(() => {
    if (ref) mark(ref);
  });

  afterEach(async function () {
    for (const s of extra.splice(0)) s.destroy();
    for (const b of bares.splice(0)) b.destroy();
    if (!ref) return;
    // Session A carries on, and its data is intact, whatever the test did on other connections.
    assert.ok(a.isOpen, `session A was closed: ${a.closeReason?.message}`);
    for (let i = 0; i < A_LBA.length; i++) {
      const got = await read(a, A_LBA[i]!, A_DATA[i]!.length / BLOCK);
      assert.ok(got.equals(A_DATA[i]!), `session A's pattern at LBA ${A_LBA[i]} changed after "${this.currentTest?.title}"`);
    }
  });

  after(async () => {
    a?.destroy();
    await ref?.stop();
  });

  const bare = async () => {
    const b = await Bare.connect(ref);
    bares.push(b);
    return b;
  };
  const first = (name = INIT_B, target = IQN): KeyValue[] => [
    ['InitiatorName', name],
    ['TargetName', target],
    ['SessionType', 'Normal'],
    ['AuthMethod', 'None'],
  ];

  /** A login refused with `want` (class << 8 | detail), then the connection closed; the refusal logged. */
  async function refused(b: Bare, want: number, logRe: RegExp): Promise<void> {
    const r = await b.response();
    assert.equal(hex4(status(r)), hex4(want), `Login Response status: expected ${hex4(want)}, got ${hex4(status(r))} (${r.data?.toString() ?? ''})`);
    assert.ok(await b.closed(2000), 'the target did not close the connection after refusing the login (RFC 7143 11.13.5)');
    await waitLog(ref, logRe);
  }

  /** A Session.open that must fail with a login status. */
  async function loginFails(o: Parameters<typeof opts>[1], want: number, logRe: RegExp, hooks: Parameters<typeof Session.open>[1] = {}): Promise<void> {
    await assert.rejects(Session.open(opts(ref, o), hooks), (e: unknown) => {
      assert.ok(e instanceof IscsiError, String(e));
      const got = ((e.details['statusClass'] as number) << 8) | (e.details['statusDetail'] as number);
      assert.equal(hex4(got), hex4(want), `expected login status ${hex4(want)}: ${e.message}`);
      return true;
    });
    await waitLog(ref, logRe);
  }

  // ------------------------------------------------------------------------------------------
  describe('login', () => {
    it('a PDU other than a Login Request first: the connection is dropped without an answer (RFC 7143 6.3)', async () => {
      const b = await bare();
      const nop: NopOut = { opcode: Opcode.NOP_OUT, immediate: true, lun: 0n, itt: 1, ttt: RESERVED_TAG, cmdSN: 1, expStatSN: 0 };
      b.c.send(nop);
      assert.equal(await b.next(2000), undefined, 'the target answered a NOP-Out sent before login');
      assert.ok(b.c.closed);
      await waitLog(ref, /NOP-Out before login: dropping the connection/);
    });

    it('NSG 2 (reserved): initiator error 0x0200, then close (RFC 7143 11.12.3)', async () => {
      const b = await bare();
      b.login(first(), { transit: true, nsg: 2 });
      await refused(b, LoginStatus.INITIATOR_ERROR, /login refused .*invalid stage transition CSG 0 -> NSG 2/);
    });

    it('T and C both set: initiator error 0x0200 (RFC 7143 11.12.2)', async () => {
      const b = await bare();
      b.login(first(), { transit: true, continue: true });
      await refused(b, LoginStatus.INITIATOR_ERROR, /login refused .*both T and C/);
    });

    it('CSG 3: initiator error 0x0200 (RFC 7143 11.12.3)', async () => {
      const b = await bare();
      b.login(first(), { csg: 3, transit: false, nsg: 0 });
      await refused(b, LoginStatus.INITIATOR_ERROR, /login refused .*CSG 3/);
    });

    it('Version-min 1: unsupported version 0x0205 (RFC 7143 11.12.4)', async () => {
      const b = await bare();
      b.login(first(), { versionMin: 1, versionMax: 1 });
      await refused(b, LoginStatus.UNSUPPORTED_VERSION, /login refused .*Version-min 1/);
    });

    it('no InitiatorName: missing parameter 0x0207 (RFC 7143 13.5)', async () => {
      const b = await bare();
      b.login(first().filter(([k]) => k !== 'InitiatorName'));
      await refused(b, LoginStatus.MISSING_PARAMETER, /login refused .*no InitiatorName/);
    });

    it('an unknown TargetName: not found 0x0203 (RFC 7143 11.13.5)', async () => {
      const b = await bare();
      b.login(first(INIT_B, 'iqn.2026-11.org.iscsi-test:nobody'));
      await refused(b, LoginStatus.NOT_FOUND, /login refused .*no target named iqn.2026-11.org.iscsi-test:nobody/);
    });

    it('an initiator not in the ACL: authorization failure 0x0202', async () => {
      await loginFails({ initiatorName: INIT_A, targetName: ACL_IQN }, LoginStatus.AUTHORIZATION_FAILURE, /login refused .*not in the ACL/);
      // The one the ACL names gets in.
      const ok = await Session.open(opts(ref, { initiatorName: INIT_B, targetName: ACL_IQN }));
      extra.push(ok);
    });

    describe('CHAP (RFC 7143 12.1.3): every failure is authentication failure 0x0201', () => {
      it('a wrong secret', async () => {
        await loginFails(
          { targetName: CHAP1_IQN, chap: { user: USER.user, secret: 'not-the-secret-1' } },
          LoginStatus.AUTHENTICATION_FAILURE,
          /CHAP: wrong response for user alice/,
        );
      });
      it('an unknown user', async () => {
        await loginFails(
          { targetName: CHAP1_IQN, chap: { user: 'mallory', secret: USER.secret } },
          LoginStatus.AUTHENTICATION_FAILURE,
          /CHAP: unknown user mallory/,
        );
      });
      it('CHAP_A without 5 (MD5)', async () => {
        await loginFails(
          { targetName: CHAP1_IQN, chap: USER, chapAlgorithms: [6, 7] },
          LoginStatus.AUTHENTICATION_FAILURE,
          /CHAP_A=6,7: MD5 \(5\) not offered/,
        );
      });
      it('CHAP_A=56 (not 5, though it starts with 5)', async () => {
        await loginFails({ targetName: CHAP1_IQN, chap: USER, chapAlgorithms: [56] }, LoginStatus.AUTHENTICATION_FAILURE, /CHAP_A=56: MD5 \(5\) not offered/);
      });
      it('an empty CHAP_A', async () => {
        await loginFails({ targetName: CHAP1_IQN, chap: USER, chapAlgorithms: [] }, LoginStatus.AUTHENTICATION_FAILURE, /CHAP_A=: MD5 \(5\) not offered/);
      });
      for (const [name, spoil] of [
        ['junk before the 0b prefix', (v: string) => 'zz' + v],
        ['junk between 0b and the base64 digits', (v: string) => '0b!!' + v.slice(2)],
        ['junk after the base64 digits', (v: string) => v + '@@'],
      ] as const) {
        it(`a base64 CHAP_R with ${name}`, async () => {
          await loginFails(
            { targetName: CHAP1_IQN, chap: USER, chapEncoding: 'base64' },
            LoginStatus.AUTHENTICATION_FAILURE,
            /CHAP: wrong response for user alice/,
            {
              beforeSend: (p) => editKeys(p, (k, v) => (k === 'CHAP_R' ? spoil(v) : v)),
            },
          );
        });
      }
      it('mutual CHAP asked of a target with no OutgoingUser', async () => {
        await loginFails(
          { targetName: CHAP1_IQN, chap: USER, targetChap: TUSER },
          LoginStatus.AUTHENTICATION_FAILURE,
          /mutual CHAP asked for but this target has no OutgoingUser/,
        );
      });
      it("the initiator reflecting the target's own CHAP_C", async () => {
        let theirs: string | undefined;
        await loginFails({ targetName: CHAP_IQN, chap: USER, targetChap: TUSER }, LoginStatus.AUTHENTICATION_FAILURE, /sent back our own challenge/, {
          onReceive: (p) => {
            if (p.opcode === Opcode.LOGIN_RESPONSE) theirs = keyOf(p, 'CHAP_C') ?? theirs;
          },
          beforeSend: (p) => editKeys(p, (k, v) => (k === 'CHAP_C' && theirs ? theirs : v)),
        });
      });
      it('the right secret, one-way and mutual, logs in', async () => {
        extra.push(await Session.open(opts(ref, { targetName: CHAP1_IQN, chap: USER })));
        extra.push(await Session.open(opts(ref, { targetName: CHAP_IQN, chap: USER, targetChap: TUSER, chapEncoding: 'base64' })));
      });
    });

    it('an unknown key: answered NotUnderstood and the login succeeds (RFC 7143 6.2)', async () => {
      const answers: KeyValue[] = [];
      // The initiator's extraKeys are not tracked as offers, so its negotiator would take the answer for
      // a new key and echo it: the answer is recorded and taken out before the initiator sees it.
      const s = await Session.open(opts(ref, { initiatorName: INIT_B, extraKeys: [['FooBarUnknownKey', 'whatever']] }), {
        onReceive: (p) => {
          if (p.opcode !== Opcode.LOGIN_RESPONSE || !p.data?.length) return;
          const pairs = decodeText(p.data);
          answers.push(...pairs);
          p.data = encodeText(pairs.filter(([k]) => k !== 'FooBarUnknownKey'));
        },
      });
      extra.push(s);
      assert.deepEqual(
        answers.filter(([k]) => k === 'FooBarUnknownKey'),
        [['FooBarUnknownKey', 'NotUnderstood']],
      );
    });

    it('a key sent twice: initiator error 0x0200 (RFC 7143 6.2)', async () => {
      const b = await bare();
      b.login([...first(), ['SessionType', 'Normal']]);
      await refused(b, LoginStatus.INITIATOR_ERROR, /login refused .*SessionType=Normal: SessionType sent more than once/);
    });

    it('a key with an out-of-range value: answered Reject (RFC 7143 6.2.1)', async () => {
      const b = await bare();
      b.login([...first().filter(([k]) => k !== 'AuthMethod'), ['MaxBurstLength', '100'], ['ErrorRecoveryLevel', '9']], { csg: 1, nsg: 3 });
      const r = await b.response();
      assert.equal(hex4(status(r)), hex4(LoginStatus.SUCCESS), r.data?.toString());
      assert.equal(keyOf(r, 'MaxBurstLength'), 'Reject');
      assert.equal(keyOf(r, 'ErrorRecoveryLevel'), 'Reject');
      await waitLog(ref, /MaxBurstLength=100: MaxBurstLength=100 is not a number in 512\.\./);
    });

    it('CHAP keys in the operational stage: initiator error 0x0200 (RFC 7143 6.3.3)', async () => {
      const b = await bare();
      b.login([...first().filter(([k]) => k !== 'AuthMethod'), ['CHAP_A', '5']], { csg: 1, nsg: 3 });
      await refused(b, LoginStatus.INITIATOR_ERROR, /login refused .*CHAP_A=5: CHAP_A sent outside the security negotiation stage/);
    });

    it('the TSIH of a session that does not exist: 0x020a (RFC 7143 11.13.5)', async () => {
      const b = await bare();
      b.login(first(), { tsih: 0x4242 });
      await refused(b, LoginStatus.SESSION_DOES_NOT_EXIST, /login refused .*no session with TSIH 16962/);
    });

    it('a second connection to a live session at MaxConnections=1: too many connections 0x0206', async () => {
      const b = await bare();
      b.login(first(INIT_A), { isid: a.login.isid, tsih: a.login.tsih, cid: 1 });
      await refused(b, LoginStatus.TOO_MANY_CONNECTIONS, /login refused .*already has its one connection/);
    });

    it('a login that never finishes is dropped after LoginTimeout (1 s here)', async () => {
      const b = await bare();
      // The security stage, left unfinished: T=0 and nothing more.
      b.login(first(), { transit: false, nsg: 0 });
      const r = await b.response();
      assert.equal(status(r), 0);
      const t0 = Date.now();
      assert.ok(await b.closed(3000), 'still connected 3 s after a LoginTimeout of 1 s');
      assert.ok(Date.now() - t0 > 500, 'dropped far earlier than the login timeout');
      await waitLog(ref, /login not completed within 1 s/);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('full feature phase', () => {
    const openB = async (o: Parameters<typeof opts>[1] = {}) => open(ref, { initiatorName: INIT_B, ...o }, extra);

    /** A SCSI Command PDU built by hand; CmdSN taken from the session unless given. */
    function cmd(
      s: Session,
      o: {
        cdb: Buffer;
        itt?: number;
        cmdSN?: number;
        edtl?: number;
        read?: boolean;
        write?: boolean;
        final?: boolean;
        data?: Buffer;
        immediate?: boolean;
        lun?: bigint;
      },
    ): ScsiCommand {
      const cdb = Buffer.alloc(16);
      o.cdb.copy(cdb);
      return {
        opcode: Opcode.SCSI_COMMAND,
        final: o.final ?? true,
        read: !!o.read,
        write: !!o.write,
        attr: TaskAttr.SIMPLE,
        lun: o.lun ?? 0n,
        itt: o.itt ?? s.allocItt(),
        expectedDataTransferLength: o.edtl ?? 0,
        cmdSN: o.cmdSN ?? s.takeCmdSN(),
        expStatSN: s.expStatSN,
        cdb,
        data: o.data ?? Buffer.alloc(0),
        ...(o.immediate ? { immediate: true } : {}),
      };
    }
    /** Waits (armed now) for the status of ITT `itt`: a SCSI Response, or a Data-In with S; Data-In data is kept. */
    function statusOf(s: Session, itt: number, ms: number): Promise<{ pdu: AnyPdu; data: Buffer } | undefined> {
      const data: Buffer[] = [];
      return maybe(
        s,
        (p) => {
          if (p.opcode === Opcode.DATA_IN && p.itt === itt) {
            data.push(Buffer.from(Buffer.concat(p.dataParts ?? (p.data ? [p.data] : []))));
            return (p as DataIn).statusPresent;
          }
          return p.opcode === Opcode.SCSI_RESPONSE && p.itt === itt;
        },
        ms,
      ).then((pdu) => (pdu ? { pdu, data: Buffer.concat(data) } : undefined));
    }
    const senseOf = (r: ScsiResponse) => {
      const d = r.data ?? Buffer.alloc(0);
      assert.ok(d.length >= 2, 'CHECK CONDITION without sense data');
      return scsi.decodeSense(d.subarray(2, 2 + d.readUInt16BE(0)));
    };
    const rejectOf = (s: Session, ms = 2000) => maybe(s, isReject, ms) as Promise<Reject | undefined>;
    /** A BHS with any opcode (the rest zero but for the ITT). */
    const rawBhs = (opcode: number, itt: number, immediate = true) => {
      const b = Buffer.alloc(48);
      b[0] = (immediate ? 0x40 : 0) | opcode;
      b[1] = 0x80;
      b.writeUInt32BE(itt, 16);
      return b;
    };
    /** Fill LBAs [lba, lba + n) through session `s` with a fresh pattern and return it. */
    const fill = async (s: Session, lba: number, n: number, seed: number) => {
      const d = pattern(seed, n * BLOCK);
      await write(s, lba, d);
      return d;
    };
    /** Run a write whose Data-Out `alter` spoils; the initiator's own handling of the Reject is ignored. */
    async function spoiledWrite(s: Session, lba: number, data: Buffer, alter: (d: DataOut, i: number) => DataOut | null, segment = 1024) {
      let itt = -1;
      let answer: Promise<{ pdu: AnyPdu; data: Buffer } | undefined> | undefined;
      const rejects = s.rejects.length;
      const p = s
        .command({
          cdb: scsi.write10({ lba, blocks: data.length / BLOCK }),
          dataOut: data,
          useImmediateData: false,
          dataOutSegment: segment,
          alterDataOut: alter,
          onSent: (i) => {
            itt = i;
            answer = statusOf(s, i, 3000);
          },
        })
        .catch((e: unknown) => e);
      await p;
      assert.ok(answer, 'the command was never sent');
      const got = await answer;
      assert.ok(got, `no SCSI Response for ITT 0x${itt.toString(16)} within 3 s`);
      return { rsp: got.pdu as ScsiResponse, rejects: s.rejects.slice(rejects) };
    }

    it('an undefined initiator opcode: Reject "command not supported" (0x05) carrying the header (RFC 7143 11.17.1)', async () => {
      const s = await openB();
      for (const op of [0x0f, 0x1c]) {
        const hdr = rawBhs(op, s.allocItt());
        const r = rejectOf(s);
        s.sendRaw(hdr);
        const rej = await r;
        assert.ok(rej, `no Reject for opcode 0x${op.toString(16)}`);
        assert.equal(rej.reason, RejectReason.COMMAND_NOT_SUPPORTED);
        assert.ok(rej.data?.equals(hdr), 'the Reject does not carry the rejected header (RFC 7143 11.17.4)');
      }
      await waitLog(ref, /Reject \(5\): unsupported opcode 0xf/);
      await clearUa(s);
    });

    it('a target opcode sent by the initiator: Reject "protocol error" (0x04)', async () => {
      const s = await openB();
      const hdr = rawBhs(Opcode.NOP_IN, s.allocItt(), false);
      const r = rejectOf(s);
      s.sendRaw(hdr);
      const rej = await r;
      assert.ok(rej, 'no Reject for a NOP-In sent to the target');
      assert.equal(rej.reason, RejectReason.PROTOCOL_ERROR);
      assert.ok(rej.data?.equals(hdr));
      await waitLog(ref, /Reject \(4\): NOP-In is a target opcode/);
    });

    it('StatSN advances after a Reject (RFC 7143 11.17.3)', async () => {
      const s = await openB();
      const r = rejectOf(s);
      s.sendRaw(rawBhs(0x0f, s.allocItt()));
      const rej = (await r)!;
      assert.ok(rej);
      const nop = await s.nop({ data: Buffer.from('after the reject') });
      assert.equal(nop.statSN, (rej.statSN + 1) >>> 0, `the NOP-In after a Reject with StatSN ${rej.statSN} carries StatSN ${nop.statSN}`);
    });

    it('SNACK at ErrorRecoveryLevel 0: Reject "protocol error"', async () => {
      const s = await openB();
      const snack: SnackRequest = {
        opcode: Opcode.SNACK_REQUEST,
        type: 1,
        lun: 0n,
        itt: RESERVED_TAG,
        tttOrSnackTag: 0,
        expStatSN: s.expStatSN,
        begRun: 0,
        runLength: 0,
      };
      const r = rejectOf(s);
      s.sendPdu(snack);
      const rej = await r;
      assert.ok(rej, 'no Reject for a SNACK at ERL 0');
      assert.equal(rej.reason, RejectReason.PROTOCOL_ERROR);
      await waitLog(ref, /SNACK at ErrorRecoveryLevel 0/);
      await clearUa(s);
    });

    it('a data segment over the MaxRecvDataSegmentLength the target declared: the connection is dropped', async () => {
      const s = await openB();
      const mrdsl = s.params.maxSendDataSegmentLength;
      const nop: NopOut = {
        opcode: Opcode.NOP_OUT,
        immediate: true,
        lun: 0n,
        itt: s.allocItt(),
        ttt: RESERVED_TAG,
        cmdSN: s.cmdSN,
        expStatSN: s.expStatSN,
        data: Buffer.alloc(mrdsl + 4),
      };
      s.sendPdu(nop);
      assert.ok(await s.waitClosed(3000), `still connected after a ${mrdsl + 4}-byte segment (MaxRecvDataSegmentLength ${mrdsl})`);
      await waitLog(ref, /dropping the connection: .*(exceeds|MaxRecvDataSegmentLength|larger)/i);
    });

    for (const [name, where] of [
      ['above MaxCmdSN', (s: Session) => snAdd(s.maxCmdSN, 1)],
      ['far above MaxCmdSN', (s: Session) => snAdd(s.maxCmdSN, 0x40000000)],
      ['below ExpCmdSN', (s: Session) => snAdd(s.expCmdSN, -1)],
    ] as const) {
      it(`a CmdSN ${name}: silently ignored, then a correct command works (RFC 7143 4.2.2.1)`, async () => {
        const s = await openB();
        const c = cmd(s, { cdb: scsi.testUnitReady(), cmdSN: where(s) });
        const w = maybe(s, (p) => 'itt' in p && p.itt === c.itt, 2000);
        s.sendPdu(c);
        assert.equal(await w, undefined, `the target answered a command with CmdSN ${c.cmdSN} outside [${s.expCmdSN}, ${s.maxCmdSN}]`);
        assert.equal(s.rejects.length, 0, 'a command outside the window was Rejected instead of ignored');
        const r = await s.command({ cdb: scsi.testUnitReady() });
        assert.equal(r.status, scsi.ScsiStatus.GOOD);
        await waitLog(ref, new RegExp(`ignoring SCSI Command with CmdSN ${c.cmdSN} outside the window`));
      });
    }

    it('a command arriving one CmdSN early is held until the gap fills, then both run in CmdSN order', async () => {
      const s = await openB();
      const lba = 4096;
      await fill(s, lba, 1, 10);
      const newer = pattern(11, BLOCK);
      const c1 = s.takeCmdSN();
      const c2 = s.takeCmdSN();
      const rd = cmd(s, { cdb: scsi.read10({ lba, blocks: 1 }), cmdSN: c2, read: true, edtl: BLOCK });
      const rdStatus = statusOf(s, rd.itt, 3000);
      s.sendPdu(rd);
      assert.equal(await maybe(s, (p) => 'itt' in p && p.itt === rd.itt, 300), undefined, 'the command with CmdSN one ahead ran before the gap was filled');
      const wr = cmd(s, { cdb: scsi.write10({ lba, blocks: 1 }), cmdSN: c1, write: true, edtl: BLOCK, data: newer });
      const wrStatus = statusOf(s, wr.itt, 3000);
      s.sendPdu(wr);
      const [w, r] = await Promise.all([wrStatus, rdStatus]);
      assert.ok(w && r, 'a status is missing');
      assert.equal((w.pdu as ScsiResponse).status, 0);
      assert.ok(r.data.equals(newer), 'the READ (CmdSN n+1) did not see the WRITE (CmdSN n): not run in CmdSN order');
    });

    it('READs whose Expected Data Transfer Length far exceeds their data, right behind another READ, are all answered (residual underflow)', async () => {
      const s = await openB();
      const small = cmd(s, { cdb: scsi.read10({ lba: 0, blocks: 16 }), read: true, edtl: 16 * BLOCK });
      const huge = cmd(s, { cdb: scsi.read10({ lba: 0, blocks: 1 }), read: true, edtl: 64 << 20 });
      const huger = cmd(s, { cdb: scsi.read10({ lba: 1, blocks: 1 }), read: true, edtl: 0xffffff00 });
      const answers = [small, huge, huger].map((c) => statusOf(s, c.itt, 3000));
      // One write, so the target reads all three in one chunk.
      s.sendRaw(...[small, huge, huger].flatMap((c) => framePdu(c, { headerDigest: false, dataDigest: false })));
      const [a, b, c] = await Promise.all(answers);
      assert.ok(a, 'the first READ was not answered');
      assert.ok(b, 'the READ with a 64 MiB Expected Data Transfer Length for one block was not answered');
      assert.ok(c, 'the READ with a 4 GiB Expected Data Transfer Length for one block was not answered');
      const last = c.pdu as DataIn;
      assert.equal(last.underflow, true);
      assert.equal(last.residualCount, 0xffffff00 - BLOCK);
    });

    it('a duplicate ITT: Reject "task in progress" (0x07); the CmdSN gap it leaves is plugged by a retry (RFC 7143 11.17.1)', async () => {
      const s = await openB();
      let itt = -1;
      let r2t: Promise<AnyPdu | undefined> | undefined;
      // A write that waits for Data-Out for ever: its ITT stays in use.
      void s
        .command({
          cdb: scsi.write10({ lba: 8192, blocks: 8 }),
          dataOut: Buffer.alloc(8 * BLOCK),
          useImmediateData: false,
          alterDataOut: () => null,
          timeoutMs: 10_000,
          onSent: (i) => {
            itt = i;
            r2t = maybe(s, (p) => p.opcode === Opcode.R2T && p.itt === i, 2000);
          },
        })
        .catch(() => {});
      assert.ok(await r2t!, 'no R2T for the write');
      const dup = cmd(s, { cdb: scsi.testUnitReady(), itt });
      const rj = rejectOf(s);
      s.sendPdu(dup);
      const rej = await rj;
      assert.ok(rej, 'no Reject for a command reusing a live ITT');
      assert.equal(rej.reason, RejectReason.TASK_IN_PROGRESS);
      await waitLog(ref, /Reject \(7\): ITT 0x[0-9a-f]+ is already in use/);
      // The rejected command's CmdSN counts as not received: later commands wait for the gap.
      const later = s.command({ cdb: scsi.testUnitReady(), timeoutMs: 4000 });
      const early = await Promise.race([later.then(() => 'answered'), new Promise((r) => setTimeout(() => r('held'), 300))]);
      assert.equal(early, 'held', 'a command after the rejected CmdSN ran before the gap was plugged');
      const plug = cmd(s, { cdb: scsi.testUnitReady(), cmdSN: dup.cmdSN });
      const ps = statusOf(s, plug.itt, 2000);
      s.sendPdu(plug);
      assert.ok(await ps, 'the retry plugging the gap got no answer');
      assert.equal((await later).status, scsi.ScsiStatus.GOOD);
    });

    it('unsolicited Data-Out announced (F=0) though InitialR2T=Yes: Reject "protocol error"', async () => {
      const s = await openB();
      assert.equal(s.params.initialR2T, true);
      const c = cmd(s, { cdb: scsi.write10({ lba: 100, blocks: 8 }), write: true, edtl: 8 * BLOCK, final: false, data: Buffer.alloc(BLOCK), immediate: true });
      const rj = rejectOf(s);
      s.sendPdu(c);
      const rej = await rj;
      assert.ok(rej);
      assert.equal(rej.reason, RejectReason.PROTOCOL_ERROR);
      await waitLog(ref, /unsolicited Data-Out announced \(F=0\) though InitialR2T=Yes/);
    });

    for (const [name, spoil, reason] of [
      ['a wrong DataSN', (d: DataOut) => ({ ...d, dataSN: d.dataSN + 5 }), RejectReason.PROTOCOL_ERROR],
      ['a wrong Buffer Offset', (d: DataOut) => ({ ...d, bufferOffset: d.bufferOffset + BLOCK }), RejectReason.PROTOCOL_ERROR],
      ['an unknown TTT', (d: DataOut) => ({ ...d, ttt: (d.ttt ^ 0x5a5a) >>> 0 }), RejectReason.INVALID_PDU_FIELD],
    ] as const) {
      it(`Data-Out with ${name}: Reject, CHECK CONDITION ABORTED COMMAND / PROTOCOL SERVICE CRC ERROR, medium unchanged (RFC 7143 7.9)`, async () => {
        const s = await openB();
        const lba = 5000;
        const before = await fill(s, lba, 8, 20);
        const { rsp, rejects } = await spoiledWrite(s, lba, pattern(21, 8 * BLOCK), (d, i) => (i === 1 ? spoil(d) : d));
        assert.ok(rejects.length >= 1, 'no Reject for the bad Data-Out');
        assert.equal(rejects[0]!.reason, reason);
        assert.equal(rsp.status, scsi.ScsiStatus.CHECK_CONDITION);
        const sense = senseOf(rsp);
        assert.equal(sense.key, scsi.SenseKey.ABORTED_COMMAND);
        assert.equal(sense.ascAscq, 0x4705, `ASC/ASCQ 0x${sense.ascAscq.toString(16)}`);
        assert.ok((await read(s, lba, 8)).equals(before), 'the medium was written by a command whose data was bad');
        await waitLog(ref, new RegExp(`Reject \\(${reason}\\): (Data-Out out of sequence|Data-Out with TTT)`));
      });
    }

    it('a bad header digest: the connection is dropped (RFC 7143 7.8)', async () => {
      const s = await openB({ headerDigest: 'CRC32C' });
      assert.equal(s.params.headerDigest, true);
      const nop: NopOut = { opcode: Opcode.NOP_OUT, immediate: true, lun: 0n, itt: s.allocItt(), ttt: RESERVED_TAG, cmdSN: s.cmdSN, expStatSN: s.expStatSN };
      const [h] = framePdu(nop, { headerDigest: true, dataDigest: false });
      h![h!.length - 1]! ^= 0xff;
      s.sendRaw(h!);
      assert.ok(await s.waitClosed(3000), 'still connected after a bad header digest');
      await waitLog(ref, /dropping the connection: .*header digest/i);
    });

    it('a bad data digest on a Data-Out: Reject "data digest error" (0x02) and CHECK CONDITION, medium unchanged (RFC 7143 7.8)', async () => {
      const s = await openB({ dataDigest: 'CRC32C' });
      assert.equal(s.params.dataDigest, true);
      const lba = 6000;
      const before = await fill(s, lba, 4, 30);
      s.hooks.beforeSend = (p) => {
        if (p.opcode !== Opcode.DATA_OUT || (p as DataOut).dataSN !== 0) return p;
        const bufs = framePdu(p, { headerDigest: false, dataDigest: true });
        const last = Buffer.from(bufs[bufs.length - 1]!);
        last[last.length - 1]! ^= 0xff;
        return [...bufs.slice(0, -1), last];
      };
      const { rsp, rejects } = await spoiledWrite(s, lba, pattern(31, 4 * BLOCK), (d) => d);
      s.hooks.beforeSend = undefined;
      assert.equal(rejects[0]?.reason, RejectReason.DATA_DIGEST_ERROR);
      assert.equal(rsp.status, scsi.ScsiStatus.CHECK_CONDITION);
      assert.equal(senseOf(rsp).key, scsi.SenseKey.ABORTED_COMMAND);
      assert.equal(senseOf(rsp).ascAscq, 0x4705);
      assert.ok((await read(s, lba, 4)).equals(before), 'the medium was written with data whose digest was wrong');
      await waitLog(ref, /Reject \(2\): data digest error/);
    });

    it("a bad data digest on a command's immediate data: Reject 0x02, its CmdSN is not taken as received, and the retry runs (RFC 7143 7.3, 7.8)", async () => {
      const s = await openB({ dataDigest: 'CRC32C' });
      const lba = 6100;
      await fill(s, lba, 1, 32);
      const data = pattern(33, BLOCK);
      const wr = cmd(s, { cdb: scsi.write10({ lba, blocks: 1 }), write: true, edtl: BLOCK, data });
      const bufs = framePdu(wr, { headerDigest: false, dataDigest: true });
      const last = Buffer.from(bufs[bufs.length - 1]!);
      last[last.length - 1]! ^= 0xff;
      const rj = rejectOf(s);
      s.sendRaw(...bufs.slice(0, -1), last);
      const rej = await rj;
      assert.ok(rej, 'no Reject for a command whose data digest is wrong');
      assert.equal(rej.reason, RejectReason.DATA_DIGEST_ERROR);
      // The rejected CmdSN is a gap: a later command waits for it to be plugged.
      const later = s.command({ cdb: scsi.testUnitReady(), timeoutMs: 4000 });
      const early = await Promise.race([later.then(() => 'answered'), sleep(300).then(() => 'held')]);
      assert.equal(early, 'held', 'a command after the rejected CmdSN ran before the gap was plugged: the rejected CmdSN was taken as received');
      // The retry, same CmdSN and ITT, good digest, runs.
      const st = statusOf(s, wr.itt, 2000);
      s.sendPdu(wr);
      const got = await st;
      assert.ok(got, 'the retried command was not answered (its CmdSN was consumed by the rejected one)');
      assert.equal((got.pdu as ScsiResponse).status, scsi.ScsiStatus.GOOD);
      assert.equal((await later).status, scsi.ScsiStatus.GOOD);
      assert.ok((await read(s, lba, 1)).equals(data));
    });

    it('the connection dropped in the middle of a write: the medium is untouched, others carry on, and the nexus is gone', async () => {
      const isid = 0x80_1234_5678;
      const s = await openB({ isid });
      const lba = 7000;
      const before = await fill(s, lba, 64, 40);
      const sessions = ref.t.server.sessionCount;
      void s
        .command({
          cdb: scsi.write10({ lba, blocks: 64 }),
          dataOut: pattern(41, 64 * BLOCK),
          useImmediateData: false,
          dataOutSegment: 4096,
          alterDataOut: (d, i) => {
            if (i < 3) return d;
            if (i === 3) setImmediate(() => s.destroy());
            return null;
          },
        })
        .catch(() => {});
      assert.ok(await s.waitClosed(2000));
      await waitLog(ref, /TSIH \d+ ended: the initiator closed the connection|TSIH \d+ ended: connection closed/);
      assert.equal(ref.t.server.sessionCount, sessions - 1, 'the dropped session is still registered');
      // The same initiator name and ISID log in again as a new session (TSIH 0), and see the old data.
      const again = await openB({ isid });
      assert.ok((await read(again, lba, 64)).equals(before), 'a write cut off mid-data changed the medium');
    });

    it('session reinstatement (same initiator name and ISID, TSIH 0) closes the old connection (RFC 7143 6.3.5)', async () => {
      const isid = 0x80_2222_3333;
      const old = await openB({ isid });
      const fresh = await openB({ isid });
      assert.ok(await old.waitClosed(2000), 'the reinstated session is still connected');
      assert.notEqual(fresh.login.tsih, old.login.tsih);
      assert.equal((await fresh.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
      await waitLog(ref, new RegExp(`session TSIH ${old.login.tsih} of ${INIT_B} reinstated by TSIH ${fresh.login.tsih}`));
    });

    describe('task management (RFC 7143 11.5)', () => {
      it('ABORT TASK of a write waiting for Data-Out: function complete, and no SCSI Response for it ever', async () => {
        const s = await openB();
        const lba = 9000;
        const before = await fill(s, lba, 8, 50);
        let itt = -1;
        let r2t: Promise<AnyPdu | undefined> | undefined;
        const p = s
          .command({
            cdb: scsi.write10({ lba, blocks: 8 }),
            dataOut: pattern(51, 8 * BLOCK),
            useImmediateData: false,
            alterDataOut: () => null,
            onSent: (i) => {
              itt = i;
              r2t = maybe(s, (x) => x.opcode === Opcode.R2T && x.itt === i, 2000);
            },
          })
          .catch((e: unknown) => e);
        assert.ok(await r2t!, 'no R2T');
        const late = maybe(s, (x) => (x.opcode === Opcode.SCSI_RESPONSE || x.opcode === Opcode.DATA_IN) && x.itt === itt, 1500);
        const t = await s.abortTask(itt);
        assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
        assert.equal(await late, undefined, 'a SCSI Response came for an aborted task');
        assert.equal(((await p) as IscsiError).code, 'ISCSI_E_ABORTED');
        assert.ok((await read(s, lba, 8)).equals(before));
      });

      it('ABORT TASK of an unknown ITT: task does not exist', async () => {
        const s = await openB();
        await s.command({ cdb: scsi.testUnitReady() });
        const t = await s.taskManagement(TmfFunction.ABORT_TASK, { lun: 0, referencedTaskTag: 0x0bad0bad, refCmdSN: snAdd(s.cmdSN, -1) });
        assert.equal(t.response, TmfResponse.TASK_DOES_NOT_EXIST, t.responseName);
      });

      it('ABORT TASK for a RefCmdSN not yet received: function complete, and the command is discarded when it arrives', async () => {
        const s = await openB();
        const c = cmd(s, { cdb: scsi.testUnitReady() });
        const t = await s.taskManagement(TmfFunction.ABORT_TASK, { lun: 0, referencedTaskTag: c.itt, refCmdSN: c.cmdSN });
        assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
        const w = maybe(s, (p) => 'itt' in p && p.itt === c.itt, 1000);
        s.sendPdu(c);
        assert.equal(await w, undefined, 'the pre-aborted command was answered');
        assert.equal((await s.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD, 'the window did not move past the discarded command');
      });

      it('ABORT TASK for a RefCmdSN that never arrives plugs the CmdSN gap: later commands run (RFC 7143 11.5.1)', async () => {
        const s = await openB();
        const lost = cmd(s, { cdb: scsi.testUnitReady() });
        const later = s.command({ cdb: scsi.testUnitReady(), timeoutMs: 4000 });
        const early = await Promise.race([later.then(() => 'answered'), sleep(300).then(() => 'held')]);
        assert.equal(early, 'held', 'a command ran past a CmdSN gap');
        const t = await s.taskManagement(TmfFunction.ABORT_TASK, { lun: 0, referencedTaskTag: lost.itt, refCmdSN: lost.cmdSN });
        assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
        assert.equal(
          (await later).status,
          scsi.ScsiStatus.GOOD,
          'the command after the aborted CmdSN never ran: the target did not take the RefCmdSN as received',
        );
        // If the aborted command turns up after all, it is not run.
        const w = maybe(s, (p) => 'itt' in p && p.itt === lost.itt, 500);
        s.sendPdu(lost);
        assert.equal(await w, undefined, 'the aborted command ran when it turned up');
        assert.equal((await s.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
      });

      it('ABORT TASK for a RefCmdSN beyond a gap: the gap still holds, then both are settled in order', async () => {
        const s = await openB();
        const gap = cmd(s, { cdb: scsi.testUnitReady() });
        const aborted = cmd(s, { cdb: scsi.testUnitReady() });
        const t = await s.taskManagement(TmfFunction.ABORT_TASK, { lun: 0, referencedTaskTag: aborted.itt, refCmdSN: aborted.cmdSN });
        assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
        const later = s.command({ cdb: scsi.testUnitReady(), timeoutMs: 4000 });
        const early = await Promise.race([later.then(() => 'answered'), sleep(300).then(() => 'held')]);
        assert.equal(early, 'held', 'a command ran past a CmdSN gap');
        const st = statusOf(s, gap.itt, 2000);
        s.sendPdu(gap);
        assert.ok(await st, 'the command filling the gap was not answered');
        assert.equal((await later).status, scsi.ScsiStatus.GOOD);
        const w = maybe(s, (p) => 'itt' in p && p.itt === aborted.itt, 500);
        s.sendPdu(aborted);
        assert.equal(await w, undefined, 'the aborted command ran when it turned up');
      });

      it('LOGICAL UNIT RESET: function complete, then UNIT ATTENTION (SAM-5 6.3.4)', async () => {
        const s = await openB();
        await clearUa(s, 1);
        const t = await s.lunReset(1);
        assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
        const r = await s.command({ cdb: scsi.testUnitReady(), lun: 1 });
        assert.equal(r.status, scsi.ScsiStatus.CHECK_CONDITION);
        assert.equal(r.sense?.key, scsi.SenseKey.UNIT_ATTENTION);
        assert.equal(r.sense?.asc, 0x29);
      });

      it('TASK REASSIGN: allegiance reassignment not supported (4) at ErrorRecoveryLevel 0', async () => {
        const s = await openB();
        const t = await s.taskManagement(TmfFunction.TASK_REASSIGN, { referencedTaskTag: 0x1234, refCmdSN: 0 });
        assert.equal(t.response, TmfResponse.TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED, t.responseName);
      });

      for (const [name, fn] of [
        ['ABORT TASK SET', TmfFunction.ABORT_TASK_SET],
        ['CLEAR TASK SET', TmfFunction.CLEAR_TASK_SET],
      ] as const) {
        it(`${name} ends a WRITE still waiting for its data: function complete, no answer for the WRITE, and the LU carries on (RFC 7143 11.5.1, SAM-5 7)`, async () => {
          const s = await openB();
          const r2t = maybe(s, (p) => p.opcode === Opcode.R2T, 2000);
          const w = cmd(s, { cdb: scsi.write10({ lba: 40, blocks: 8 }), write: true, edtl: 4096 });
          s.sendPdu(w);
          assert.ok(await r2t, 'no R2T for the WRITE');
          const answered = statusOf(s, w.itt, 800);
          const t = await s.taskManagement(fn, { lun: 0 });
          assert.equal(t.response, TmfResponse.FUNCTION_COMPLETE, t.responseName);
          assert.equal(await answered, undefined, 'the aborted WRITE was answered');
          assert.equal((await s.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
        });
      }

      it('a TMF for a LUN that does not exist: LUN does not exist (2)', async () => {
        const s = await openB();
        for (const fn of [TmfFunction.ABORT_TASK_SET, TmfFunction.CLEAR_TASK_SET, TmfFunction.LOGICAL_UNIT_RESET]) {
          const t = await s.taskManagement(fn, { lun: 7 });
          assert.equal(t.response, TmfResponse.LUN_DOES_NOT_EXIST, `${t.responseName} for function ${fn}`);
        }
      });
    });
  });
});

/** Rewrite the text keys of a PDU about to be sent (Login or Text Request); other PDUs pass unchanged. */
function editKeys(p: AnyPdu, f: (k: string, v: string) => string): AnyPdu {
  if ((p.opcode !== Opcode.LOGIN_REQUEST && p.opcode !== Opcode.TEXT_REQUEST) || !p.data?.length) return p;
  const pairs = decodeText(p.data).map(([k, v]): KeyValue => [k, f(k, v)]);
  return { ...(p as LoginRequest), data: encodeText(pairs) };
}

// ---------------------------------------------------------------------------------------------
// Memory: the target in its own process (bin/iscsi-target), its resident size read from /proc.

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/iscsi-target.js');

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'no VmRSS in /proc/PID/status');
  return Number(m[1]) / 1024;
}

describe('reference target: memory stays bounded under bad input (own process)', function () {
  this.timeout(30_000);
  let proc: Started;
  let port: number;
  const cli = { host: '127.0.0.1', initiatorName: INIT_A, targetName: 'iqn.2026-11.org.iscsi-test:mem', timeoutMs: 5000, loginTimeoutMs: 5000 };
  const sessions: Session[] = [];
  let base = 0;
  let dir = '';

  before(async function () {
    if (!existsSync('/proc/self/status')) this.skip();
    port = await freePort();
    // A file LUN: every READ allocates its data (a memory LUN would lend views of its store).
    dir = mkdtempSync(join(tmpdir(), 'iscsi-mem-'));
    proc = start(process.execPath, [
      BIN,
      '-f',
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      cli.targetName,
      '--lun',
      `0:file:${join(dir, 'lun0.img')}:64M`,
      '--nop-timeout',
      '2',
    ]);
    await waitForPort('127.0.0.1', port, 10_000);
    // Warm up: a session that writes and reads a little, so the baseline includes the code paths.
    const s = await Session.open({ ...cli, port });
    await clearUa(s);
    for (let i = 0; i < 20; i++) await s.command({ cdb: scsi.read10({ lba: 0, blocks: 2048 }), dataIn: 1 << 20 });
    await s.logout();
    await sleep(200);
    base = rssMiB(proc.pid);
  });

  afterEach(() => {
    for (const s of sessions.splice(0)) s.destroy();
  });

  after(async () => {
    if (proc) await stop(proc.child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The target is alive, serves a new session, and has grown less than `mib` over the baseline. */
  async function healthy(mib: number, what: string): Promise<void> {
    assert.equal(proc.child.exitCode, null, `the target exited during ${what}:\n${proc.output().slice(-2000)}`);
    const s = await Session.open({ ...cli, port, initiatorName: INIT_B });
    sessions.push(s);
    await clearUa(s);
    assert.equal((await s.command({ cdb: scsi.testUnitReady() })).status, scsi.ScsiStatus.GOOD);
    const now = rssMiB(proc.pid);
    assert.ok(now - base < mib, `${what}: resident size grew from ${base.toFixed(0)} to ${now.toFixed(0)} MiB (bound ${mib} MiB)`);
  }

  it('10,000 PDUs of garbage on a session and 200 connections of random bytes', async () => {
    const s = await Session.open({ ...cli, port });
    sessions.push(s);
    const hdr = Buffer.alloc(48);
    hdr[0] = 0x40 | 0x0f;
    hdr[1] = 0x80;
    for (let i = 0; i < 10_000; i += 500) {
      const batch: Buffer[] = [];
      for (let j = 0; j < 500; j++) {
        const h = Buffer.from(hdr);
        h.writeUInt32BE(i + j + 1, 16);
        batch.push(h);
      }
      s.sendRaw(...batch);
      await s.conn.drained();
    }
    // Every one is Rejected (bounded wait for the last).
    const until = Date.now() + 10_000;
    while (s.rejects.length < 10_000 && Date.now() < until) await sleep(20);
    assert.equal(s.rejects.length, 10_000, 'not every garbage PDU was Rejected');
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const b = net.connect({ host: '127.0.0.1', port });
        b.on('error', () => {});
        await new Promise<void>((r) => b.once('connect', () => r()));
        b.write(pattern(1000 + i, 4096));
        await new Promise<void>((r) => {
          const t = setTimeout(() => r(), 3000);
          b.once('close', () => {
            clearTimeout(t);
            r();
          });
        });
        b.destroy();
      }),
    );
    await healthy(64, 'garbage');
  });

  it('a flood of 10,000 Data-Out PDUs (8 KiB each) for tasks that do not exist', async () => {
    const s = await Session.open({ ...cli, port });
    sessions.push(s);
    const data = Buffer.alloc(8192, 0xa5);
    for (let i = 0; i < 10_000; i += 250) {
      const bufs: Buffer[] = [];
      for (let j = 0; j < 250; j++) {
        const d: DataOut = {
          opcode: Opcode.DATA_OUT,
          final: true,
          lun: 0n,
          itt: 0x7000_0000 + i + j,
          ttt: 0x1234,
          expStatSN: s.expStatSN,
          dataSN: 0,
          bufferOffset: 0,
          data,
        };
        bufs.push(...framePdu(d, { headerDigest: false, dataDigest: false }));
      }
      s.sendRaw(...bufs);
      await s.conn.drained();
    }
    const until = Date.now() + 10_000;
    while (s.rejects.length < 10_000 && Date.now() < until) await sleep(20);
    assert.equal(s.rejects.length, 10_000, 'not every stray Data-Out was Rejected');
    assert.ok(s.rejects.every((r) => r.reason === RejectReason.INVALID_PDU_FIELD));
    await healthy(64, 'Data-Out flood');
  });

  it('initiators that never read their responses are dropped, and hold little memory meanwhile', async () => {
    // Four at once, each asking for 1 GiB of READ(10), 4 MiB at a time, and reading nothing. 4 MiB: the
    // window of a session with nothing outstanding opens to MIN_OPEN_SLOTS commands (window-budget.ts),
    // and what they take in must go past the output's high-water mark for the flow control to stop it.
    const stalled = await Promise.all(Array.from({ length: 4 }, () => Session.open({ ...cli, port })));
    sessions.push(...stalled);
    for (const s of stalled) await clearUa(s);
    const t0 = Date.now();
    let peak = 0;
    const sample = () => {
      if (proc.child.exitCode === null) peak = Math.max(peak, rssMiB(proc.pid));
    };
    for (const s of stalled) s.conn.socket.pause();
    for (let i = 0; i < 256; i++) {
      for (const s of stalled) {
        if (s.conn.closed) continue;
        const c: ScsiCommand = {
          opcode: Opcode.SCSI_COMMAND,
          final: true,
          read: true,
          write: false,
          attr: TaskAttr.SIMPLE,
          lun: 0n,
          itt: s.allocItt(),
          expectedDataTransferLength: 4 << 20,
          cmdSN: s.takeCmdSN(),
          expStatSN: s.expStatSN,
          cdb: Buffer.concat([scsi.read10({ lba: (i % 16) * 8192, blocks: 8192 }), Buffer.alloc(6)]),
        };
        s.sendPdu(c);
      }
      if (i % 16 === 15) {
        await sleep(10);
        sample();
      }
    }
    // Each is dropped within the stall limit (NOPTimeout, 2 s here) once its output stops moving.
    const dropped = () => (proc.output().match(/dropping the connection: the initiator has not read \d+ bytes of responses for 2 s/g) ?? []).length;
    const until = Date.now() + 8000;
    while (dropped() < 4 && Date.now() < until) {
      sample();
      await sleep(50);
    }
    assert.equal(
      dropped(),
      4,
      `${dropped()} of 4 stalled initiators were dropped within ${((Date.now() - t0) / 1000).toFixed(1)} s:\n${proc.output().slice(-1500)}`,
    );
    for (const s of stalled) s.destroy();
    assert.ok(peak - base < 160, `resident size peaked ${(peak - base).toFixed(0)} MiB over the baseline with 4 stalled initiators (bound 160 MiB)`);
    await healthy(160, 'unread responses');
  });
});
