/**
 * Defects for ProutRegisterAndMove, ProutSpecIPT, UnitAttention.Precedence and TaskSet's TAS tests: quirks of the reference target's REGISTER AND MOVE and
 * SPEC_I_PT, or a proxy that answers GOOD for a command the target did not carry out (the CDB is rewritten to
 * REPLACE LOST RESERVATION, which the target does not implement, so nothing changes) or for one it refused.
 */
import { Op, PrOutSa } from '../../../protocol/scsi/index.js';
import type { ProxyRule } from '../../harness/support/proxy.js';
import type { Cases } from './_support.js';

const GOOD = () => ({ status: 0 });
const prOut = (sa: number) => (c: Buffer) => c[0] === Op.PERSISTENT_RESERVE_OUT && (c[1]! & 0x1f) === sa;

/** GOOD for every `sa`, whatever the target answered. */
const goodFor = (sa: number) => (): ProxyRule[] => [{ match: prOut(sa), reply: GOOD }];

/** GOOD for every `sa`, which the target never sees (it gets REPLACE LOST RESERVATION instead and changes nothing). */
const ignored = (sa: number) => (): ProxyRule[] => [
  {
    match: prOut(sa),
    rewriteCdb: (c) => {
      const x = Buffer.from(c);
      x[1] = (x[1]! & 0xe0) | PrOutSa.REPLACE_LOST_RESERVATION;
      return x;
    },
    reply: GOOD,
  },
];

const MOVE = PrOutSa.REGISTER_AND_MOVE;

const CASES: Cases = {
  'ProutRegisterAndMove.Simple': { rules: ignored(MOVE), message: /after REGISTER AND MOVE with UNREG 0: the reservation's key and type/ },
  'ProutRegisterAndMove.Unreg': { quirks: ['pr-move-keeps-source'], message: /after REGISTER AND MOVE with UNREG 1: registered keys/ },
  'ProutRegisterAndMove.Errors': { rules: goodFor(MOVE), message: /REGISTER AND MOVE .*expected .*RESERVATION CONFLICT.*, got GOOD/ },
  'ProutRegisterAndMove.ToItself': {
    quirks: ['pr-move-to-self-accepted'],
    message: /expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST, got GOOD/,
  },
  'ProutRegisterAndMove.AllRegistrants': { rules: goodFor(MOVE), message: /expected RESERVATION CONFLICT, got GOOD/ },
  'ProutRegisterAndMove.TransportIdLength': { rules: goodFor(MOVE), message: /expected CHECK CONDITION ILLEGAL REQUEST.*, got GOOD/ },
  'ProutRegisterAndMove.ForeignTransportId': { rules: goodFor(MOVE), verdict: 'warn', message: /INVALID FIELD IN PARAMETER LIST, got GOOD/ },
  'ProutSpecIPT.Simple': { rules: ignored(PrOutSa.REGISTER), message: /after REGISTER with SPEC_I_PT naming the second nexus: registered keys/ },
  'ProutSpecIPT.DeviceName': { rules: ignored(PrOutSa.REGISTER), verdict: 'warn', message: /RESERVE.*expected GOOD, got RESERVATION CONFLICT/ },
  'ProutSpecIPT.Registered': { quirks: ['pr-spec-i-pt-reregisters'], message: /naming a registered nexus.*got GOOD/ },
  'ProutSpecIPT.FromRegistered': { rules: goodFor(PrOutSa.REGISTER), message: /from a registered nexus.*got GOOD/ },
  'ProutSpecIPT.OtherServiceAction': { rules: goodFor(PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY), message: /INVALID FIELD IN PARAMETER LIST, got GOOD/ },
  'UnitAttention.Precedence': { quirks: ['ua-reset-queued-last'], verdict: 'warn', message: /REGISTRATIONS PREEMPTED before the reset unit attention/ },
  'TaskSet.ClearTaskSetTas': { quirks: ['tas-ignored'], message: /aborted by the first nexus's CLEAR TASK SET with TAS=1, got no status within 5 s/ },
  'TaskSet.LUNResetTas': { quirks: ['tas-ignored'], message: /aborted by the first nexus's LOGICAL UNIT RESET with TAS=1, got no status within 5 s/ },
  'TaskSet.PreemptAndAbortTas': { quirks: ['tas-ignored'], message: /aborted by the first nexus's PREEMPT AND ABORT with TAS=1, got no status within 5 s/ },
  'ProutSpecIPT.CutTransportId': { quirks: ['pr-spec-i-pt-partial'], message: /after REGISTER with SPEC_I_PT and a cut TransportID: registered keys/ },
};

export default CASES;
