/**
 * A SCSI task as the iSCSI side of the reference target tracks it, from its SCSI Command PDU to its
 * response: where it stands in CmdSN order, its write data being gathered and the R2Ts asking for it.
 */
import type { ScsiCommand } from '../protocol/iscsi/index.js';
import type { ReceivedData } from './received-data.js';

/** One R2T sent and the Data-Out that answers it (a burst: RFC 7143 11.8). */
export interface R2TState {
  ttt: number;
  offset: number;
  length: number;
  received: number;
  expDataSN: number;
}

export interface TargetTask {
  itt: number;
  cmdSN: number;
  immediate: boolean;
  lun: bigint;
  /** The LUN as a number, -1 when it does not decode. */
  lunNumber: number;
  cmd: ScsiCommand;
  edtl: number;
  /** Write data being gathered: up to EDTL bytes once granted, before that only the unasked part. */
  data?: ReceivedData;
  /** Bytes of immediate data the command carried. */
  immediateLength: number;
  /** Bytes of `buf` counted in the data budgets: granted by the target, and come unasked. */
  charged: number;
  chargedUnasked: number;
  /** The target has committed memory for all the data and may solicit it. */
  granted: boolean;
  /** Queued for its grant: its unasked data is counted as waiting (data-budget.ts). */
  waitsForGrant?: boolean;
  /** When Data-Out last came for this task or was last asked for (ms), for DataTimeout. */
  lastData: number;
  received: number;
  /** Unsolicited Data-Out still possible (SCSI Command F bit was 0 and InitialR2T=No). */
  unsolicitedOpen: boolean;
  unsolicitedLimit: number;
  unsolicitedExpDataSN: number;
  /** Bytes asked for by R2T so far (next R2T starts here). */
  solicitedUpTo: number;
  r2tSN: number;
  r2ts: Map<number, R2TState>;
  /** Released by CmdSN order (or immediate). */
  ordered: boolean;
  executing: boolean;
  aborted: boolean;
  /** The write is larger than the target takes: CHECK CONDITION before any data moves. */
  tooLarge?: boolean;
  /** A data PDU was lost or wrong: end with CHECK CONDITION once all data is in (RFC 7143 7.8 option b). */
  dataError?: 'crc' | 'sequence';
  /** Waiting for the output to drain before it starts. */
  deferred?: boolean;
  /** Read data this task may still produce, counted in flight while it executes. */
  reserved?: number;
}

export function newTask(cmd: ScsiCommand, lunNumber: number, immediate: boolean): TargetTask {
  return {
    itt: cmd.itt,
    cmdSN: cmd.cmdSN,
    immediate,
    lun: cmd.lun,
    lunNumber,
    cmd,
    edtl: cmd.expectedDataTransferLength,
    received: 0,
    immediateLength: 0,
    charged: 0,
    chargedUnasked: 0,
    granted: false,
    lastData: 0,
    unsolicitedOpen: false,
    unsolicitedLimit: 0,
    unsolicitedExpDataSN: 0,
    solicitedUpTo: 0,
    r2tSN: 0,
    r2ts: new Map(),
    ordered: false,
    executing: false,
    aborted: false,
  };
}
