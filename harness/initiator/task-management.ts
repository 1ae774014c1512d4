/**
 * Task management of the embedded initiator (RFC 7143 11.5, 11.6): requests sent immediate, and on
 * "function complete" the SCSI tasks the function ended are failed here with ISCSI_E_ABORTED. ABORT
 * TASK of a command still queued behind a closed CmdSN window is settled locally.
 */
import {
  Opcode,
  RESERVED_TAG,
  TaskMgmtRequest,
  TaskMgmtResponse,
  TMF_FUNCTION_NAMES,
  TMF_RESPONSE_NAMES,
  TmfFunction,
  TmfResponse,
} from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import type { SessionState, Task } from './session-state.js';
import type { TmfResult } from './session-types.js';

export interface TmfOptions {
  lun?: number | bigint;
  referencedTaskTag?: number;
  refCmdSN?: number;
  timeoutMs?: number;
}

export class TaskManagement {
  constructor(private readonly s: SessionState) {}

  /**
   * Task management (RFC 7143 11.5), sent immediate. On "function complete" the tasks the function
   * ends (the referenced task, or every task of the LUN or the target) are failed with ISCSI_E_ABORTED.
   */
  request(fn: number, opts: TmfOptions = {}): Promise<TmfResult> {
    const s = this.s;
    const name = TMF_FUNCTION_NAMES[fn] ?? `TMF function ${fn}`;
    // RFC 7143 11.5.3: the LUN field addresses an LU only for ABORT TASK, ABORT TASK SET, CLEAR ACA,
    // CLEAR TASK SET and LOGICAL UNIT RESET; in the others it is reserved, so 0 unless given on purpose.
    const addressesLu = fn >= TmfFunction.ABORT_TASK && fn <= TmfFunction.LOGICAL_UNIT_RESET;
    let handle;
    try {
      handle = s.addTask('tmf', name, opts.timeoutMs, opts.lun !== undefined || addressesLu ? s.lunOf(opts.lun) : 0n);
    } catch (e) {
      return Promise.reject(e);
    }
    const { task, promise } = handle;
    const ref = opts.referencedTaskTag !== undefined ? s.tasks.get(opts.referencedTaskTag) : undefined;
    if (fn === TmfFunction.ABORT_TASK && ref && opts.refCmdSN === undefined && s.isQueued(ref)) {
      // The command never left: it has no CmdSN, and the target has nothing to abort (a RefCmdSN
      // would have to be made up). Drop it here.
      s.tasks.delete(task.itt);
      s.failTask(ref, new IscsiError('ISCSI_E_ABORTED', `${ref.what}: aborted before it was sent (the CmdSN window was closed, MaxCmdSN ${s.maxCmdSN})`));
      return Promise.resolve({
        response: TmfResponse.FUNCTION_COMPLETE,
        responseName: 'Function complete (the command was still queued in the initiator; nothing sent)',
        local: true,
      });
    }
    s.armTimer(task);
    const pdu: TaskMgmtRequest = {
      opcode: Opcode.TASK_MGMT_REQUEST,
      immediate: true,
      function: fn,
      lun: task.lun,
      itt: task.itt,
      referencedTaskTag: opts.referencedTaskTag ?? RESERVED_TAG,
      cmdSN: s.cmdSN,
      expStatSN: s.expStatSN,
      // RFC 7143 11.5.5: for ABORT TASK, the CmdSN of the task, or for a task created by an immediate
      // command the CmdSN of this request itself.
      refCmdSN: opts.refCmdSN ?? (ref ? (ref.opts?.immediate ? s.cmdSN : ref.cmdSN) : 0),
      expDataSN: 0,
    };
    task.cmdSN = s.cmdSN;
    try {
      s.send(pdu);
    } catch (e) {
      s.failTask(task, e as IscsiError);
    }
    return (promise as Promise<TaskMgmtResponse>).then((rsp) => {
      if (rsp.response === TmfResponse.FUNCTION_COMPLETE) this.abortAffected(fn, pdu);
      return { response: rsp.response, responseName: TMF_RESPONSE_NAMES[rsp.response] ?? `response ${rsp.response}`, pdu: rsp };
    });
  }

  onResponse(pdu: TaskMgmtResponse): void {
    this.s.finishTask(this.s.taskFor(pdu.itt, 'tmf', pdu), pdu);
  }

  private abortAffected(fn: number, req: TaskMgmtRequest): void {
    const err = (t: Task) => new IscsiError('ISCSI_E_ABORTED', `${t.what}: ended by ${TMF_FUNCTION_NAMES[fn]}`);
    for (const t of [...this.s.tasks.values()]) {
      if (t.kind !== 'scsi') continue;
      const hit =
        fn === TmfFunction.ABORT_TASK
          ? t.itt === req.referencedTaskTag
          : fn === TmfFunction.ABORT_TASK_SET || fn === TmfFunction.CLEAR_TASK_SET || fn === TmfFunction.LOGICAL_UNIT_RESET
            ? t.lun === req.lun
            : fn === TmfFunction.TARGET_WARM_RESET || fn === TmfFunction.TARGET_COLD_RESET;
      if (hit) this.s.failTask(t, err(t));
    }
  }

  abortTask(itt: number, opts: { lun?: number | bigint; timeoutMs?: number } = {}): Promise<TmfResult> {
    const t = this.s.tasks.get(itt);
    return this.request(TmfFunction.ABORT_TASK, { ...opts, lun: opts.lun ?? t?.lun, referencedTaskTag: itt });
  }

  lunReset(lun?: number | bigint, timeoutMs?: number): Promise<TmfResult> {
    return this.request(TmfFunction.LOGICAL_UNIT_RESET, { ...(lun !== undefined ? { lun } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
  }
}
