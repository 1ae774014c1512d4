/**
 * A request in flight: one instance of one class, every field declared, so that all tasks share one
 * shape; its name for messages is a getter of the class, computed once when a message needs it. (An
 * object literal with a getter of its own costs V8 a new hidden class per object, and that class keeps
 * the getter, and through it the task, its promise and its result, alive past minor GCs: in a profile at
 * 4 KiB reads a third of each command's allocations were promoted so, and GC took half the CPU time.)
 */
import type { DataSequence, KeyValue, TextAccumulator } from '../../protocol/iscsi/index.js';
import type { IscsiError } from '../../protocol/errors.js';
import type { CommandOptions } from './session-types.js';

export type TaskKind = 'scsi' | 'tmf' | 'nop' | 'text' | 'logout';

export class Task {
  cmdSN = 0;
  /** When the task times out (ms since epoch); checked by the session's sweep. */
  deadline = 0;
  /** Sent as a non-immediate request: it took a CmdSN of the window. */
  ordered?: boolean;
  // scsi
  edtl?: number;
  /** The command had the R bit: only then may Data-In come. */
  read?: boolean;
  dataOut?: Buffer;
  opts?: CommandOptions;
  /** Data-In lands here. */
  dest?: Buffer;
  /** The Data-In sequence: next DataSN, next Buffer Offset (= bytes received), EDTL. */
  dataIn?: DataSequence;
  dataOutPdus?: number;
  r2ts?: number;
  dataInPdus?: number;
  expectedR2TSN?: number;
  /** Where the burst of the last R2T ended (the next R2T may not ask below it). */
  r2tEnd?: number;
  // text
  text?: TextAccumulator;
  textPairs?: KeyValue[];
  /** Ask for the next part of a Text Response with the target's TTT. */
  continueText?: (ttt: number) => void;
  private named: string | undefined;

  constructor(
    readonly kind: TaskKind,
    readonly itt: number,
    /** The name for messages, or how to make it (called only if a message needs it). */
    private readonly describe: string | (() => string),
    readonly timeoutMs: number,
    readonly lun: bigint,
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: IscsiError) => void,
  ) {}

  get what(): string {
    return (this.named ??= typeof this.describe === 'string' ? this.describe : this.describe());
  }
}
