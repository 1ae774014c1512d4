/**
 * The iSCSI layer's quirks (`--quirk NAME`, see quirks.ts): each is declared here and applied here, as
 * a wrapper around one method of the connection's parts, so that the correct code paths carry no
 * quirk branches. A wrapper replaces a method of one connection's instance, only when its quirk is on.
 */
import {
  AnyPdu,
  DataIn,
  LogoutResponseCode,
  NopIn,
  Opcode,
  R2T,
  RESERVED_TAG,
  ScsiResponse,
  snAdd,
  TaskMgmtRequest,
  TmfFunction,
  TmfResponse,
} from '../protocol/iscsi/index.js';
import { bigIntToLun } from '../protocol/scsi/index.js';
import { EMPTY, TargetChannel } from './channel.js';
import type { CommandOrdering } from './cmdsn.js';
import type { LogoutHandler } from './logout.js';
import type { NopHandler } from './nop.js';
import { defineQuirk, Quirks } from './quirks.js';
import type { ScsiCommands } from './scsi-command.js';
import type { SessionState } from './session-host.js';
import type { TextHandler } from './text.js';
import type { TmfHandler } from './tmf.js';
import { applyFfpQuirks } from './ffp-quirks.js';
import { applyAsyncQuirks } from './async-quirks.js';
import { applyBurstQuirks } from './burst-limits.js';
import { applyDefaultQuirks } from './default-quirks.js';

export const Q_ISCSI = {
  wrongResidual: defineQuirk('wrong-residual', 'iscsi', 'residual counts are reported one byte off and the U/O flags dropped'),
  cmdsnWindowIgnored: defineQuirk('cmdsn-window-ignored', 'iscsi', 'commands outside the CmdSN window are executed instead of being ignored'),
  tttUnchecked: defineQuirk('ttt-unchecked', 'iscsi', "a Data-Out whose TTT no R2T of its task carried is taken as data for the task's first open R2T"),
  datasnUnchecked: defineQuirk('datasn-unchecked', 'iscsi', 'Data-Out DataSN and Buffer Offset are not checked'),
  mrdslIgnored: defineQuirk('mrdsl-ignored', 'iscsi', "Data-In segments ignore the initiator's MaxRecvDataSegmentLength (up to 1 MiB)"),
  nopNoEcho: defineQuirk('nop-no-echo', 'iscsi', 'NOP-In answers to pings do not echo the ping data'),
  nopNoReply: defineQuirk('nop-no-reply', 'iscsi', 'NOP-Out pings are not answered'),
  abortIgnored: defineQuirk('tmf-abort-ignored', 'iscsi', 'ABORT TASK answers "function complete" but the task runs on and answers'),
  abortUnknownComplete: defineQuirk(
    'tmf-abort-unknown-complete',
    'iscsi',
    'ABORT TASK of a task that does not exist (finished, never sent) answers "function complete"',
  ),
  refCmdSnIgnored: defineQuirk(
    'tmf-refcmdsn-ignored',
    'iscsi',
    'ABORT TASK of a task not received yet whose RefCmdSN is in the window answers "task does not exist" and leaves the CmdSN gap open',
  ),
  reassignAccepted: defineQuirk('tmf-reassign-accepted', 'iscsi', 'TASK REASSIGN at ErrorRecoveryLevel 0 answers "function complete"'),
  tmfAnyLun: defineQuirk('tmf-any-lun', 'iscsi', 'task management functions to a LUN that does not exist answer "function complete"'),
  lunResetRejected: defineQuirk('tmf-lun-reset-rejected', 'iscsi', 'LOGICAL UNIT RESET is answered "function rejected" and resets nothing'),
  resetKeepsWaiting: defineQuirk(
    'tmf-reset-keeps-waiting',
    'iscsi',
    'LUN RESET and the other task-set functions leave tasks waiting for Data-Out alive: the data, sent later, completes them',
  ),
  r2tUnbounded: defineQuirk('r2t-unbounded', 'iscsi', 'R2Ts ignore MaxOutstandingR2T and MaxBurstLength (one R2T for all the data)'),
  statsnSkip: defineQuirk('statsn-skip', 'iscsi', 'StatSN advances by two on each response'),
  noReject: defineQuirk('no-reject', 'iscsi', 'PDUs the target cannot accept are dropped silently instead of Rejected'),
  headerDigestUnchecked: defineQuirk('header-digest-unchecked', 'iscsi', 'header digests are not verified'),
  digestUnchecked: defineQuirk('digest-unchecked', 'iscsi', 'data digests are not verified'),
  sendTargetsEmpty: defineQuirk('sendtargets-empty', 'iscsi', 'SendTargets answers with no targets'),
  cmdsnNoWrap: defineQuirk(
    'cmdsn-no-wrap',
    'iscsi',
    'the command window is compared as plain numbers, not serial numbers: a window that wraps at 2^32 takes no command',
  ),
  textUnknownKeySilent: defineQuirk('text-unknown-key-silent', 'iscsi', 'unknown keys in a full-feature Text Request get no NotUnderstood answer'),
  logoutKeepsConnection: defineQuirk('logout-keeps-connection', 'iscsi', 'after a successful Logout Response the target leaves the TCP connection open'),
  logoutWaitsForData: defineQuirk(
    'logout-waits-for-data',
    'iscsi',
    'a Logout waits (up to 30 s) for commands still gathering Data-Out instead of terminating them',
  ),
  nopAnswersUnrequested: defineQuirk('nop-answers-unrequested', 'iscsi', 'a NOP-Out with ITT 0xffffffff (no answer requested) is answered with a NOP-In'),
  immediateAdvances: defineQuirk('immediate-advances-cmdsn', 'iscsi', 'an immediate command advances ExpCmdSN as a non-immediate one would'),
  mrdslUnenforced: defineQuirk(
    'mrdsl-unenforced',
    'iscsi',
    "PDUs with data segments beyond the target's own MaxRecvDataSegmentLength are accepted (up to 16 MiB)",
  ),
  firstBurstUnenforced: defineQuirk('first-burst-unenforced', 'iscsi', 'immediate data beyond FirstBurstLength is accepted'),
  logoutLax: defineQuirk(
    'logout-lax',
    'iscsi',
    'Logout "remove the connection for recovery" at ErrorRecoveryLevel 0 and "close the connection" for an unknown CID are answered with success',
  ),
  sendTargetsLax: defineQuirk('sendtargets-lax', 'iscsi', 'SendTargets=All in a normal session and the empty value in a discovery session list every target'),
  sendTargetsSloppy: defineQuirk(
    'sendtargets-sloppy',
    'iscsi',
    'any key starting with sendtargets in any case is SendTargets, and any value starting with A or a is All',
  ),
  expCmdSnLags: defineQuirk(
    'expcmdsn-lags',
    'iscsi',
    `every PDU the target sends in full feature phase carries ExpCmdSN one less than the CmdSN it ` +
      `expects next (the last command received is not acknowledged)`,
  ),
  r2tOutstandingUnbounded: defineQuirk(
    'r2t-outstanding-unbounded',
    'iscsi',
    'R2Ts for the whole transfer are sent at once, MaxBurstLength each, ignoring MaxOutstandingR2T',
  ),
  windowUnbudgeted: defineQuirk(
    'window-unbudgeted',
    'iscsi',
    'the CmdSN window opens whatever write data the target holds: immediate and unsolicited data are held to no data budget',
  ),
  r2tsnStuck: defineQuirk('r2tsn-stuck', 'iscsi', 'every R2T carries R2TSN 0'),
  noPhaseCollapse: defineQuirk(
    'status-without-final',
    'iscsi',
    'the S bit is set without the F bit on the last Data-In PDU of a read that takes more than one',
  ),
};

/** The parts of a connection in full feature phase that quirks wrap. */
export interface QuirkableParts {
  channel: TargetChannel;
  ordering: CommandOrdering;
  scsi: ScsiCommands;
  nop: NopHandler;
  tmf: TmfHandler;
  text: TextHandler;
  logout: LogoutHandler;
  session: SessionState;
  /** The connection's own decisions. */
  conduct: { refuseBadData(): boolean; closeAfterLogout(): boolean };
}

/** Wrap the parts of one connection for the quirks that are on. */
export function applyIscsiQuirks(q: Quirks, parts: QuirkableParts): void {
  const { channel, ordering, scsi, nop, tmf, text, logout } = parts;
  if (q.has(Q_ISCSI.statsnSkip)) {
    const take = channel.takeStatSN.bind(channel);
    channel.takeStatSN = () => {
      const s = take();
      take();
      return s;
    };
  }
  if (q.has(Q_ISCSI.noReject)) channel.reject = (reason, _header, why) => channel.log(`Reject (${reason}) not sent: ${why}`);
  if (q.has(Q_ISCSI.cmdsnWindowIgnored)) ordering.ignoreOutsideWindow = () => false;
  if (q.has(Q_ISCSI.windowUnbudgeted)) {
    scsi.writeData.window.slots = () => Infinity;
    scsi.writeData.window.holdsImmediate = () => true;
  }
  if (q.has(Q_ISCSI.datasnUnchecked)) scsi.writeData.sequenceFault = () => undefined;
  if (q.has(Q_ISCSI.tttUnchecked)) {
    const onDataOut = scsi.writeData.onDataOut.bind(scsi.writeData);
    scsi.writeData.onDataOut = (d, raw) => {
      const task = scsi.get(d.itt);
      const first = task && d.ttt !== RESERVED_TAG && !task.r2ts.has(d.ttt) ? task.r2ts.values().next().value : undefined;
      onDataOut(first ? { ...d, ttt: first.ttt } : d, raw);
    };
  }
  if (q.has(Q_ISCSI.r2tOutstandingUnbounded))
    scsi.writeData.nextBurst = (task) => Math.min(parts.session.params.maxBurstLength, task.edtl - task.solicitedUpTo);
  if (q.has(Q_ISCSI.r2tUnbounded)) scsi.writeData.nextBurst = (task) => task.edtl - task.solicitedUpTo;
  if (q.has(Q_ISCSI.mrdslIgnored)) scsi.dataInSegmentLength = () => 1 << 20;
  if (q.has(Q_ISCSI.nopNoReply)) nop.answerPing = () => {};
  if (q.has(Q_ISCSI.nopAnswersUnrequested)) {
    const onNopOut = nop.onNopOut.bind(nop);
    nop.onNopOut = (pdu) => (pdu.itt === RESERVED_TAG && pdu.ttt === RESERVED_TAG ? nop.answerPing(pdu) : onNopOut(pdu));
  }
  if (q.has(Q_ISCSI.cmdsnNoWrap)) ordering.inWindow = (sn) => channel.expCmdSN <= sn && sn <= channel.windowEnd;
  if (q.has(Q_ISCSI.textUnknownKeySilent)) {
    const negotiator = parts.session.result.negotiator;
    const receive = negotiator.receive.bind(negotiator);
    negotiator.receive = (pairs, phase) => {
      const r = receive(pairs, phase);
      return phase === 'ffp' ? { ...r, replies: r.replies.filter(([, v]) => v !== 'NotUnderstood') } : r;
    };
  }
  if (q.has(Q_ISCSI.logoutKeepsConnection)) parts.conduct.closeAfterLogout = () => false;
  if (q.has(Q_ISCSI.logoutWaitsForData)) {
    logout.endWaiting = () => {};
    logout.drainMs = 30_000;
  }
  if (q.has(Q_ISCSI.sendTargetsEmpty)) text.sendTargets = () => [];
  if (q.has(Q_ISCSI.sendTargetsLax)) {
    const targetsFor = text.targetsFor.bind(text);
    text.targetsFor = (value) => (value === 'All' || (value === '' && !text.sessionNode) ? text.allowedNodes() : targetsFor(value));
  }
  if (q.has(Q_ISCSI.sendTargetsSloppy)) {
    const sendTargets = text.sendTargets.bind(text);
    text.isSendTargets = (key) => key.toLowerCase().startsWith('sendtargets');
    text.sendTargets = (value) => sendTargets(/^a/i.test(value) ? 'All' : value);
  }
  if (q.has(Q_ISCSI.immediateAdvances)) {
    const receive = ordering.receive.bind(ordering);
    ordering.receive = (pdu, raw) => {
      receive(pdu, raw);
      if (pdu.immediate && pdu.opcode === Opcode.SCSI_COMMAND && scsi.get(pdu.itt)?.cmd === pdu) channel.expCmdSN = snAdd(channel.expCmdSN, 1);
    };
  }
  if (q.has(Q_ISCSI.headerDigestUnchecked)) channel.parser.verifyHeaderDigest = false;
  if (q.has(Q_ISCSI.mrdslUnenforced)) channel.parser.maxDataSegmentLength = 1 << 24;
  if (q.has(Q_ISCSI.firstBurstUnenforced)) scsi.writeData.immediateDataLimit = () => Infinity;
  if (q.has(Q_ISCSI.logoutLax)) logout.responseCode = () => LogoutResponseCode.SUCCESS;
  if (q.has(Q_ISCSI.digestUnchecked)) parts.conduct.refuseBadData = () => false;
  if (q.has(Q_ISCSI.abortIgnored)) {
    // ABORT TASK claims success and changes nothing; tasks that other functions abort still answer.
    tmf.abortTask = () => Promise.resolve('complete');
    scsi.silenced = (_task, res) => !!res.aborted;
  }
  if (q.has(Q_ISCSI.resetKeepsWaiting)) tmf.endWaiting = () => 0;
  if (q.has(Q_ISCSI.refCmdSnIgnored)) ordering.takeAsReceived = () => false;
  applyFfpQuirks(q, parts);
  applyAsyncQuirks(q, parts);
  if (q.has(Q_ISCSI.lunResetRejected)) {
    const onTmf = tmf.onTmf.bind(tmf);
    tmf.onTmf = (req) => (req.function === TmfFunction.LOGICAL_UNIT_RESET ? Promise.resolve(tmf.respond(req, TmfResponse.FUNCTION_REJECTED)) : onTmf(req));
  }
  applyBurstQuirks(q, parts);
  applyDefaultQuirks(q, parts);
  const claimsComplete = tmfClaimsComplete(q, parts);
  if (claimsComplete) {
    const onTmf = tmf.onTmf.bind(tmf);
    tmf.onTmf = (req) => (claimsComplete(req) ? Promise.resolve(tmf.respond(req, TmfResponse.FUNCTION_COMPLETE)) : onTmf(req));
  }
  const rewrites: ((pdu: AnyPdu) => void)[] = [];
  if (q.has(Q_ISCSI.wrongResidual)) rewrites.push(wrongResidual);
  if (q.has(Q_ISCSI.noPhaseCollapse)) rewrites.push(statusWithoutFinal);
  if (q.has(Q_ISCSI.nopNoEcho)) rewrites.push(nopNoEcho);
  if (q.has(Q_ISCSI.expCmdSnLags)) rewrites.push(expCmdSnLags);
  if (q.has(Q_ISCSI.r2tsnStuck))
    rewrites.push((pdu) => {
      if (pdu.opcode === Opcode.R2T) (pdu as R2T).r2tSN = 0;
    });
  if (rewrites.length) {
    const send = channel.send.bind(channel);
    channel.send = (pdu, data) => {
      for (const r of rewrites) r(pdu);
      send(pdu, data);
    };
  }
}

/** Which Task Management Requests the tmf-* "function complete" quirks answer so, or undefined when none is on. */
function tmfClaimsComplete(q: Quirks, parts: QuirkableParts): ((req: TaskMgmtRequest) => boolean) | undefined {
  const reassign = q.has(Q_ISCSI.reassignAccepted);
  const anyLun = q.has(Q_ISCSI.tmfAnyLun);
  const unknownTask = q.has(Q_ISCSI.abortUnknownComplete);
  if (!reassign && !anyLun && !unknownTask) return undefined;
  const lunOf = (req: TaskMgmtRequest): number => {
    try {
      return bigIntToLun(req.lun);
    } catch {
      return -1;
    }
  };
  return (req) => {
    const fn = req.function;
    if (reassign && fn === TmfFunction.TASK_REASSIGN) return true;
    const lunScoped = fn !== TmfFunction.TARGET_WARM_RESET && fn !== TmfFunction.TARGET_COLD_RESET && fn !== TmfFunction.TASK_REASSIGN;
    if (anyLun && lunScoped && !parts.session.node!.device.luns().includes(lunOf(req))) return true;
    if (unknownTask && fn === TmfFunction.ABORT_TASK) {
      const t = parts.scsi.get(req.referencedTaskTag);
      return !t || t.lunNumber !== lunOf(req);
    }
    return false;
  };
}

function wrongResidual(pdu: AnyPdu): void {
  const p = pdu as ScsiResponse | DataIn;
  const withStatus = pdu.opcode === Opcode.SCSI_RESPONSE || (pdu.opcode === Opcode.DATA_IN && (p as DataIn).statusPresent);
  if (withStatus && (p.overflow || p.underflow)) {
    p.residualCount += 1;
    p.overflow = p.underflow = false;
  }
}

function statusWithoutFinal(pdu: AnyPdu): void {
  const d = pdu as DataIn;
  if (pdu.opcode === Opcode.DATA_IN && d.statusPresent && d.dataSN > 0) d.final = false;
}

function nopNoEcho(pdu: AnyPdu): void {
  if (pdu.opcode === Opcode.NOP_IN && pdu.itt !== RESERVED_TAG) (pdu as NopIn).data = EMPTY;
}

function expCmdSnLags(pdu: AnyPdu): void {
  if (pdu.opcode !== Opcode.LOGIN_RESPONSE && 'expCmdSN' in pdu) pdu.expCmdSN = (pdu.expCmdSN - 1) >>> 0;
}
