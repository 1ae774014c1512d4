/**
 * Text exchanges of the embedded initiator in full feature phase (RFC 7143 11.10, 11.11): a Text
 * Request and its responses, following continuations (C bit, or F=0) with empty requests carrying
 * the target's TTT; SendTargets (13.3, Appendix C) on top of it.
 */
import { encodeText, KeyValue, Opcode, RESERVED_TAG, TextAccumulator, TextRequest, TextResponse, decodeText } from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import { GONE, type SessionState } from './session-state.js';
import type { DiscoveredTarget } from './session-types.js';

const ZERO: Buffer = Buffer.alloc(0);

export class TextExchange {
  constructor(private readonly s: SessionState) {}

  /** Resolves with every pair of the answer, in order. */
  text(pairs: KeyValue[], opts: { timeoutMs?: number; maxExchanges?: number } = {}): Promise<KeyValue[]> {
    const s = this.s;
    let handle;
    try {
      handle = s.addTask('text', `Text Request ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`.slice(0, 120), opts.timeoutMs, 0n);
      handle.task.text = new TextAccumulator(1 << 20);
      handle.task.textPairs = [];
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    s.armTimer(task);
    let exchanges = 0;
    const maxEx = opts.maxExchanges ?? 256;
    const sendText = (data: Buffer, ttt: number) => {
      if (++exchanges > maxEx) {
        s.failTask(task, new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: more than ${maxEx} Text Responses`));
        return;
      }
      s.sendOrdered(task, (cmdSN) => {
        const pdu: TextRequest = {
          opcode: Opcode.TEXT_REQUEST,
          final: true,
          continue: false,
          lun: 0n,
          itt: task.itt,
          ttt,
          cmdSN,
          expStatSN: s.expStatSN,
          data,
        };
        s.send(pdu);
      });
    };
    task.continueText = (ttt) => sendText(ZERO, ttt);
    try {
      sendText(encodeText(pairs), RESERVED_TAG);
    } catch (e) {
      s.failTask(task, e as IscsiError);
    }
    return promise as Promise<KeyValue[]>;
  }

  /** SendTargets (RFC 7143 13.3, Appendix C) in this session. */
  async sendTargets(value = 'All', timeoutMs?: number): Promise<DiscoveredTarget[]> {
    return parseSendTargets(await this.text([['SendTargets', value]], timeoutMs ? { timeoutMs } : {}));
  }

  onTextResponse(pdu: TextResponse): void {
    const task = this.s.taskFor(pdu.itt, 'text', pdu);
    if (task === GONE) return;
    // RFC 7143 11.11.2: a Text Response with C=1 has F=0; 11.11.1: one with F=1 carries TTT 0xffffffff.
    if (pdu.continue && pdu.final) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Text Response has both F and C set (RFC 7143 11.11.2)`);
    if (pdu.final && pdu.ttt !== RESERVED_TAG)
      throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: final Text Response carries TTT 0x${pdu.ttt.toString(16)}, not 0xffffffff (RFC 7143 11.11.1)`);
    const pairs = task.text!.add(pdu.data ?? ZERO, pdu.continue);
    if (pdu.continue || !pdu.final) {
      if (!pdu.continue && pairs) task.textPairs!.push(...pairs);
      // More to come: ask for it with an empty Text Request carrying the target's TTT.
      if (pdu.ttt === RESERVED_TAG) throw new IscsiError('ISCSI_E_PROTOCOL', `${task.what}: Text Response not final but TTT is 0xffffffff`);
      task.continueText!(pdu.ttt);
      return;
    }
    task.textPairs!.push(...(pairs ?? []));
    this.s.finishTask(task, task.textPairs);
  }
}

/** Parse a SendTargets answer: TargetName= starts a target; TargetAddress=host:port,tpgt lines follow it. */
export function parseSendTargets(pairs: KeyValue[]): DiscoveredTarget[] {
  const out: DiscoveredTarget[] = [];
  for (const [k, v] of pairs) {
    if (k === 'TargetName') out.push({ name: v, addresses: [] });
    else if (k === 'TargetAddress') {
      const cur = out[out.length - 1];
      if (!cur) throw new IscsiError('ISCSI_E_PROTOCOL', `SendTargets: TargetAddress=${v} before any TargetName`);
      const m = /^(\[[^\]]+\]|[^:,]+)(?::([0-9]+))?(?:,([0-9]+))?$/.exec(v);
      if (!m) throw new IscsiError('ISCSI_E_PROTOCOL', `SendTargets: malformed TargetAddress=${v}`);
      const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
      cur.addresses.push({ host, port: m[2] ? Number(m[2]) : 3260, tpgt: m[3] ? Number(m[3]) : 1, raw: v });
    }
  }
  return out;
}

/** Decode a text data segment, tolerating nothing: exported for tests that hand-build Text PDUs. */
export const decodeTextPairs = decodeText;
