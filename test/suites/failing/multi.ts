/**
 * Defects for the multi-initiator suites: persistent reservations (PrinReadKeys, PrinReportCapabilities,
 * PrinServiceactionRange, PrinReadFullStatus, ProutRegister, ProutReserve, ProutClear, ProutPreempt),
 * RESERVE(6) (Reserve6), I_T nexus loss (NexusLoss), unit attentions across nexuses (UnitAttention) and
 * two paths of one initiator (MultipathIO), the mandatory SBC commands, REPORT SUPPORTED OPERATION CODES and
 * REPORT TARGET PORT GROUPS, and task management across nexuses (TaskSet).
 */
import { Asc, MaintIn, Op, PrInSa, PrOutSa, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, type Cases } from './_support.js';

const GOOD = () => ({ status: 0 });
const CONFLICT = () => ({ status: 0x18 });
const prIn = (sa: number) => (c: Buffer) => c[0] === Op.PERSISTENT_RESERVE_IN && (c[1]! & 0x1f) === sa;
const prOut = (sa: number) => (c: Buffer) => c[0] === Op.PERSISTENT_RESERVE_OUT && (c[1]! & 0x1f) === sa;
const isRsoc = (c: Buffer) => c[0] === Op.MAINTENANCE_IN && (c[1]! & 0x1f) === MaintIn.REPORT_SUPPORTED_OPERATION_CODES;
/** Rewrite the first Data-In segment only (the parameter data's header is in it). */
const first = (f: (d: Buffer) => void) => (d: Buffer, _c: Buffer, off: number) => (off === 0 ? (f(d), d) : d);

const CASES: Cases = {
  'PrinReadFullStatus.Simple': {
    rules: () => [{ match: prIn(PrInSa.READ_FULL_STATUS), dataIn: first((d) => d.length > 20 && (d[20] = d[20]! ^ 0x01)) }],
    message: /R_HOLDER of key/,
  },
  'PrinReadKeys.Simple': {
    rules: () => [{ match: prIn(PrInSa.READ_KEYS), dataIn: first((d) => d.writeUInt32BE(d.readUInt32BE(4) + 8, 4)) }],
    message: /bytes returned versus ADDITIONAL LENGTH \+ 8/,
  },
  'PrinReadKeys.Truncate': {
    rules: () => [{ match: (c) => prIn(PrInSa.READ_KEYS)(c) && c.readUInt16BE(7) === 8, dataIn: first((d) => d.writeUInt32BE(0, 4)) }],
    message: /ALLOC=8: ADDITIONAL LENGTH \(the full list's\): expected 8, got 0/,
  },
  'PrinReadKeys.Generation': { quirks: ['pr-generation-frozen'], message: /PRgeneration after REGISTER of a new key/ },
  'PrinReportCapabilities.Simple': {
    rules: () => [{ match: prIn(PrInSa.REPORT_CAPABILITIES), dataIn: first((d) => (d[1] = 6)) }],
    message: /LENGTH: expected 8, got 6/,
  },
  'PrinReportCapabilities.Aptpl': {
    quirks: ['pr-aptpl-accepted'],
    message: /expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST, got GOOD/,
  },
  'PrinServiceactionRange.Range': {
    rules: () => [{ match: prIn(4), reply: () => ({ status: 0, data: Buffer.alloc(8) }) }],
    message: /SERVICE ACTION=0x04: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'ProutClear.Simple': { quirks: ['pr-generation-frozen'], message: /PRgeneration after CLEAR/ },
  'ProutClear.WrongKey': {
    rules: () => [{ match: prOut(PrOutSa.CLEAR), reply: GOOD }],
    message: /CLEAR .*RESERVATION KEY=0x15157e5700000001: expected RESERVATION CONFLICT, got GOOD/,
  },
  'ProutClear.UnitAttention': { quirks: ['pr-no-ua'], message: /expected a unit attention CHECK CONDITION UNIT ATTENTION\/RESERVATIONS PREEMPTED, got none/ },
  'ProutPreempt.RemoveRegistration': { quirks: ['pr-no-ua'], message: /the preempted nexus: expected a unit attention .*REGISTRATIONS PREEMPTED, got none/ },
  'ProutPreempt.Reservation': {
    rules: () => [{ match: prIn(PrInSa.READ_RESERVATION), dataIn: first((d) => d.length >= 22 && (d[21] = (d[21]! & 0xf0) | 3)) }],
    message: /READ RESERVATION TYPE after PREEMPT with TYPE WRITE EXCLUSIVE: expected 1, got 3/,
  },
  'ProutPreempt.BadKeys': {
    rules: () => [{ match: prOut(PrOutSa.PREEMPT), reply: GOOD }],
    message: /PREEMPT .*expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST, got GOOD/,
  },
  'ProutPreempt.ThreeNexuses': { quirks: ['pr-no-ua'], message: /the second initiator: expected a unit attention .*REGISTRATIONS PREEMPTED, got none/ },
  'ProutRegister.Simple': { quirks: ['pr-register-ignores-key'], message: /expected RESERVATION CONFLICT, got GOOD/ },
  'ProutRegister.IgnoreExistingKey': {
    rules: () => [{ match: prOut(PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY), reply: CONFLICT }],
    message: /REGISTER AND IGNORE EXISTING KEY .*expected GOOD, got RESERVATION CONFLICT/,
  },
  'ProutRegister.Unregistered': {
    rules: () => [{ match: prOut(PrOutSa.REGISTER), reply: GOOD }],
    message: /REGISTER .*expected RESERVATION CONFLICT, got GOOD/,
  },
  'ProutRegister.ParamListLength': {
    quirks: ['pr-param-length-unchecked'],
    message: /PARAMETER LIST LENGTH=(0|23|25): expected CHECK CONDITION ILLEGAL REQUEST\/PARAMETER LIST LENGTH ERROR, got GOOD/,
  },
  'ProutRegister.PerNexus': { rules: () => [{ match: prOut(PrOutSa.RESERVE), reply: GOOD }], message: /RESERVE .*expected RESERVATION CONFLICT, got GOOD/ },
  'ProutReserve.Simple': {
    rules: () => [{ match: prIn(PrInSa.READ_RESERVATION), dataIn: first((d) => d.length >= 22 && (d[21] = (d[21]! & 0xf0) | 0x0f)) }],
    message: /after RESERVE WRITE EXCLUSIVE: READ RESERVATION TYPE: expected 1, got 15/,
  },
  'ProutReserve.NotHolder': { rules: () => [{ match: prOut(PrOutSa.RESERVE), reply: GOOD }], message: /RESERVE .*expected RESERVATION CONFLICT, got GOOD/ },
  'ProutReserve.ReleaseWrongType': {
    quirks: ['pr-release-ignores-type'],
    message: /expected CHECK CONDITION ILLEGAL REQUEST\/INVALID RELEASE OF PERSISTENT RESERVATION, got GOOD/,
  },
  'ProutReserve.ReleaseNotHolder': {
    rules: () => [{ match: prOut(PrOutSa.RELEASE), reply: CONFLICT }],
    message: /RELEASE .*expected GOOD, got RESERVATION CONFLICT/,
  },
  'ProutReserve.ReleaseUnitAttention': { quirks: ['pr-no-ua'], message: /expected a unit attention .*RESERVATIONS RELEASED, got none/ },
  'Reserve6.Simple': {
    rules: () => [{ match: (c) => c[0] === Op.RELEASE_6, reply: CONFLICT }],
    message: /RELEASE\(6\).*expected GOOD, got RESERVATION CONFLICT/,
  },
  'Reserve6.2Initiators': { quirks: ['reserve6-no-conflict'], message: /RESERVE\(6\).*expected RESERVATION CONFLICT, got GOOD/ },
  'Reserve6.Logout': { quirks: ['reserve6-survives-nexus-loss'], message: /the holder logged out: expected GOOD, got RESERVATION CONFLICT for 5 s/ },
  'Reserve6.ITNexusLoss': { quirks: ['reserve6-survives-nexus-loss'], message: /connection was dropped: expected GOOD, got RESERVATION CONFLICT for 5 s/ },
  'Reserve6.LUNReset': { quirks: ['reserve6-survives-reset'], message: /after LOGICAL UNIT RESET: expected GOOD, got RESERVATION CONFLICT/ },
  'Reserve6.TargetWarmReset': { quirks: ['reserve6-survives-reset'], message: /after TARGET WARM RESET: expected GOOD, got RESERVATION CONFLICT/ },
  'Reserve6.TargetColdReset': {
    quirks: ['reserve6-survives-reset', 'reserve6-survives-nexus-loss'],
    message: /after TARGET COLD RESET: expected GOOD, got RESERVATION CONFLICT/,
  },
  'NexusLoss.ReinstatementReleasesReserve6': {
    quirks: ['reserve6-survives-nexus-loss'],
    message: /session was reinstated: expected GOOD, got RESERVATION CONFLICT for 5 s/,
  },
  'NexusLoss.ReinstatementUnitAttention': {
    quirks: ['no-ua'],
    message: /the reinstated I_T nexus: expected a unit attention .*I_T NEXUS LOSS OCCURRED.*got none/,
  },
  'NexusLoss.DroppedUnitAttention': { quirks: ['no-ua'], message: /connection was dropped: expected a unit attention .*I_T NEXUS LOSS OCCURRED.*got none/ },
  'NexusLoss.PersistentReservationSurvives': { quirks: ['pr-lost-on-nexus-loss'], message: /after the I_T nexus loss READ KEYS no longer lists/ },
  'NexusLoss.OtherIsid': {
    rules: () => [{ match: (c) => c[0] === Op.RESERVE_6, reply: GOOD }],
    message: /RESERVE\(6\) from a session of the same name with another ISID: expected RESERVATION CONFLICT, got GOOD/,
  },
  'UnitAttention.LUNResetEveryNexus': {
    quirks: ['no-ua'],
    message: /the other I_T nexus after LOGICAL UNIT RESET: expected a unit attention .*BUS DEVICE RESET FUNCTION OCCURRED.*, got none/,
  },
  'UnitAttention.ModeParametersChanged': {
    quirks: ['no-mode-change-ua'],
    message: /the other I_T nexus after MODE SELECT: expected a unit attention .*MODE PARAMETERS CHANGED, got none/,
  },
  'MultipathIO.Simple': {
    rules: () => [{ match: (c) => c[0] === Op.READ_10 && c.readUInt32BE(2) === 0, dataIn: first((d) => (d[7] = d[7]! ^ 0xff)) }],
    message: /path 2 reads what path 1 wrote: READ\(10\) LBA=0 LEN=1 differs/,
  },
  'MultipathIO.Reset': { quirks: ['no-ua'], message: /path 1 after LOGICAL UNIT RESET on path 1: expected a unit attention .*, got none/ },
  'MultipathIO.CompareAndWrite': {
    quirks: ['caw-no-compare'],
    message: /COMPARE AND WRITE LBA=0 from path 1 with stale verify data: expected CHECK CONDITION MISCOMPARE.*, got GOOD/,
  },
  'MultipathIO.CompareAndWriteAsync': { quirks: ['caw-no-compare'], message: /round 1: both COMPARE AND WRITE commands succeeded/ },
  'Mandatory.MandatorySBC': {
    rules: () => [{ match: (c) => c[0] === Op.REQUEST_SENSE, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_COMMAND_OPERATION_CODE) }],
    message: /REQUEST SENSE \(mandatory\): expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID COMMAND OPERATION CODE/,
  },
  'ReportSupportedOpcodes.Simple': {
    rules: () => [{ match: (c) => isRsoc(c) && c.readUInt32BE(6) === 4, dataIn: first((d) => d.writeUInt32BE(0, 0)) }],
    message: /ALLOC=4: COMMAND DATA LENGTH \(the full list's\): expected \d+, got 0/,
  },
  'ReportSupportedOpcodes.OneCommand': {
    rules: () => [{ match: (c) => isRsoc(c) && (c[2]! & 7) !== 0, dataIn: first((d) => (d[1] = (d[1]! & ~7) | 1)) }],
    message: /: SUPPORT: expected 3, got 1/,
  },
  'ReportSupportedOpcodes.RCTD': {
    rules: () => [{ match: (c) => isRsoc(c) && (c[2]! & 0x87) === 0, dataIn: first((d) => d.length > 9 && (d[9] = d[9]! | 0x02)) }],
    message: /CTDP|decoded/,
  },
  'ReportSupportedOpcodes.SERVACTV': {
    rules: () => [{ match: (c) => isRsoc(c) && (c[2]! & 7) === 0, dataIn: first((d) => d.length > 9 && d[4] === Op.TEST_UNIT_READY && (d[9] = d[9]! | 0x01)) }],
    message: /TEST UNIT READY \(an operation code without service actions\) is listed with SERVACTV 1/,
  },
  'TaskSet.AbortTaskSetOwn': { quirks: ['abort-task-set-all'], message: /the second nexus's WRITE\(10\) did not complete within 5 s/ },
  'TaskSet.ClearTaskSet': {
    quirks: ['tmf-spares-pending'],
    message: /the held Data-Out of the second nexus's aborted WRITE\(10\), which must not complete: expected no answer/,
  },
  'TaskSet.LUNReset': {
    quirks: ['tmf-spares-pending'],
    message: /the held Data-Out of the second nexus's aborted WRITE\(10\), which must not complete: expected no answer/,
  },
  'TaskSet.PreemptAndAbort': {
    quirks: ['pr-preempt-no-abort'],
    message: /the held Data-Out of the second nexus's aborted WRITE\(10\), which must not complete: expected no answer/,
  },
  'ReportTargetPortGroups.Simple': { quirks: ['rtpg-bad-state'], message: /ASYMMETRIC ACCESS STATE 0x5 is reserved/ },
  'ReportTargetPortGroups.AllocLength': {
    rules: () => [
      {
        match: (c) => c[0] === Op.MAINTENANCE_IN && (c[1]! & 0x1f) === MaintIn.REPORT_TARGET_PORT_GROUPS && c.readUInt32BE(6) === 4,
        dataIn: first((d) => (d[3] = d[3]! ^ 0x01)),
      },
    ],
    message: /ALLOC=4: the data differs from the start of the full answer/,
  },
  'ProutReserve.InvalidTypeScope': {
    rules: () => [{ match: (c) => prOut(PrOutSa.RESERVE)(c) && (c[2]! & 0x0f) === 0, reply: GOOD }],
    message: /RESERVE .*TYPE=0.*expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'ProutRegister.ServiceActionRange': {
    rules: () => [{ match: prOut(0x09), reply: GOOD }],
    message: /SERVICE ACTION=0x09: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB, got GOOD/,
  },
  'ProutRegister.AllTgPt': {
    rules: () => [{ match: prIn(PrInSa.READ_FULL_STATUS), dataIn: first((d) => d.length > 20 && (d[20] = d[20]! & ~0x02)) }],
    message: /READ FULL STATUS shows the registration made with ALL_TG_PT with ALL_TG_PT 0/,
  },
};

for (const ty of ['WE', 'EA', 'WERO', 'EARO', 'WEAR', 'EAAR']) {
  CASES[`ProutReserve.Access${ty}`] = { quirks: ['pr-no-conflict'], message: /from an unregistered nexus: expected RESERVATION CONFLICT, got GOOD/ };
  CASES[`ProutReserve.Commands${ty}`] = { quirks: ['pr-no-conflict'], message: /from an unregistered nexus under .*: expected RESERVATION CONFLICT, got GOOD/ };
  CASES[`ProutReserve.Ownership${ty}`] = ty.endsWith('AR')
    ? // an all-registrants reservation must outlive its creator's registration: a fake that reports none
      {
        rules: () => [{ match: prIn(PrInSa.READ_RESERVATION), dataIn: first((d) => d.writeUInt32BE(0, 4)) }],
        message: /READ RESERVATION reports no reservation/,
      }
    : { quirks: ['pr-unregister-keeps-reservation'], message: /READ RESERVATION still reports a reservation/ };
}

export default CASES;
