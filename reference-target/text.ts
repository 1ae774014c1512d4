/**
 * Text requests in full feature phase (RFC 7143 11.10, 11.11): SendTargets (13.3, Appendix C) and
 * negotiation of the keys that may change then; a request may span several PDUs (C bit) and a long
 * answer is handed out piece by piece under a target transfer tag.
 */
import {
  encodeText,
  KeyValue,
  Opcode,
  RawPdu,
  RejectReason,
  RESERVED_TAG,
  splitText,
  TextAccumulator,
  TextRequest,
  TextResponse,
} from '../protocol/iscsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';
import type { TargetNode } from './node.js';
import type { SessionHost, SessionState } from './session-host.js';

/** Most bytes of one text request (all its PDUs). */
const MAX_TEXT_REQUEST = 65536;

export class TextHandler {
  /** The rest of a long answer, handed out one piece per Text Request that carries its TTT (read by the text-reset-ignored quirk). */
  pending: { itt: number; ttt: number; pieces: Buffer[] } | undefined;
  private readonly textIn = new TextAccumulator(MAX_TEXT_REQUEST);

  constructor(
    private readonly ch: TargetChannel,
    private readonly session: SessionState,
    private readonly host: SessionHost,
  ) {}

  onText(req: TextRequest, raw: RawPdu | undefined): void {
    const answer = (data: Buffer, final: boolean, ttt: number) => {
      const rsp: TextResponse = {
        opcode: Opcode.TEXT_RESPONSE,
        final,
        continue: !final,
        lun: 0n,
        itt: req.itt,
        ttt,
        statSN: this.ch.takeStatSN(),
        expCmdSN: this.ch.expCmdSN,
        maxCmdSN: this.ch.maxCmdSN,
        data,
      };
      this.ch.send(rsp);
    };
    if (req.ttt !== RESERVED_TAG) {
      // The initiator asks for the next piece of a long answer.
      const st = this.pending;
      if (!st || st.ttt !== req.ttt || st.itt !== req.itt) {
        if (raw) this.ch.reject(RejectReason.INVALID_PDU_FIELD, raw.header, `Text Request with TTT 0x${req.ttt.toString(16)} that no answer of ours carried`);
        return;
      }
      const piece = st.pieces.shift()!;
      const last = st.pieces.length === 0;
      if (last) this.endPending();
      answer(piece, last, last ? RESERVED_TAG : st.ttt);
      return;
    }
    this.endPending();
    let pairs: KeyValue[] | undefined;
    try {
      pairs = this.textIn.add(req.data ?? EMPTY, req.continue);
    } catch (e) {
      if (raw) this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, (e as Error).message);
      return;
    }
    if (pairs === undefined) {
      // More of the request to come: acknowledge with an empty, non-final answer.
      const ttt = this.ch.newTtt();
      // This tag only acknowledges; it names no stored answer, so it is not held.
      this.ch.releaseTtt(ttt);
      answer(EMPTY, false, ttt);
      return;
    }
    const out: KeyValue[] = [];
    const rest: KeyValue[] = [];
    for (const [k, v] of pairs) {
      if (this.isSendTargets(k)) out.push(...this.sendTargets(v));
      else rest.push([k, v]);
    }
    const negotiator = this.session.result.negotiator;
    if (rest.length) {
      const r = negotiator.receive(rest, 'ffp');
      if (r.fatal) {
        if (raw) this.ch.reject(RejectReason.PROTOCOL_ERROR, raw.header, `${r.fatal.key}: ${r.fatal.problem}`);
        return;
      }
      out.push(...r.replies);
      this.session.params = { ...this.session.params, maxSendDataSegmentLength: negotiator.params().maxSendDataSegmentLength };
    }
    const pieces = splitText(encodeText(out), this.session.params.maxSendDataSegmentLength);
    if (pieces.length === 1) {
      answer(pieces[0]!, true, RESERVED_TAG);
      return;
    }
    const ttt = this.ch.newTtt();
    this.pending = { itt: req.itt, ttt, pieces: pieces.slice(1) };
    answer(pieces[0]!, false, ttt);
  }

  private endPending(): void {
    if (this.pending) this.ch.releaseTtt(this.pending.ttt);
    this.pending = undefined;
  }

  /** Keys are matched whole and case-sensitively: only SendTargets is SendTargets. */
  isSendTargets(key: string): boolean {
    return key === 'SendTargets';
  }

  /** SendTargets (RFC 7143 13.3, Appendix C): the targets asked for, at the address the initiator reached. */
  sendTargets(value: string): KeyValue[] {
    const out: KeyValue[] = [];
    for (const n of this.targetsFor(value)) {
      out.push(['TargetName', n.config.iqn]);
      for (const a of this.host.portalAddresses(this.ch.socket)) out.push(['TargetAddress', a]);
    }
    return out;
  }

  /**
   * The targets a SendTargets value names. Appendix C: All "MUST NOT be supported on an operational
   * session": a normal session gets no targets for it (an empty answer rather than SendTargets=Reject,
   * which libiscsi's discovery parser takes for an error); the empty value names the session's own
   * target, and in a discovery session, logged in to none, nothing; a name, that target if this
   * initiator may see it.
   */
  targetsFor(value: string): TargetNode[] {
    if (value === 'All') return this.session.node ? [] : this.allowedNodes();
    if (value === '') return this.session.node ? [this.session.node] : [];
    return this.allowedNodes().filter((n) => n.config.iqn === value);
  }

  /** The session's target (undefined in a discovery session). */
  get sessionNode(): TargetNode | undefined {
    return this.session.node;
  }

  /** Every target this initiator may see. */
  allowedNodes(): TargetNode[] {
    const who = this.session.result.initiatorName;
    return this.host.nodes().filter((n) => n.allows(who));
  }
}
