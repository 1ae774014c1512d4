/**
 * NOP exchanges of the embedded initiator (RFC 7143 11.18, 11.19): pings of our own (NOP-Out with a
 * valid ITT, answered by a NOP-In echoing its data) and answers to the target's pings (NOP-In with a
 * valid TTT, answered by a NOP-Out carrying that TTT).
 */
import { NopIn, NopOut, Opcode, RESERVED_TAG } from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import type { SessionState } from './session-state.js';

const ZERO: Buffer = Buffer.alloc(0);

export interface NopOptions {
  data?: Buffer;
  lun?: number;
  immediate?: boolean;
  timeoutMs?: number;
}

export class NopExchange {
  /** NOP-In pings the target sent (TTT valid), answered or not. */
  readonly targetPings: NopIn[] = [];

  constructor(private readonly s: SessionState) {}

  /** NOP-Out ping (ITT valid): resolves with the NOP-In, whose data must echo ours (RFC 7143 11.18.5). */
  ping(opts: NopOptions = {}): Promise<NopIn> {
    const s = this.s;
    let handle;
    try {
      handle = s.addTask('nop', 'NOP-Out ping', opts.timeoutMs, s.lunOf(opts.lun));
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    s.armTimer(task);
    const build = (cmdSN: number) => {
      const pdu: NopOut = {
        opcode: Opcode.NOP_OUT,
        lun: task.lun,
        itt: task.itt,
        ttt: RESERVED_TAG,
        cmdSN,
        expStatSN: s.expStatSN,
        data: opts.data ?? ZERO,
      };
      if (opts.immediate !== false) pdu.immediate = true;
      s.send(pdu);
    };
    try {
      if (opts.immediate !== false) {
        task.cmdSN = s.cmdSN;
        build(s.cmdSN);
      } else s.sendOrdered(task, build);
    } catch (e) {
      s.failTask(task, e as IscsiError);
    }
    return promise as Promise<NopIn>;
  }

  onNopIn(pdu: NopIn): void {
    const s = this.s;
    if (pdu.ttt !== RESERVED_TAG) {
      // The target's own ping: answer with a NOP-Out carrying its TTT (RFC 7143 11.18.3), ITT reserved, immediate.
      this.targetPings.push(pdu);
      s.events.emit('ping', pdu);
      if (s.options.answerNopIn !== false && pdu.itt === RESERVED_TAG) {
        const rsp: NopOut = {
          opcode: Opcode.NOP_OUT,
          immediate: true,
          lun: pdu.lun,
          itt: RESERVED_TAG,
          ttt: pdu.ttt,
          cmdSN: s.cmdSN,
          expStatSN: s.expStatSN,
          data: ZERO,
        };
        s.send(rsp);
      }
      return;
    }
    if (pdu.itt === RESERVED_TAG) return; // an unsolicited NOP-In carrying StatSN/window updates only
    s.finishTask(s.taskFor(pdu.itt, 'nop', pdu), pdu);
  }
}
