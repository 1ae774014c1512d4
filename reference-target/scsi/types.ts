/**
 * The contract between a transport (the iSCSI side of the reference target) and the SCSI device
 * server (target/scsi), as targ(4) keeps the device apart from the transport: the device server gets
 * a nexus, a LUN, a CDB and the Data-Out, and returns status, sense and Data-In. It knows nothing of
 * iSCSI.
 */

/** An I_T nexus (SAM-5 4.7): one initiator port talking to one target port. */
export interface Nexus {
  /** Unique, stable key of this nexus while it exists (transport-chosen). */
  id: string;
  /** Initiator port name, e.g. `iqn.1993-08.org.debian:01:abc,i,0x23d000000001` (iSCSI: name + ISID). */
  initiatorPort: string;
  /** The initiator device name alone (iSCSI InitiatorName). */
  initiatorName: string;
  /**
   * The initiator port's TransportID (SPC-5, TransportID), ready-made by the transport: what PERSISTENT RESERVE
   * IN READ FULL STATUS reports for a registration, so the device server never parses a port name.
   */
  transportId: Buffer;
  /** Target port name, e.g. `iqn.2026-11.org.iscsi-test:ref,t,0x0001`. */
  targetPort: string;
  targetName: string;
  /** Relative target port identifier (VPD 0x83 designator type 4). */
  relativeTargetPort: number;
  /** Target port group (VPD 0x83 designator type 5). */
  targetPortGroup: number;
}

/** The I_T nexus identity: initiator port and target port (SAM-5 4.7). */
export const itKeyOf = (n: Pick<Nexus, 'initiatorPort' | 'targetPort'>): string => `${n.initiatorPort}\u0000${n.targetPort}`;

export type TaskAttribute = 'untagged' | 'simple' | 'ordered' | 'head-of-queue' | 'aca';

/**
 * The device server's number for the REPORT LUNS well known LU (C101000000000000h): the transport maps that
 * 8-byte LUN here. It lies outside 0..16383, the numbers a peripheral or flat space address can carry, so it
 * never names an ordinary LU.
 */
export const REPORT_LUNS_WLUN_NUMBER = 0xc101;

export interface CommandRequest {
  nexus: Nexus;
  lun: number;
  cdb: Buffer;
  /** Data-Out the transport collected (iSCSI: up to Expected Data Transfer Length); may be shorter or longer than the CDB implies. */
  dataOut?: Buffer;
  /** Data-In length the transport will carry (iSCSI: Expected Data Transfer Length). */
  dataInLength: number;
  attr: TaskAttribute;
  /** The task tag within the nexus (iSCSI ITT), named by ABORT TASK. */
  tag: number;
}

export interface CommandResult {
  /** SAM status byte. */
  status: number;
  /** Sense data (fixed or descriptor format) when status is CHECK CONDITION. */
  sense?: Buffer;
  /** Data-In; may be longer than dataInLength (the transport reports overflow) or shorter (underflow). */
  data?: Buffer;
  /**
   * The number of bytes the command itself would transfer in its data direction (for a write, what
   * the CDB asks for), when it differs from what the transport offered: the transport reports the
   * difference as a residual.
   */
  transferLength?: number;
  /** True when the task was aborted by task management: the transport sends no response for it. */
  aborted?: boolean;
}

export type TmfName = 'abort-task' | 'abort-task-set' | 'clear-aca' | 'clear-task-set' | 'lun-reset' | 'target-warm-reset' | 'target-cold-reset';

export type TmfOutcome = 'complete' | 'no-such-task' | 'no-such-lun' | 'not-supported' | 'rejected';

/** What a transport needs from a device server. */
export interface DeviceServer {
  /** The LUNs it exposes (REPORT LUNS order). */
  luns(): number[];
  /** A nexus began (login). */
  nexusCreated(nexus: Nexus): void;
  /** The nexus ended: `loss` for an I_T nexus loss (connection dropped, session reinstated), not for a clean logout. */
  nexusEnded(nexus: Nexus, how: 'logout' | 'loss'): void;
  execute(req: CommandRequest): Promise<CommandResult>;
  /** Task management (SAM-5 7): `tag` names the task for abort-task. */
  taskManagement(nexus: Nexus, fn: TmfName, lun: number, tag?: number): Promise<TmfOutcome>;
  /**
   * Set by the transport: a task function or PREEMPT AND ABORT ended every task of the LUN (`all`) or of these
   * nexuses (by Nexus id), and the tasks the transport still holds (a command gathering its Data-Out is a task
   * already, SAM-5 7) must end too, without status, or with TASK ABORTED status when `taskAborted` (TAS=1). Returns
   * the ids of the nexuses that had such tasks.
   */
  onTasksEnded?: (lun: number, nexusIds: ReadonlySet<string> | 'all', taskAborted: boolean) => ReadonlySet<string>;
  /** Flush and release backing stores. */
  close(): Promise<void>;
}
