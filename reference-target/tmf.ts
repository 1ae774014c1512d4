/**
 * Task management (RFC 7143 11.5, 11.6): ABORT TASK, ABORT TASK SET, CLEAR ACA, CLEAR TASK SET,
 * LOGICAL UNIT RESET, TARGET WARM RESET and TARGET COLD RESET. Tasks of this session still gathering
 * data or waiting for their CmdSN turn end here; the device server ends those it holds, for every
 * I_T nexus the function concerns.
 */
import { TaskMgmtRequest, TaskMgmtResponse, TMF_FUNCTION_NAMES, TmfFunction, TmfResponse, Opcode } from '../protocol/iscsi/index.js';
import { bigIntToLun } from '../protocol/scsi/index.js';
import type { TargetChannel } from './channel.js';
import type { CommandOrdering } from './cmdsn.js';
import type { ScsiCommands } from './scsi-command.js';
import type { SessionState } from './session-host.js';
import type { TargetTask } from './task.js';
import type { TmfName, TmfOutcome } from './scsi/index.js';

const TMF_NAMES: Readonly<Record<number, TmfName>> = {
  [TmfFunction.ABORT_TASK]: 'abort-task',
  [TmfFunction.ABORT_TASK_SET]: 'abort-task-set',
  [TmfFunction.CLEAR_ACA]: 'clear-aca',
  [TmfFunction.CLEAR_TASK_SET]: 'clear-task-set',
  [TmfFunction.LOGICAL_UNIT_RESET]: 'lun-reset',
  [TmfFunction.TARGET_WARM_RESET]: 'target-warm-reset',
  [TmfFunction.TARGET_COLD_RESET]: 'target-cold-reset',
};

const RESPONSE_OF: Readonly<Record<TmfOutcome, number>> = {
  complete: TmfResponse.FUNCTION_COMPLETE,
  'no-such-task': TmfResponse.TASK_DOES_NOT_EXIST,
  'no-such-lun': TmfResponse.LUN_DOES_NOT_EXIST,
  'not-supported': TmfResponse.FUNCTION_NOT_SUPPORTED,
  rejected: TmfResponse.FUNCTION_REJECTED,
};

export interface ResetEvents {
  /** A target reset completed here: the node's other sessions are told. */
  resetOthers(cold: boolean): void;
  /** Drop this connection. */
  close(why: string): void;
}

export class TmfHandler {
  constructor(
    private readonly ch: TargetChannel,
    private readonly session: SessionState,
    private readonly scsi: ScsiCommands,
    private readonly ordering: CommandOrdering,
    private readonly events: ResetEvents,
  ) {}

  /** Send the Task Management Function Response to `req`. */
  respond(req: TaskMgmtRequest, response: number): void {
    const rsp: TaskMgmtResponse = {
      opcode: Opcode.TASK_MGMT_RESPONSE,
      response,
      itt: req.itt,
      statSN: this.ch.takeStatSN(),
      expCmdSN: this.ch.expCmdSN,
      maxCmdSN: this.ch.maxCmdSN,
    };
    this.ch.send(rsp);
    this.ch.log(`${TMF_FUNCTION_NAMES[req.function] ?? `function ${req.function}`} LUN ${lunText(req.lun)}: ${response}`);
  }

  async onTmf(req: TaskMgmtRequest): Promise<void> {
    const fn = req.function;
    const answer = (response: number) => this.respond(req, response);
    let lun: number;
    try {
      lun = bigIntToLun(req.lun);
    } catch {
      lun = -1;
    }
    if (fn === TmfFunction.TASK_REASSIGN) {
      // RFC 7143 11.5.1: reassignment needs ErrorRecoveryLevel 2.
      answer(TmfResponse.TASK_ALLEGIANCE_REASSIGNMENT_NOT_SUPPORTED);
      return;
    }
    const tmf = TMF_NAMES[fn];
    if (!tmf) {
      answer(TmfResponse.FUNCTION_NOT_SUPPORTED);
      return;
    }
    const targetReset = fn === TmfFunction.TARGET_WARM_RESET || fn === TmfFunction.TARGET_COLD_RESET;
    if (!targetReset && !this.session.node!.device.luns().includes(lun)) {
      answer(TmfResponse.LUN_DOES_NOT_EXIST);
      return;
    }
    if (targetReset && !this.session.node!.mayResetTarget(this.session.result.initiatorName)) {
      // RFC 7143 11.6.1: "Function authorization failed"; who may is the target's TargetReset setting.
      this.ch.log(
        `${TMF_FUNCTION_NAMES[fn]} refused: ${this.session.result.initiatorName} is not allowed to reset ${this.session.node!.config.iqn} (TargetReset)`,
      );
      answer(TmfResponse.FUNCTION_AUTHORIZATION_FAILED);
      return;
    }
    let outcome: TmfOutcome;
    if (fn === TmfFunction.ABORT_TASK) {
      const t = this.scsi.get(req.referencedTaskTag);
      if (!t || t.lunNumber !== lun) {
        answer(!t && this.ordering.takeAsReceived(req.refCmdSN, req.cmdSN) ? TmfResponse.FUNCTION_COMPLETE : TmfResponse.TASK_DOES_NOT_EXIST);
        return;
      }
      outcome = await this.abortTask(t, lun);
    } else {
      outcome = await this.manyTasks(tmf, targetReset ? undefined : lun);
      if (outcome === 'complete' && targetReset) this.events.resetOthers(fn === TmfFunction.TARGET_COLD_RESET);
    }
    answer(RESPONSE_OF[outcome]);
    if (fn === TmfFunction.TARGET_COLD_RESET && outcome === 'complete') {
      // RFC 7143 11.5.1: after a cold reset the target drops all of its connections.
      setImmediate(() => this.events.close('TARGET COLD RESET'));
    }
  }

  /** ABORT TASK of a task this session has: ended here if it is not executing yet, else by the device server. */
  async abortTask(t: TargetTask, lun: number): Promise<TmfOutcome> {
    if (!t.executing) {
      this.scsi.abortLocal(t);
      return 'complete';
    }
    t.aborted = true;
    const outcome = await this.session.node!.device.taskManagement(this.session.nexus!, 'abort-task', lun, t.itt);
    if (outcome !== 'complete') t.aborted = false;
    return outcome;
  }

  /**
   * Tasks still gathering data or waiting for their CmdSN turn end here, unanswered (of one LUN, or
   * all): for this session's own functions, and when the device server ends another session's (LUN
   * RESET, CLEAR TASK SET, PREEMPT AND ABORT), those of another session with TASK ABORTED status where the
   * Control mode page says TAS=1 (`taskAborted`). How many ended.
   */
  endWaiting(lun: number | undefined, taskAborted = false): number {
    return this.scsi.abortWaiting(lun, taskAborted);
  }

  /** A function over many tasks, of one LUN or (target resets) all. */
  private async manyTasks(tmf: TmfName, lun: number | undefined): Promise<TmfOutcome> {
    this.endWaiting(lun);
    // The device server ends the executing ones; their answers are dropped.
    for (const t of this.scsi.all()) if (t.executing && (lun === undefined || t.lunNumber === lun)) t.aborted = true;
    const outcome = await this.session.node!.device.taskManagement(this.session.nexus!, tmf, lun ?? 0);
    if (outcome !== 'complete') for (const t of this.scsi.all()) t.aborted = false;
    return outcome;
  }
}

function lunText(lun: bigint): string {
  try {
    return String(bigIntToLun(lun));
  } catch {
    return `0x${lun.toString(16)}`;
  }
}
