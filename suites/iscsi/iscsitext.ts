/**
 * Text exchanges in full feature phase that span several PDUs (RFC 7143 11.10, 11.11): an answer longer than
 * the initiator's MaxRecvDataSegmentLength handed out under a Target Transfer Tag, a new request ending one in
 * progress, and a continuation under a tag no answer carried. The answer is made long by many keys the target
 * cannot know (X-org.iscsi-test.*), each of which it must answer NotUnderstood (6.2). Hand-built Text Requests
 * go through `t.raw()`; outcomes are checked by `t.expectIscsi`.
 */
import { ANSWER, defineSuite, DROPPED, iscsi, REJECT, type RawSession, type TestContext, type TestSession } from '../../harness/api.js';

const suite = defineSuite('iSCSIText', { families: ['iSCSI'], clause: 'RFC 7143 11.10, 11.11' });
const { Opcode, RESERVED_TAG } = iscsi;

/** The initiator's MaxRecvDataSegmentLength in these tests: the smallest allowed (13.12). */
const MRDSL = 512;
/** Keys whose NotUnderstood answers (38 bytes each) need two PDUs of 512 bytes, in a request (26 bytes each) that fits one. */
const LONG_KEYS: iscsi.KeyValue[] = Array.from({ length: 18 }, (_, i) => [`X-org.iscsi-test.Long${String(i).padStart(2, '0')}`, '1']);

/** A session whose initiator declared MaxRecvDataSegmentLength=512. */
async function smallSession(t: TestContext): Promise<TestSession> {
  const s = await t.login({ keys: { MaxRecvDataSegmentLength: String(MRDSL) } });
  const p = t.raw(s).params;
  t.check(p.maxRecvDataSegmentLength === MRDSL, `the session's MaxRecvDataSegmentLength is ${p.maxRecvDataSegmentLength}, not the ${MRDSL} declared`);
  return s;
}

/** A Text Request with the session's numbers (a non-immediate one takes a CmdSN). */
function textRequest(raw: RawSession, itt: number, ttt: number, pairs: iscsi.KeyValue[], immediate = false): iscsi.TextRequest {
  return {
    opcode: Opcode.TEXT_REQUEST,
    immediate,
    final: true,
    continue: false,
    lun: 0n,
    itt,
    ttt,
    cmdSN: immediate ? raw.cmdSN : raw.takeCmdSN(),
    expStatSN: raw.expStatSN,
    data: pairs.length ? iscsi.encodeText(pairs) : Buffer.alloc(0),
  };
}

/**
 * Send a Text Request and expect a Text Response with its ITT (a Reject or a dropped connection fails; with
 * `first`, a dropped connection skips: a target that takes no Text Request fails iSCSISendTargets.Simple).
 */
async function exchange(t: TestContext, s: TestSession, what: string, req: iscsi.TextRequest, first = false): Promise<iscsi.TextResponse> {
  const answer = ANSWER(Opcode.TEXT_RESPONSE, { itt: req.itt });
  const o = await t.expectIscsi(what, {
    session: s,
    send: (r) => r.send(req),
    answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === req.itt),
    withinMs: 5000,
    expect: first ? [answer, DROPPED] : answer,
  });
  if (o.kind === 'closed')
    t.skip(
      `the target dropped the connection at a Text Request (${o.reason}); iSCSISendTargets.Simple and iSCSIFullFeature.TextUnknownKey check that Text Requests are answered`,
    );
  const rsp = (o as { pdu: iscsi.TextResponse }).pdu;
  const len = rsp.data?.length ?? 0;
  t.log(`Text Response F=${+rsp.final} C=${+rsp.continue} TTT 0x${rsp.ttt.toString(16)}, ${len} bytes`);
  t.check(len <= MRDSL, `${what}: the Text Response carries ${len} bytes, more than the initiator's MaxRecvDataSegmentLength ${MRDSL} (13.12)`);
  return rsp;
}

/** The first piece of the answer to LONG_KEYS; it must say that more follows (F=0, a TTT other than 0xffffffff). */
async function firstPiece(t: TestContext, s: TestSession): Promise<{ itt: number; rsp: iscsi.TextResponse }> {
  const raw = t.raw(s);
  const itt = raw.newItt();
  const req = textRequest(raw, itt, RESERVED_TAG, LONG_KEYS);
  t.log(`Text Request with ${LONG_KEYS.length} unknown keys (${req.data!.length} bytes); their answers need more than ${MRDSL} bytes`);
  const rsp = await exchange(t, s, `a Text Request with ${LONG_KEYS.length} unknown keys`, req, true);
  t.check(!rsp.final, `the answer to ${LONG_KEYS.length} unknown keys came whole in one Text Response (F=1) of ${rsp.data?.length ?? 0} bytes`);
  t.check(
    rsp.ttt !== RESERVED_TAG,
    `a Text Response with F=0 carries TTT 0xffffffff: the target "MUST" set a TTT other than 0xffffffff "whenever it sets the F bit to 0" (11.11.4)`,
  );
  return { itt, rsp };
}

suite.test(
  'LongAnswerContinued',
  {
    doc: `Log in declaring MaxRecvDataSegmentLength=512 and send a Text Request with 18 keys the target cannot know: their NotUnderstood answers (6.2) need
      more than 512 bytes. Every Text Response must fit 512 bytes (13.12); one with F=0 must carry a Target Transfer Tag other than 0xffffffff (11.11.4:
      the target MUST do so whenever it sets F to 0), and the initiator fetches the rest with empty Text Requests carrying that tag and the same ITT; the
      last response must have F=1 and TTT 0xffffffff, and the pieces together must answer every key NotUnderstood.
      Quoted: a target that "cannot transfer all the remaining text data in a single Text Response ... MUST set the Target Transfer Tag to a value other than" 0xFFFFFFFF (11.11.4).`,
    clause: 'RFC 7143 11.11.4, RFC 7143 11.10.4, RFC 7143 11.11.1, RFC 7143 6.2',
    level: 'MUST',
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await smallSession(t);
    const raw = t.raw(s);
    const first = await firstPiece(t, s);
    const itt = first.itt;
    let rsp = first.rsp;
    const text = new iscsi.TextAccumulator(1 << 16);
    let pairs = text.add(rsp.data ?? Buffer.alloc(0), rsp.continue) ?? [];
    const all: iscsi.KeyValue[] = [...(rsp.continue ? [] : pairs)];
    for (let n = 1; !rsp.final; n++) {
      t.check(n < 16, `the target sent ${n} Text Responses with F=0 for an answer of about ${LONG_KEYS.length * 38} bytes`);
      t.check(rsp.ttt !== RESERVED_TAG, `Text Response ${n} has F=0 and TTT 0xffffffff (11.11.4)`);
      rsp = await exchange(t, s, `the empty Text Request ${n} continuing the answer (TTT 0x${rsp.ttt.toString(16)})`, textRequest(raw, itt, rsp.ttt, []));
      pairs = text.add(rsp.data ?? Buffer.alloc(0), rsp.continue) ?? [];
      if (!rsp.continue) all.push(...pairs);
    }
    t.equal(rsp.ttt, RESERVED_TAG, 'TTT of the last Text Response (F=1, 11.11.4)');
    for (const [k] of LONG_KEYS) {
      const a = all.find(([key]) => key === k);
      t.check(a?.[1] === 'NotUnderstood', `the answer pieces together answer ${k} with ${a ? a[1] : 'nothing'}, not NotUnderstood (6.2)`);
    }
  },
);

suite.test(
  'NewRequestEndsOld',
  {
    doc: `With MaxRecvDataSegmentLength=512, a Text Request with 18 unknown keys gets the first piece of a long answer (F=0, a TTT); the initiator then sends
      a new Text Request with the same ITT and TTT 0xffffffff asking X-org.iscsi-test.Reset=1. TTT 0xffffffff "tells the target that this is a new request",
      and the target resets its state for that ITT (11.10.4): it should answer the new request (F=1, TTT 0xffffffff, X-org.iscsi-test.Reset=NotUnderstood),
      not hand out the rest of the old answer.`,
    clause: 'RFC 7143 11.10.4, RFC 7143 11.10.3',
    level: 'SHOULD',
    session: false,
    timeout: 30,
  },
  async (t) => {
    const s = await smallSession(t);
    const raw = t.raw(s);
    const { itt, rsp } = await firstPiece(t, s);
    t.log(`a new Text Request with ITT 0x${itt.toString(16)} and TTT 0xffffffff instead of continuing TTT 0x${rsp.ttt.toString(16)}`);
    const key = 'X-org.iscsi-test.Reset';
    const next = await exchange(t, s, 'a new Text Request with the same ITT and TTT 0xffffffff', textRequest(raw, itt, RESERVED_TAG, [[key, '1']]));
    const pairs = next.continue ? [] : iscsi.decodeText(next.data ?? Buffer.alloc(0));
    const shown = pairs
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
      .slice(0, 160);
    const answered = next.final && pairs.some(([k, v]) => k === key && v === 'NotUnderstood');
    const old = pairs.some(([k]) => LONG_KEYS.some(([l]) => l === k));
    t.should(
      answered && !old,
      `the Text Request with TTT 0xffffffff got F=${+next.final} C=${+next.continue} TTT 0x${next.ttt.toString(16)} carrying "${shown}"; expected the ` +
        `answer to the new request alone (F=1, ${key}=NotUnderstood)${old ? ': the target went on with the old answer' : ''}`,
    );
  },
);

suite.test(
  'ContinueUnknownTtt',
  {
    doc: `An empty immediate Text Request with a new ITT and a Target Transfer Tag that no Text Response carried (0x5eed0001) asks for the rest of an answer that does
      not exist; the TTT is not valid, so the target should Reject the PDU (11.17.1, reason Invalid PDU field) or drop the connection, not answer it as a
      text exchange.`,
    clause: 'RFC 7143 11.10.4, RFC 7143 11.17.1',
    level: 'SHOULD',
  },
  async (t) => {
    const raw = t.raw();
    // Immediate: a target that refuses it leaves no gap in the command numbers of the session's later commands.
    const req = textRequest(raw, raw.newItt(), 0x5eed0001, [], true);
    await t.expectIscsi('an empty Text Request with TTT 0x5eed0001, which no Text Response carried', {
      send: (r) => r.send(req),
      answer: (p) => p.opcode === Opcode.REJECT || ('itt' in p && p.itt === req.itt),
      withinMs: 3000,
      expect: [REJECT(iscsi.RejectReason.INVALID_PDU_FIELD), REJECT(iscsi.RejectReason.PROTOCOL_ERROR), DROPPED],
    });
  },
);

export default suite;
