/**
 * The device server: routes each command to its logical unit's task set, applies the unit attention,
 * reservation conflict, sense and CDB checking rules that every command shares, and implements task
 * management and I_T nexus events. It knows nothing of iSCSI (see types.ts for the contract with the
 * transport). Per-command work is kept small: the command table is indexed once per LU and each command's
 * allowed CDB bits are computed once.
 */
import { decodeCdb, lookupCdb } from '../../protocol/scsi/cdbcodec.js';
import { Op } from '../../protocol/scsi/opcodes.js';
import { Asc, SenseKey } from '../../protocol/scsi/sense.js';
import { ScsiStatus } from '../../protocol/scsi/status.js';
import { NO_QUIRKS, type Quirks } from './quirk-registry.js';
import { CheckCondition, ReservationConflict, TaskAborted, encodeCheck, invalidCdb, invalidOpcode, luNotSupported, topBit } from './check.js';
import { prCommands } from './commands/pr.js';
import { sbcCommands } from './commands/sbc.js';
import { reportLunsData, spcCommands, standardInquiry } from './commands/spc.js';
import { copyCommands } from './commands/xcopy.js';
import { CdbFields, type CommandSpec, type Ctx, type ServerCore } from './commands/types.js';
import type { DeviceServerOptions } from './config.js';
import { holdTask, movesBlocks } from './latency.js';
import { LogicalUnit } from './lu.js';
import { Q } from './quirks.js';
import { dropRegistration, reservationConflict } from './reservations.js';
import { Task, type Attr } from './taskset.js';
import { reportLunsWellKnownLu } from './wlun.js';
import {
  itKeyOf,
  REPORT_LUNS_WLUN_NUMBER,
  type CommandRequest,
  type CommandResult,
  type DeviceServer,
  type Nexus,
  type TmfName,
  type TmfOutcome,
} from './types.js';

const ALL_COMMANDS: CommandSpec[] = [...spcCommands, ...sbcCommands, ...prCommands, ...copyCommands].sort((a, b) => a.op - b.op || (a.sa ?? 0) - (b.sa ?? 0));
/** Operation codes whose byte 1 holds a service action in this device server. */
const SA_OPS = new Set(ALL_COMMANDS.filter((s) => s.sa !== undefined).map((s) => s.op));

/**
 * For each command, the CDB bits that may be set: its usage map, its obsolete bits and the SERVICE ACTION
 * field. Computed once per command, not per CDB.
 */
const ALLOWED_BITS = new WeakMap<CommandSpec, Uint8Array>();

function allowedBits(spec: CommandSpec): Uint8Array {
  let m = ALLOWED_BITS.get(spec);
  if (!m) {
    m = new Uint8Array(spec.cdbLength);
    for (let i = 1; i < spec.cdbLength; i++) m[i] = (spec.usage[i] ?? 0) | (spec.obsolete?.[i] ?? 0) | (i === 1 && spec.sa !== undefined ? 0x1f : 0);
    ALLOWED_BITS.set(spec, m);
  }
  return m;
}

/** The commands one LU implements, indexed for dispatch (built once per LU: availability is fixed). */
interface Dispatch {
  specs: readonly CommandSpec[];
  /** By operation code, for operation codes without service actions. */
  byOp: (CommandSpec | undefined)[];
  /** By (operation code << 5) | service action. */
  bySa: Map<number, CommandSpec>;
}

function buildDispatch(lu: LogicalUnit): Dispatch {
  const specs = ALL_COMMANDS.filter((s) => !s.available || s.available(lu));
  const byOp = new Array<CommandSpec | undefined>(256);
  const bySa = new Map<number, CommandSpec>();
  for (const s of specs) {
    if (s.sa !== undefined) bySa.set((s.op << 5) | s.sa, s);
    else if (!byOp[s.op]) byOp[s.op] = s;
  }
  return { specs, byOp, bySa };
}
/** The commands answered for a LUN that does not exist (SPC-5 6.7.1, REQUEST SENSE, REPORT LUNS). */
const NO_LUN_ANSWERED = new Set<number>([Op.INQUIRY, Op.REQUEST_SENSE, Op.REPORT_LUNS]);

/** Most distinct I_T nexus identities remembered as having seen the power-on unit attention. */
const MAX_SEEN = 4096;

export { itKeyOf };

export class ScsiDeviceServer implements DeviceServer, ServerCore {
  readonly targetName: string;
  readonly quirks: Quirks;
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
  readonly sanitizeDurationMs: number;
  readonly protocolIdentifier: number;
  private readonly units = new Map<number, LogicalUnit>();
  private readonly dispatch = new Map<LogicalUnit, Dispatch>();
  private readonly keys = new WeakMap<Nexus, string>();
  private readonly order: number[];
  /** Known nexuses by transport id. */
  private readonly nexuses = new Map<string, Nexus>();
  /** I_T identities that have been given the power-on UA (bounded). */
  private readonly seen = new Set<string>();
  /** I_T identities whose nexus was lost: their next nexus gets I_T NEXUS LOSS OCCURRED. */
  private readonly lost = new Set<string>();
  private closed = false;

  constructor(opts: DeviceServerOptions) {
    this.targetName = opts.targetName;
    this.quirks = opts.quirks ?? NO_QUIRKS;
    this.vendor = opts.vendor ?? 'ISCSITST';
    this.product = opts.product ?? 'REFERENCE TARGET';
    this.revision = opts.revision ?? '0001';
    this.sanitizeDurationMs = opts.sanitizeDurationMs ?? 8000;
    this.protocolIdentifier = opts.protocolIdentifier ?? 5;
    const cap = opts.taskSetCapacity ?? 1024;
    const built: LogicalUnit[] = [];
    try {
      for (const c of opts.luns) {
        if (this.units.has(c.lun)) throw new Error(`LUN ${c.lun} configured twice`);
        const lu = new LogicalUnit(c, opts.targetName, this.quirks, cap);
        built.push(lu);
        this.units.set(c.lun, lu);
        this.dispatch.set(lu, buildDispatch(lu));
      }
    } catch (e) {
      for (const lu of built) void lu.store.close().catch(() => {});
      throw e;
    }
    this.order = [...this.units.keys()].sort((a, b) => a - b);
  }

  // --- ServerCore ----------------------------------------------------------------------------------------

  lunNumbers(): number[] {
    return [...this.order];
  }

  itKeys(): string[] {
    return [...new Set([...this.nexuses.values()].map(itKeyOf))];
  }

  specsFor(lu: LogicalUnit): readonly CommandSpec[] {
    return this.dispatchOf(lu).specs;
  }

  nexusList(): Nexus[] {
    return [...this.nexuses.values()];
  }

  logicalUnits(): LogicalUnit[] {
    return [...this.units.values()];
  }

  async abortTasks(lu: LogicalUnit, pick: (t: Task) => boolean, pendingOf?: ReadonlySet<string>): Promise<void> {
    // the tasks of the preempted I_T nexuses, aborted by another one: TASK ABORTED status where TAS is one
    const report = this.tasOn(lu);
    await this.abortAll(lu, pick, report);
    if (pendingOf && pendingOf.size > 0)
      this.endPending(lu, new Set([...this.nexuses.values()].filter((n) => pendingOf.has(itKeyOf(n))).map((n) => n.id)), report);
  }

  /** TAS is one in the Control mode page (and the quirk tas-ignored does not silence it). */
  private tasOn(lu: LogicalUnit): boolean {
    return lu.mode.tas && !this.quirks.has(Q.TAS_IGNORED);
  }

  /** The transport's tasks for this LU (gathering Data-Out) end too; the I_T nexus identities that had some. */
  private endPending(lu: LogicalUnit, ids: ReadonlySet<string> | 'all', taskAborted = false): Set<string> {
    if (this.quirks.has(Q.TMF_SPARES_PENDING) || !this.onTasksEnded) return new Set();
    const ended = this.onTasksEnded(lu.lun, ids, taskAborted);
    return new Set([...this.nexuses.values()].filter((n) => ended.has(n.id)).map(itKeyOf));
  }

  /** The transport ends its tasks of these nexuses (with TASK ABORTED status when `taskAborted`); the nexus ids that had some. */
  onTasksEnded?: (lun: number, nexusIds: ReadonlySet<string> | 'all', taskAborted: boolean) => ReadonlySet<string>;

  private dispatchOf(lu: LogicalUnit): Dispatch {
    let d = this.dispatch.get(lu);
    if (!d) this.dispatch.set(lu, (d = buildDispatch(lu)));
    return d;
  }

  /** The logical unit (tests and the transport's diagnostics). */
  unit(lun: number): LogicalUnit | undefined {
    return this.units.get(lun);
  }

  // --- DeviceServer --------------------------------------------------------------------------------------

  luns(): number[] {
    return this.lunNumbers();
  }

  nexusCreated(nexus: Nexus): void {
    this.nexuses.set(nexus.id, nexus);
    const key = itKeyOf(nexus);
    let ua: number | undefined;
    if (this.lost.delete(key))
      ua = Asc.I_T_NEXUS_LOSS_OCCURRED; // SAM-5 6.3.4
    else if (!this.seen.has(key)) ua = Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET; // SAM-5 6.3.1: not yet told of the power on
    this.remember(key);
    if (ua !== undefined) for (const lu of this.units.values()) lu.establishUa(key, ua);
  }

  nexusEnded(nexus: Nexus, how: 'logout' | 'loss'): void {
    this.nexuses.delete(nexus.id);
    const key = itKeyOf(nexus);
    // a reinstated session may already hold a new nexus with the same I_T identity
    const stillThere = [...this.nexuses.values()].some((n) => itKeyOf(n) === key);
    for (const lu of this.units.values()) {
      for (const t of lu.taskSet.list()) if (t.nexus.id === nexus.id) this.abortTask(lu, t);
      // PREVENT ends with the nexus (SBC-4 5.15), so do its unit attentions and deferred errors
      if (how === 'loss' || !stillThere) {
        lu.forgetNexus(key);
        // SAM-5 6.3.4: the RESERVE(6) reservation of the nexus is released; registrations and persistent
        // reservations are not affected by the end of a nexus (SPC-5 reservations)
        if (lu.spc2Holder === key && !this.quirks.has(Q.RESERVE6_SURVIVES_NEXUS_LOSS)) lu.spc2Holder = null;
        if (how === 'loss' && this.quirks.has(Q.PR_LOST_ON_NEXUS_LOSS)) dropRegistration(lu.pr, key);
      }
      // SAM-5 6.3.4: I_T NEXUS LOSS OCCURRED for that I_T nexus, now or when it comes back
      if (how === 'loss' && stillThere) lu.establishUa(key, Asc.I_T_NEXUS_LOSS_OCCURRED);
    }
    if (how === 'loss' && !stillThere) {
      this.lost.add(key);
      if (this.lost.size > MAX_SEEN) this.lost.delete(this.lost.values().next().value!);
    }
  }

  /** The I_T nexus identity of a nexus, built once per Nexus object (the transport passes the same one). */
  private keyOf(n: Nexus): string {
    let k = this.keys.get(n);
    if (k === undefined) this.keys.set(n, (k = itKeyOf(n)));
    return k;
  }

  private remember(key: string): void {
    this.seen.delete(key);
    this.seen.add(key);
    if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.values().next().value!);
  }

  async execute(req: CommandRequest): Promise<CommandResult> {
    if (this.closed) return this.check(null, new CheckCondition(SenseKey.NOT_READY, Asc.LOGICAL_UNIT_NOT_READY_CAUSE_NOT_REPORTABLE));
    if (!this.nexuses.has(req.nexus.id)) this.nexusCreated(req.nexus);
    const cdb = req.cdb;
    if (!Buffer.isBuffer(cdb) || cdb.length === 0) return this.check(null, invalidCdb(0));
    if (req.lun === REPORT_LUNS_WLUN_NUMBER) {
      if (!this.quirks.has(Q.WLUN_ALIAS_LUN0)) return reportLunsWellKnownLu(this, req);
      req = { ...req, lun: this.order[0]! };
    }
    const lu = this.units.get(req.lun);
    if (!lu) return this.noSuchLun(req);
    // SAM-5 8.9: an ACA task without an ACA condition (NACA is not supported)
    if (req.attr === 'aca') return this.check(lu, new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_MESSAGE_ERROR));
    let attr: Attr = req.attr === 'ordered' ? 'ordered' : req.attr === 'head-of-queue' ? 'head-of-queue' : 'simple';
    if (this.quirks.has(Q.IGNORE_TASK_ATTR)) attr = 'simple';
    const task = new Task(req.nexus, this.keyOf(req.nexus), req.tag, attr);
    if (!lu.taskSet.add(task)) return { status: ScsiStatus.TASK_SET_FULL };
    try {
      // a task enabled as it entered the task set (the usual case) starts at once
      if (task.state !== 'enabled') await Promise.race([task.enabled, new Promise<void>((r) => task.onAbort(r))]);
      if (lu.latencyMs > 0 && !task.aborted && movesBlocks(req.cdb)) await holdTask(task, lu.latencyMs);
      if (task.aborted && !this.quirks.has(Q.ABORT_IGNORED)) return abortedResult(task);
      const result = await this.process(lu, task, req);
      if (task.aborted && !this.quirks.has(Q.ABORT_IGNORED)) return abortedResult(task);
      return result;
    } finally {
      lu.taskSet.remove(task);
    }
  }

  /** Commands to a LUN that does not exist (SPC-5 6.7.1 and REQUEST SENSE, SAM-5 5.x). */
  private noSuchLun(req: CommandRequest): CommandResult {
    const cdb = req.cdb;
    try {
      const e = lookupCdb(cdb);
      if (e?.length === undefined || cdb.length < e.length || !NO_LUN_ANSWERED.has(e.op)) return this.check(null, luNotSupported());
      const v = decodeCdb(cdb).values;
      if (e.op === Op.INQUIRY) {
        if (v.evpd) return this.check(null, luNotSupported());
        if (v.page !== 0) return this.check(null, invalidCdb(2, 7));
        const d = standardInquiry(this, null);
        return { status: ScsiStatus.GOOD, data: d.subarray(0, Math.min(d.length, Number(v.alloc))) };
      }
      if (e.op === Op.REQUEST_SENSE) {
        const d = encodeCheck(luNotSupported(), { descriptor: v.desc === 1 && !this.quirks.has(Q.FIXED_SENSE_ONLY) });
        return { status: ScsiStatus.GOOD, data: d.subarray(0, Math.min(d.length, Number(v.alloc))) };
      }
      return { status: ScsiStatus.GOOD, data: reportLunsData(this, cdb) };
    } catch (e) {
      if (e instanceof CheckCondition) return this.check(null, e);
      throw e;
    }
  }

  private check(lu: LogicalUnit | null, c: CheckCondition): CommandResult {
    const descriptor = lu ? lu.descriptorSense : false;
    return { status: ScsiStatus.CHECK_CONDITION, sense: encodeCheck(c, { descriptor, noFieldPointer: this.quirks.has(Q.SENSE_NO_FIELD_POINTER) }) };
  }

  /** Finds the command a CDB names on this LU (undefined: not supported). */
  private lookup(lu: LogicalUnit, cdb: Buffer): { spec?: CommandSpec; badSa?: boolean } {
    const op = cdb[0]!;
    const d = this.dispatchOf(lu);
    if (SA_OPS.has(op)) {
      if (cdb.length < 2) return {};
      const spec = d.bySa.get((op << 5) | (cdb[1]! & 0x1f));
      return spec ? { spec } : { badSa: true };
    }
    const spec = d.byOp[op];
    return spec ? { spec } : {};
  }

  /** The checks every command goes through, then its handler (SAM-5 5.14, SPC-5 sense data, SBC-4 4.11). */
  private async process(lu: LogicalUnit, task: Task, req: CommandRequest): Promise<CommandResult> {
    const itKey = task.itKey;
    const { spec, badSa } = this.lookup(lu, req.cdb);
    try {
      // a pending unit attention is reported on any command but INQUIRY, REPORT LUNS and REQUEST SENSE,
      // which is then not processed; the UA is cleared (UA_INTLCK_CTRL 00b)
      if (!spec?.noUa) {
        const ua = lu.pendingUa(itKey);
        if (ua !== undefined) {
          lu.consumeUa(itKey);
          throw new CheckCondition(SenseKey.UNIT_ATTENTION, ua);
        }
        const def = lu.takeDeferred(itKey);
        if (def) throw def;
      }
      // SBC-4 4.11.2: while a sanitize operation runs, other commands get NOT READY with progress
      if (lu.sanitizing && !spec?.duringSanitize) {
        throw new CheckCondition(SenseKey.NOT_READY, Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS, { progress: lu.sanitizeProgress(this.sanitizeDurationMs) });
      }
      if (!spec) throw badSa ? invalidCdb(1, 4) : invalidOpcode();
      if (req.cdb.length < spec.cdbLength) throw invalidCdb(req.cdb.length);
      const cdb = req.cdb.subarray(0, spec.cdbLength);
      // a reservation held by another I_T nexus (SPC-5 reservations, SPC-2 5.5.1): not processed, no sense data
      if (reservationConflict(lu, spec, cdb, itKey, this.quirks)) throw new ReservationConflict();
      if (!this.quirks.has(Q.IGNORE_RESERVED_BITS)) checkCdbBits(spec, cdb);
      const ctx: Ctx = { core: this, lu, task, req, cdb, f: new CdbFields(cdb), itKey };
      const r = await spec.handler(ctx);
      return {
        status: r.status ?? ScsiStatus.GOOD,
        ...(r.data ? { data: r.data } : {}),
        ...(r.transferLength !== undefined ? { transferLength: r.transferLength } : {}),
      };
    } catch (e) {
      if (e instanceof TaskAborted) return abortedResult(task);
      if (e instanceof ReservationConflict) return { status: ScsiStatus.RESERVATION_CONFLICT };
      if (e instanceof CheckCondition) {
        return this.check(lu, e);
      }
      // an internal failure must never take the target down: report it as the standard asks
      return this.check(lu, new CheckCondition(SenseKey.HARDWARE_ERROR, Asc.INTERNAL_TARGET_FAILURE));
    }
  }

  // --- task management (SAM-5 7) -------------------------------------------------------------------------

  private abortTask(lu: LogicalUnit, t: Task, report = false): void {
    if (t.state === 'done') return;
    t.reportAborted = report;
    t.abort();
    if (t.state === 'dormant') {
      // not started: leaves the task set now (execute() sees the abort and answers { aborted })
      lu.taskSet.remove(t);
    }
  }

  /** Aborts the tasks and waits until each has stopped (no I/O of theirs runs after the TMF completes). */
  private async abortAll(lu: LogicalUnit, pick: (t: Task) => boolean, reportOthersOf?: string | boolean): Promise<Task[]> {
    const victims = lu.taskSet.list().filter(pick);
    // TAS one: a task of an I_T nexus other than the one whose action aborts it ends with TASK ABORTED status
    const report = (t: Task) => (typeof reportOthersOf === 'string' ? t.nexus.id !== reportOthersOf : reportOthersOf === true);
    for (const t of victims) this.abortTask(lu, t, report(t));
    await Promise.all(victims.map((t) => t.finished));
    return victims;
  }

  async taskManagement(nexus: Nexus, fn: TmfName, lun: number, tag?: number): Promise<TmfOutcome> {
    const key = itKeyOf(nexus);
    const lunScoped = fn === 'abort-task' || fn === 'abort-task-set' || fn === 'clear-task-set' || fn === 'lun-reset' || fn === 'clear-aca';
    const lu = this.units.get(lun);
    if (lunScoped && !lu) return 'no-such-lun';
    switch (fn) {
      case 'abort-task': {
        const t = lu!.taskSet.list().find((x) => x.nexus.id === nexus.id && x.tag === tag);
        if (!t) return 'no-such-task';
        if (this.quirks.has(Q.ABORT_IGNORED)) return 'complete';
        await this.abortAll(lu!, (x) => x === t);
        return 'complete';
      }
      case 'abort-task-set':
        if (this.quirks.has(Q.ABORT_TASK_SET_ALL)) {
          await this.abortAll(lu!, () => true);
          this.endPending(lu!, 'all');
        } else await this.abortAll(lu!, (t) => t.nexus.id === nexus.id);
        return 'complete';
      case 'clear-task-set': {
        const tas = this.tasOn(lu!);
        const victims = await this.abortAll(lu!, () => true, tas ? nexus.id : undefined);
        const pending = this.endPending(lu!, 'all', tas);
        // SAM-5 (CLEAR TASK SET, Control mode page TAS=0): COMMANDS CLEARED BY ANOTHER INITIATOR for the other
        // nexuses whose tasks were aborted; with TAS=1 their tasks ended with TASK ABORTED status instead
        if (!tas)
          for (const k of new Set([...victims.map((t) => t.itKey), ...pending])) if (k !== key) lu!.establishUa(k, Asc.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR);
        return 'complete';
      }
      case 'lun-reset': {
        // TAS=1: the other nexuses' tasks end with TASK ABORTED status (a reset caused by a particular I_T nexus)
        const tas = this.tasOn(lu!);
        await this.resetUnit(lu!, Asc.BUS_DEVICE_RESET_FUNCTION_OCCURRED, tas ? nexus.id : undefined);
        this.endPending(lu!, 'all', tas);
        return 'complete';
      }
      case 'target-warm-reset':
      case 'target-cold-reset':
        // a hard reset (SAM-5 6.3.2): every LU reset; nexuses that log in later were not told yet
        this.seen.clear();
        for (const u of this.units.values())
          await this.resetUnit(u, fn === 'target-cold-reset' ? Asc.POWER_ON_OCCURRED : Asc.POWER_ON_RESET_OR_BUS_DEVICE_RESET);
        for (const k of this.itKeys()) this.remember(k);
        return 'complete';
      case 'clear-aca':
        return 'not-supported'; // NACA is not supported (standard INQUIRY NORMACA=0)
      default:
        return 'not-supported';
    }
  }

  /**
   * Logical unit reset (SAM-5 6.3.3): every task aborted, the state reset, and a unit attention for every
   * I_T nexus, the one that asked included. A running sanitize operation continues (SBC-4 4.11).
   */
  private async resetUnit(lu: LogicalUnit, ua: number, reportOthersOf?: string): Promise<void> {
    await this.abortAll(lu, () => true, reportOthersOf);
    lu.resetState();
    // SAM-5 6.3.2, 6.3.3: resets release RESERVE(6) reservations and leave persistent reservations alone
    if (!this.quirks.has(Q.RESERVE6_SURVIVES_RESET)) lu.spc2Holder = null;
    if (this.quirks.has(Q.PR_LOST_ON_RESET)) lu.pr.clear();
    for (const k of this.itKeys()) {
      if (!this.quirks.has(Q.UA_RESET_QUEUED_LAST)) lu.clearUa(k);
      lu.establishUa(k, ua);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lu of this.units.values()) {
      await this.abortAll(lu, () => true);
      if (lu.sanitizeOp) await lu.sanitizeOp.done;
      await lu.store.close();
    }
  }
}

/**
 * The strict reserved-field check (SPC-5 reserved fields, checked here): every bit the CDB usage map does not claim must be zero;
 * the sense points at the first offending byte and its highest offending bit.
 */
export function checkCdbBits(spec: CommandSpec, cdb: Buffer): void {
  const allowed = allowedBits(spec);
  for (let i = 1; i < cdb.length; i++) {
    const bad = cdb[i]! & ~(allowed[i] ?? 0) & 0xff;
    if (bad) throw invalidCdb(i, topBit(bad));
  }
}

/** The result of an aborted task: TASK ABORTED status for the transport to send (TAS) or to drop. */
function abortedResult(task: Task): CommandResult {
  return task.reportAborted ? { status: ScsiStatus.TASK_ABORTED } : { status: ScsiStatus.TASK_ABORTED, aborted: true };
}
