/**
 * The SCSI layer's `--quirk` switches (declared in quirk-registry.ts at module load): each makes
 * the device server break one checked behaviour on purpose, so that the harness can prove it catches it.
 */
import { defineQuirk } from './quirk-registry.js';

export const Q = {
  IGNORE_FUA: defineQuirk('ignore-fua', 'scsi', 'FUA writes (and writes with WCE=0) are acknowledged before the data is flushed'),
  NO_LBA_RANGE_CHECK: defineQuirk('no-lba-range-check', 'scsi', 'LBAs past the end are accepted: reads return zeros there, writes there are dropped'),
  UNMAP_NOOP: defineQuirk('unmap-noop', 'scsi', 'UNMAP (and WRITE SAME with UNMAP) return GOOD but deallocate nothing'),
  CAW_NO_COMPARE: defineQuirk('caw-no-compare', 'scsi', 'COMPARE AND WRITE writes without comparing'),
  VERIFY_NO_COMPARE: defineQuirk('verify-no-compare', 'scsi', 'VERIFY with BYTCHK 01b/11b never reports MISCOMPARE'),
  NO_UA: defineQuirk('no-ua', 'scsi', 'no unit attention condition is ever established'),
  IGNORE_RESERVED_BITS: defineQuirk('ignore-reserved-bits', 'scsi', 'reserved CDB bits and fields are not checked'),
  WP_IGNORED: defineQuirk('wp-ignored', 'scsi', 'write protection (read-only LUN, SWP) is reported but not enforced'),
  SENSE_NO_FIELD_POINTER: defineQuirk('sense-no-field-pointer', 'scsi', 'INVALID FIELD IN CDB / PARAMETER LIST carry no sense-key-specific field pointer'),
  IGNORE_TASK_ATTR: defineQuirk('ignore-task-attr', 'scsi', 'ORDERED and HEAD OF QUEUE tasks are treated as SIMPLE'),
  SHORT_INQUIRY: defineQuirk('short-inquiry', 'scsi', 'INQUIRY ignores the allocation length and returns 36 bytes of standard data'),
  BAD_VPD_SORTING: defineQuirk('bad-vpd-sorting', 'scsi', 'the Supported VPD Pages list is not in ascending order'),
  NO_MEDIUM_REMOVAL_PREVENT: defineQuirk('no-medium-removal-prevent', 'scsi', 'PREVENT ALLOW MEDIUM REMOVAL is accepted but ignored'),
  READCAP_OFF_BY_ONE: defineQuirk('readcap-off-by-one', 'scsi', 'READ CAPACITY returns the number of blocks instead of the last LBA'),
  NO_TRANSFER_LIMIT: defineQuirk('no-transfer-length-limit', 'scsi', 'transfers longer than MAXIMUM TRANSFER LENGTH are accepted'),
  NO_WRITE_SAME_LIMIT: defineQuirk('no-write-same-limit', 'scsi', 'WRITE SAME longer than MAXIMUM WRITE SAME LENGTH (or of 0 blocks with WSNZ=1) is accepted'),
  NO_UNMAP_LIMITS: defineQuirk('no-unmap-limits', 'scsi', 'UNMAP beyond MAXIMUM UNMAP LBA COUNT / BLOCK DESCRIPTOR COUNT is accepted'),
  MISCOMPARE_NO_OFFSET: defineQuirk('miscompare-no-offset', 'scsi', 'MISCOMPARE sense carries no INFORMATION (offset of the first differing byte)'),
  LBA_STATUS_ALL_MAPPED: defineQuirk('lba-status-all-mapped', 'scsi', 'GET LBA STATUS reports every LBA mapped'),
  FIXED_SENSE_ONLY: defineQuirk('fixed-sense-only', 'scsi', 'sense data is always fixed format (D_SENSE and REQUEST SENSE DESC ignored)'),
  SANITIZE_NOT_EXCLUSIVE: defineQuirk(
    'sanitize-not-exclusive',
    'scsi',
    'commands during a sanitize operation are processed instead of NOT READY / SANITIZE IN PROGRESS',
  ),
  RTPG_BAD_STATE: defineQuirk('rtpg-bad-state', 'scsi', 'REPORT TARGET PORT GROUPS reports the reserved asymmetric access state 5h'),
  TMF_SPARES_PENDING: defineQuirk(
    'tmf-spares-pending',
    'scsi',
    'CLEAR TASK SET, LUN RESET and PREEMPT AND ABORT leave running the tasks of other sessions still gathering their Data-Out',
  ),
  ABORT_TASK_SET_ALL: defineQuirk('abort-task-set-all', 'scsi', 'ABORT TASK SET aborts the tasks of every I_T nexus, not only those of the nexus that sent it'),
  ABORT_IGNORED: defineQuirk('abort-ignored', 'scsi', 'ABORT TASK reports FUNCTION COMPLETE but the task runs on and returns status'),
  MODE_SELECT_NOOP: defineQuirk('mode-select-noop', 'scsi', 'MODE SELECT validates its parameter list and returns GOOD but changes no current value'),
  TAS_IGNORED: defineQuirk(
    'tas-ignored',
    'scsi',
    'TAS=1 in the Control mode page is accepted but ignored: tasks another I_T nexus aborts still end without status',
  ),
  UA_RESET_QUEUED_LAST: defineQuirk(
    'ua-reset-queued-last',
    'scsi',
    'a reset unit attention (29h) is queued behind the unit attentions already pending instead of taking their place',
  ),
  NO_MODE_CHANGE_UA: defineQuirk('no-mode-change-ua', 'scsi', 'MODE SELECT changes raise no MODE PARAMETERS CHANGED unit attention'),
  RESET_KEEPS_STATE: defineQuirk('reset-keeps-state', 'scsi', 'LUN RESET and target resets keep mode pages and PREVENT state'),
  ORWRITE_NO_OR: defineQuirk('orwrite-no-or', 'scsi', 'ORWRITE writes its Data-Out as it is instead of ORing it into the blocks'),
  VPD83_BARE_PORT_NAME: defineQuirk(
    'vpd83-bare-port-name',
    'scsi',
    'the iSCSI target port name of the Device Identification VPD page is the bare target name, without ",t,0x" and the TPGT',
  ),
  WLUN_ALIAS_LUN0: defineQuirk(
    'wlun-alias-lun0',
    'scsi',
    'the REPORT LUNS well known logical unit is an alias of the first LUN: a block device that processes every command',
  ),
  EXT_INQUIRY_SHORT_SENSE_LENGTH: defineQuirk(
    'ext-inquiry-short-sense-length',
    'scsi',
    'the Extended INQUIRY Data VPD page claims a MAXIMUM SUPPORTED SENSE DATA LENGTH of 8, shorter than the sense data returned',
  ),
  RSOC_BAD_USAGE: defineQuirk('rsoc-bad-usage', 'scsi', 'REPORT SUPPORTED OPERATION CODES usage maps claim reserved CDB bits'),
  // third-party copy (commands/xcopy.ts)
  XCOPY_NOOP: defineQuirk('xcopy-noop', 'scsi', 'EXTENDED COPY checks its parameter list and returns GOOD but copies no block'),
  XCOPY_ANY_DESCRIPTOR: defineQuirk(
    'xcopy-any-descriptor',
    'scsi',
    'EXTENDED COPY answers GOOD, copying nothing, to a descriptor type code it does not implement',
  ),
  XCOPY_CHECKS_LU_ID_TYPE: defineQuirk(
    'xcopy-checks-lu-id-type',
    'scsi',
    'EXTENDED COPY refuses an Identification CSCD descriptor whose LU ID TYPE is not 00b (INVALID FIELD IN PARAMETER LIST) instead of ignoring the field',
  ),
  TPC_VPD_UNSORTED: defineQuirk('tpc-vpd-unsorted', 'scsi', 'the Third-party Copy VPD page lists General Copy Operations before its other descriptors'),
  XCOPY_BAD_OP_PARAMS: defineQuirk('xcopy-bad-op-params', 'scsi', 'RECEIVE COPY RESULTS OPERATING PARAMETERS reports an AVAILABLE DATA four bytes too large'),
  // reservations (reservations.ts, commands/pr.ts)
  PR_NO_CONFLICT: defineQuirk('pr-no-conflict', 'scsi', "persistent reservations never make another I_T nexus's command a RESERVATION CONFLICT"),
  PR_GENERATION_FROZEN: defineQuirk('pr-generation-frozen', 'scsi', 'PRgeneration never changes'),
  PR_NO_UA: defineQuirk(
    'pr-no-ua',
    'scsi',
    'PERSISTENT RESERVE OUT establishes no RESERVATIONS PREEMPTED / RELEASED or REGISTRATIONS PREEMPTED unit attention',
  ),
  PR_LOST_ON_NEXUS_LOSS: defineQuirk(
    'pr-lost-on-nexus-loss',
    'scsi',
    "an I_T nexus loss removes that nexus's registration and releases its persistent reservation",
  ),
  PR_LOST_ON_RESET: defineQuirk('pr-lost-on-reset', 'scsi', 'LUN RESET and target resets remove every registration and persistent reservation'),
  PR_REGISTER_IGNORES_KEY: defineQuirk('pr-register-ignores-key', 'scsi', 'REGISTER from a registered I_T nexus succeeds whatever its RESERVATION KEY'),
  PR_PARAM_LENGTH_UNCHECKED: defineQuirk('pr-param-length-unchecked', 'scsi', 'PERSISTENT RESERVE OUT accepts a PARAMETER LIST LENGTH other than 24'),
  PR_APTPL_ACCEPTED: defineQuirk('pr-aptpl-accepted', 'scsi', 'APTPL=1 is accepted (and ignored) though PTPL_C is 0'),
  PR_RELEASE_IGNORES_TYPE: defineQuirk(
    'pr-release-ignores-type',
    'scsi',
    'RELEASE by the holder releases whatever its TYPE (no INVALID RELEASE OF PERSISTENT RESERVATION)',
  ),
  PR_UNREGISTER_KEEPS_RESERVATION: defineQuirk('pr-unregister-keeps-reservation', 'scsi', 'unregistering the holder keeps its persistent reservation'),
  PR_PREEMPT_NO_ABORT: defineQuirk('pr-preempt-no-abort', 'scsi', 'PREEMPT AND ABORT aborts no task of the preempted I_T nexuses'),
  PR_MOVE_KEEPS_SOURCE: defineQuirk('pr-move-keeps-source', 'scsi', 'REGISTER AND MOVE with UNREG=1 leaves the I_T nexus it came through registered'),
  PR_MOVE_TO_SELF_ACCEPTED: defineQuirk(
    'pr-move-to-self-accepted',
    'scsi',
    'REGISTER AND MOVE naming the initiator port it came through completes GOOD (nothing moves) instead of INVALID FIELD IN PARAMETER LIST',
  ),
  PR_SPEC_I_PT_REREGISTERS: defineQuirk(
    'pr-spec-i-pt-reregisters',
    'scsi',
    'REGISTER with SPEC_I_PT naming an I_T nexus that is registered already succeeds (that nexus keeps its key) instead of INVALID FIELD IN PARAMETER LIST',
  ),
  PR_SPEC_I_PT_PARTIAL: defineQuirk(
    'pr-spec-i-pt-partial',
    'scsi',
    'REGISTER with SPEC_I_PT registers the I_T nexuses named before a bad TransportID, then ends in CHECK CONDITION',
  ),
  RESERVE6_NO_CONFLICT: defineQuirk('reserve6-no-conflict', 'scsi', "a RESERVE(6) reservation never makes another I_T nexus's command a RESERVATION CONFLICT"),
  RESERVE6_IGNORES_PR: defineQuirk('reserve6-ignores-pr', 'scsi', 'RESERVE(6) and RELEASE(6) are processed while persistent reservation registrations exist'),
  RESERVE6_SURVIVES_NEXUS_LOSS: defineQuirk('reserve6-survives-nexus-loss', 'scsi', "a RESERVE(6) reservation outlives the holder's logout and I_T nexus loss"),
  RESERVE6_SURVIVES_RESET: defineQuirk('reserve6-survives-reset', 'scsi', 'a RESERVE(6) reservation outlives LUN RESET and target resets'),
} as const;

export type ScsiQuirk = (typeof Q)[keyof typeof Q];
