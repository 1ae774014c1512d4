/**
 * The public test API: everything a suite imports, from this one module. See registry.ts for how a suite
 * is declared, context.ts for what a test body can do with `t`, expect.ts for the expected outcomes, and
 * README "Writing a test".
 *
 *   import { defineSuite, GOOD, LBA_OUT_OF_RANGE, scsi, iscsi } from '../../harness/api.js';
 */
export { defineSuite, opcode, minBlocks, type Suite, type TestSpec, type Need, type CustomNeed, type Level, type Family } from './registry.js';
export type { TestContext, CommandOpts, LoginOptions, IscsiRequest, Settled, CleanupFn } from './test-context.js';
/** Sessions as tests see them: interfaces, never the initiator's classes (session-api.ts). */
export type { TestSession, TestSession as Session, RawSession, SequenceNumbers, LoginFacts, RawCommandFields, Altered } from './session-api.js';
/** iSCSI-level expected outcomes, checked by one function (`t.expectIscsi`, `t.expectLogin`, `t.checkIscsi`). */
export {
  REJECT,
  LOGIN_STATUS,
  LOGGED_IN,
  DROPPED,
  NO_ANSWER,
  ANSWER,
  checkIscsi,
  iscsiOutcomeText,
  type IscsiOutcome,
  type IscsiExpectation,
  type IscsiExpected,
} from './iscsi-expect.js';
export type { DeviceFacts } from './probe.js';
export { supports } from './probe.js';
export {
  expectation,
  GOOD,
  CONDITION_MET,
  RESERVATION_CONFLICT,
  CHECK_CONDITION,
  ILLEGAL_REQUEST,
  LBA_OUT_OF_RANGE,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_PARAM_LIST,
  PARAM_LIST_LEN_ERR,
  INVALID_OPCODE,
  WRITE_PROTECTED,
  MISCOMPARE,
  NO_MEDIUM,
  REMOVAL_PREVENTED,
  SANITIZE_IN_PROGRESS,
  UNIT_ATTENTION,
  INVALID_FIELD_IN_IU,
  TOO_MANY_DESCRIPTORS,
  UNSUPPORTED_DESCRIPTOR_CODE,
  COPY_ABORTED,
  UA_RESERVATIONS_PREEMPTED,
  UA_RESERVATIONS_RELEASED,
  UA_REGISTRATIONS_PREEMPTED,
  UA_MODE_PARAMETERS_CHANGED,
  UA_BUS_DEVICE_RESET,
  UA_POWER_ON_RESET,
  UA_RESET_GENERIC,
  UA_I_T_NEXUS_LOSS,
  UA_COMMANDS_CLEARED,
  INVALID_RELEASE,
  INSUFFICIENT_REGISTRATION_RESOURCES,
  checkResult,
  outcomeText,
  type Expectation,
  type Expected,
} from './expect.js';
export { isNotImplemented, commandName } from './commands.js';
/** More I_T nexuses (another ISID, the second name) and unit attentions checked by ASC/ASCQ. */
export { openNexus, expectUnitAttention, expectNoUnitAttention, taskManagement, loginAfterReset, retryWhile, type NexusOptions } from './nexus.js';
/** Persistent reservation helpers (PERSISTENT RESERVE IN/OUT, conflicts, clean-up). */
export {
  prReadKeys,
  prReadReservation,
  prReportCapabilities,
  prReadFullStatus,
  prOut,
  prRegister,
  prUnregister,
  prReserve,
  prRelease,
  prClear,
  prPreempt,
  expectConflict,
  expectAccess,
  clearReservations,
  keepReservationsClean,
  keepReserve6Clean,
  type PrOpts,
} from './reservations.js';
export type { ScsiResult, TmfResult, CommandOptions, DiscoveredTarget } from './initiator/index.js';
export { isRawEnd, rawText, type RawConnection, type RawEnd } from './raw-connection.js';
export type { Sense } from '../protocol/scsi/index.js';
/** SCSI codecs: CDB builders, parsers of INQUIRY, VPD, mode, capacity, sense... (protocol/scsi). */
export * as scsi from '../protocol/scsi/index.js';
/** The clause numbering the tests cite: SBC-4 (sbc4r22) and SPC-5 (spc5r17), see protocol/scsi/clauses.ts. */
export { SBC4, SPC5 } from '../protocol/scsi/clauses.js';
/** iSCSI codecs: PDU types, opcodes, text keys, constants (protocol/iscsi). */
export * as iscsi from '../protocol/iscsi/index.js';
export { IscsiError } from '../protocol/errors.js';
/** iSNS (RFC 4171) codec and the server the harness plays, for the iSNS family (`t.config.isns`). */
export * as isnsp from '../isns/index.js';
export type { IsnsServer, RegisteredEntity, RegisteredPortal, ReceivedMessage } from '../isns/server.js';
