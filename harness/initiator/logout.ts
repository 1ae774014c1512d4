/**
 * Logout of the embedded initiator (RFC 7143 11.14, 11.15), and the answer to a target that asks for
 * one with an Asynchronous Message (AsyncEvent 1, 11.9.1).
 */
import { AsyncMessage, LogoutReason, LogoutRequest, LogoutResponse, Opcode } from '../../protocol/iscsi/index.js';
import { IscsiError } from '../../protocol/errors.js';
import type { SessionState } from './session-state.js';

/** RFC 7143 11.15.1: why a target refused a logout. */
const LOGOUT_REFUSALS: Record<number, string> = { 1: 'CID not found', 2: 'connection recovery is not supported', 3: 'cleanup failed for various reasons' };

export class LogoutExchange {
  constructor(private readonly s: SessionState) {}

  /**
   * Logout. Outstanding tasks are failed with ISCSI_E_ABORTED once the target answers. A refusal (any
   * response but 0) throws ISCSI_E_LOGOUT and leaves the session as it was. `cid`: the connection
   * named by reasons 1 and 2 (default this connection's).
   */
  async logout(reason: number = LogoutReason.CLOSE_SESSION, timeoutMs?: number, cid?: number): Promise<LogoutResponse> {
    const s = this.s;
    const { task, promise } = s.addTask('logout', 'Logout', timeoutMs, 0n);
    s.armTimer(task);
    const pdu: LogoutRequest = {
      opcode: Opcode.LOGOUT_REQUEST,
      immediate: true,
      reason,
      itt: task.itt,
      cid: cid ?? s.options.cid ?? 0,
      cmdSN: s.cmdSN,
      expStatSN: s.expStatSN,
    };
    task.cmdSN = s.cmdSN;
    s.send(pdu);
    const rsp = (await promise) as LogoutResponse;
    if (rsp.response !== 0) {
      // The logout did not happen (CID not found, recovery not supported, cleanup failed): the
      // connection and the session stay as they were.
      throw new IscsiError(
        'ISCSI_E_LOGOUT',
        `Logout (reason ${reason}) refused by ${s.where}: ${LOGOUT_REFUSALS[rsp.response] ?? `response ${rsp.response}`}`,
        { response: rsp.response },
      );
    }
    s.phase = 'logout';
    s.failAll((t) => new IscsiError('ISCSI_E_ABORTED', `${t.what}: the session logged out`));
    await s.conn.end();
    return rsp;
  }

  onResponse(pdu: LogoutResponse): void {
    this.s.finishTask(this.s.taskFor(pdu.itt, 'logout', pdu), pdu);
  }

  /**
   * AsyncEvent 1 (RFC 7143 11.9.1): the target asks for logout within Parameter3 seconds. New
   * requests are refused from now on, commands still queued behind a closed window are dropped, the
   * ones in flight may end until shortly before that time, and then the session logs out.
   */
  onLogoutRequested(pdu: AsyncMessage): void {
    const s = this.s;
    if (s.options.honourLogoutRequest === false || s.phase !== 'ffp' || s.logoutRequested) return;
    const seconds = pdu.parameter3;
    s.logoutRequested = `the target asked for logout (AsyncEvent 1, within ${seconds} s)`;
    const why = s.logoutRequested;
    for (const q of [...s.waiting]) s.failTask(q.task, new IscsiError('ISCSI_E_CLOSED', `${q.task.what}: not sent: ${why}`));
    const deadline = Date.now() + Math.max(0, seconds * 1000 - 250);
    const step = (): void => {
      if (s.phase !== 'ffp') return;
      const busy = [...s.tasks.values()].some((t) => t.kind === 'scsi' || t.kind === 'tmf');
      if (busy && Date.now() < deadline) {
        setTimeout(step, 10).unref?.();
        return;
      }
      s.logoutRequested = undefined; // the Logout itself is allowed through
      this.logout(LogoutReason.CLOSE_SESSION, 5000)
        .then(() => s.events.emit('logged-out', why))
        .catch(() => s.conn.destroy('closed by the initiator without logout'))
        .finally(() => (s.logoutRequested = why));
    };
    step();
  }
}
