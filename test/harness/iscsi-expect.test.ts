/** The iSCSI outcome check: each expectation, and messages that read as expected-against-got. */
import { strict as assert } from 'node:assert';
import { ANSWER, checkIscsi, DROPPED, LOGGED_IN, LOGIN_STATUS, NO_ANSWER, REJECT, type IscsiOutcome } from '../../harness/iscsi-expect.js';
import { anyAnswer } from '../../harness/iscsi-observe.js';
import { Opcode, RESERVED_TAG, RejectReason, type NopIn, type Reject } from '../../protocol/iscsi/index.js';

const nopIn = (o: Partial<NopIn> = {}): NopIn =>
  ({ opcode: Opcode.NOP_IN, final: true, lun: 0n, itt: 5, ttt: RESERVED_TAG, statSN: 1, expCmdSN: 2, maxCmdSN: 9, ...o }) as NopIn;
const reject = (reason: number): Reject =>
  ({
    opcode: Opcode.REJECT,
    final: true,
    reason,
    itt: RESERVED_TAG,
    statSN: 1,
    expCmdSN: 2,
    maxCmdSN: 9,
    dataSNOrR2TSN: 0,
    data: Buffer.alloc(48),
  }) as unknown as Reject;
const pdu = (p: NopIn | Reject): IscsiOutcome => ({ kind: 'pdu', pdu: p });
const msg = (what: string, o: IscsiOutcome, e: Parameters<typeof checkIscsi>[2], ms?: number) => {
  const c = checkIscsi(what, o, e, ms);
  return c.ok ? 'ok' : c.message;
};

describe('iSCSI outcomes: the one check and its message', () => {
  it('a Reject with its reason', () => {
    assert.equal(msg('x', pdu(reject(RejectReason.DATA_DIGEST_ERROR)), REJECT(RejectReason.DATA_DIGEST_ERROR)), 'ok');
    assert.equal(msg('x', pdu(reject(RejectReason.PROTOCOL_ERROR)), REJECT()), 'ok');
    assert.match(
      msg('a PDU with a wrong digest', pdu(reject(RejectReason.PROTOCOL_ERROR)), REJECT(RejectReason.DATA_DIGEST_ERROR)),
      /^a PDU with a wrong digest: expected a Reject with reason 0x02 \(.+\), got a Reject with reason 0x04 \(.+\): Reject/,
    );
    assert.match(msg('a PDU', { kind: 'silence', ms: 3000 }, REJECT(2)), /^a PDU: expected a Reject with reason 0x02 .*, got no answer within 3 s$/);
  });

  it('a login status class and detail, or the login accepted', () => {
    assert.equal(msg('x', { kind: 'login-refused', statusClass: 2, statusDetail: 1 }, LOGIN_STATUS(2, 1)), 'ok');
    assert.equal(msg('x', { kind: 'login-refused', statusClass: 2, statusDetail: 7 }, LOGIN_STATUS(2)), 'ok');
    assert.match(
      msg('a login with a wrong secret', { kind: 'logged-in', tsih: 3 }, LOGIN_STATUS(2, 1)),
      /^a login with a wrong secret: expected Login Response status 0x0201 \(.+\), got the login accepted \(TSIH 3\)$/,
    );
    assert.match(
      msg('a login', { kind: 'login-refused', statusClass: 2, statusDetail: 3 }, LOGGED_IN),
      /^a login: expected the login accepted, got Login Response status 0x0203 \(.+\)$/,
    );
  });

  it('a dropped connection, or no answer within the window, several accepted', () => {
    assert.equal(msg('x', { kind: 'closed', reason: 'peer closed' }, [NO_ANSWER, DROPPED]), 'ok');
    assert.equal(msg('x', { kind: 'silence', ms: 3000 }, [NO_ANSWER, DROPPED]), 'ok');
    assert.equal(
      msg('a late Data-Out', pdu(nopIn()), [NO_ANSWER, DROPPED], 3000),
      'a late Data-Out: expected no answer within 3 s or the connection dropped, got NOP-In lun=0 itt=0x00000005 ttt=0xffffffff statSN=1 expCmdSN=2 maxCmdSN=9',
    );
    assert.match(msg('x', { kind: 'silence', ms: 1500 }, DROPPED), /expected the connection dropped, got no answer within 1.5 s$/);
  });

  it('an answer with given fields, buffers compared by content', () => {
    const e = ANSWER(Opcode.NOP_IN, { ttt: RESERVED_TAG, data: Buffer.from('ping') });
    assert.equal(msg('x', pdu(nopIn({ data: Buffer.from('ping') })), e), 'ok');
    assert.match(
      msg('a ping', pdu(nopIn({ data: Buffer.from('pong') })), e),
      /^a ping: expected NOP-In with ttt=0xffffffff, data=4 bytes, got NOP-In .* \(data=4 bytes\)$/,
    );
    assert.match(msg('a ping', pdu(nopIn({ ttt: 7 })), e), /got NOP-In .*ttt=0x00000007.* \(data=none\)$/);
    assert.match(msg('a ping', pdu(reject(2)), e), /expected NOP-In with .*, got a Reject with reason 0x02/);
  });

  it("by default the target's own pings and asynchronous messages are no answer", () => {
    assert.equal(anyAnswer(nopIn({ itt: RESERVED_TAG, ttt: 9 })), false);
    assert.equal(anyAnswer(nopIn()), true);
    assert.equal(anyAnswer(reject(2)), true);
  });
});
