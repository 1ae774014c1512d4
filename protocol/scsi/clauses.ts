/**
 * The one numbering of the SCSI standards the project cites: SBC-4 as of draft revision 22 (sbc4r22), SPC-5 as
 * of draft revision 17 (spc5r17). Test `clause:` metadata, baselines (fixtures/expect) and comments cite these
 * constants or their values, and test/protocol/clauses.test.ts refuses any other `SBC-4 n.n` / `SPC-5 n.n`.
 *
 * A number is here only with evidence for that revision. Where a number could not be established, the
 * citation names the subject instead of numbering it: `SPC-5 (REPORT LUNS)`; a subclause that could not be
 * checked is cited as its (checked) clause plus a name: `SPC-5 6.16 (READ RESERVATION)`. Numbers and titles
 * are facts; no text of the standards is reproduced.
 *
 * Evidence (public material, found with the search tool; each entry says which applies):
 * - [r22]  a public Markdown conversion of the SBC-4 revision 22 draft ("SCSI Block Commands - 4 (SBC-4)
 *          Rev 22", 447 pages): its chapter index gives clause, title and pages (e.g. 5.6 GET LBA STATUS (16)
 *          pages 169-172, 5.20 READ CAPACITY (10) 206-207, 5.35 UNMAP 240-241, 5.52 WRITE SAME (10)
 *          273-276), and the chapters' own headings and cross-references give the subclauses.
 * - [lnx]  Linux atomic-write patches (2024): "sbc4r22 section 6.6.4 - Block limits VPD page" and the WRITE
 *          ATOMIC (16) layout "in sbc4r22 section 5.48"; a target-devel review cites "sbc4r22 4.29.1" and
 *          "sbc-4 r22 section 4.29.3.2" (atomic writes).
 * - [dg]   a linux-scsi mail by D. Gilbert: reads of unmapped LBAs, "sbc4r22 4.7.4.4 table 10".
 * - [smt]  smartmontools scsicmds.cpp: "SBC-4 revision 22, section 4.20 SSU and power conditions".
 * - [win]  a Windows disk utility whose structures name "sbc4r22.pdf": 5.20.2 READ CAPACITY (10) parameter
 *          data, 5.21 READ CAPACITY (16) command, 5.21.2 its parameter data, 6.6.2 Block Device
 *          Characteristics VPD page; and "spc5r22.pdf" 6.7.2 Standard INQUIRY data.
 * - [zep]  Zephyr's USB mass storage SCSI code (revision not stated; its READ CAPACITY (10) 5.20 and mode
 *          parameter header 7.5.6 are those of sbc4r22 and spc5r22): SBC-4 5.15 PREVENT ALLOW MEDIUM
 *          REMOVAL, 5.31 START STOP UNIT; SPC-5 6.7 INQUIRY, 6.14 MODE SENSE (6), 6.15 MODE SENSE (10).
 * - [pys]  python-scsi (revision not stated): SBC-4 5.33 SYNCHRONIZE CACHE (10), 5.34 SYNCHRONIZE CACHE (16),
 *          5.35 UNMAP; SPC-5 6.6.1 EXTENDED COPY, 6.17.3 and 6.17.4 PERSISTENT RESERVE OUT parameter lists.
 * - [lis]  libiscsi (lib/scsi-lowlevel.c and its PR test): "SPC5r17: 6.16.2 READ KEYS service action".
 * - [go]   a Go iSCSI target: "SPC5r19 ... 6.14 - MODE SENSE(6)", "6.15 - MODE SENSE(10)".
 * - [pin]  no direct citation, but fixed by order: clause 5 of SBC-4 and clause 6 of SPC-5 list the commands
 *          alphabetically (sizes in ascending order), and the number lies between two numbers established
 *          above with exactly as many places as there are commands in between (e.g. r22 has 5.36 VERIFY (10)
 *          and 5.40 WRITE (10): 5.37-5.39 are VERIFY (12), (16), (32)).
 *
 * What the evidence says beyond single numbers: sbc4r22 has no READ (6) or WRITE (6) subclause (READ (10)
 * follows PREVENT ALLOW MEDIUM REMOVAL at 5.16, WRITE (10) follows VERIFY (32) at 5.40), so those two are cited
 * from SBC-3 by name; the protection information model is 4.21 (not 4.22), the Caching mode page 6.5.6, the
 * Logical Block Provisioning VPD page 6.6.7. For SPC-5 only clause 6 commands near PERSISTENT RESERVE IN could
 * be numbered; its model clauses (sense data, reservations, allocation length), clause 7 pages and the
 * commands from READ ATTRIBUTE on are cited by name.
 */

/** SBC-4 (sbc4r22). Every value is distinct. */
export const SBC4 = {
  // --- clause 4, the direct access block device model -------------------------------------------------------
  /** 4.4 Removable media [r22]. */
  REMOVABLE_MEDIA: 'SBC-4 4.4',
  /** 4.5 Logical blocks: capacity and the LBA range [r22]. */
  LOGICAL_BLOCKS: 'SBC-4 4.5',
  /** 4.7 Logical block provisioning [r22]. */
  LBP: 'SBC-4 4.7',
  /** 4.7.2 Fully provisioned logical unit [r22]. */
  LBP_FULLY_PROVISIONED: 'SBC-4 4.7.2',
  /** 4.7.3 Logical block provisioning management [r22]. */
  LBP_MANAGEMENT: 'SBC-4 4.7.3',
  /** 4.7.3.3 Thin provisioned logical unit [r22]. */
  LBP_THIN: 'SBC-4 4.7.3.3',
  /** 4.7.3.4 Unmapping LBAs [r22]. */
  LBP_UNMAPPING: 'SBC-4 4.7.3.4',
  /** 4.7.4 LBP state machine: mapped, deallocated, anchored [r22]. */
  LBP_STATE_MACHINE: 'SBC-4 4.7.4',
  /** 4.7.4.4 Read operations and logical block provisioning: what an unmapped LBA reads (LBPRZ) [r22, dg]. */
  LBP_READS: 'SBC-4 4.7.4.4',
  /** 4.9 Ready state [r22]. */
  READY_STATE: 'SBC-4 4.9',
  /** 4.11 Sanitize operations [r22]. */
  SANITIZE_OPERATIONS: 'SBC-4 4.11',
  /** 4.11.2 Commands allowed during sanitize [r22]. */
  SANITIZE_ALLOWED: 'SBC-4 4.11.2',
  /** 4.11.3 Performing a sanitize operation: NOT READY, SANITIZE IN PROGRESS [r22]. */
  SANITIZE_PERFORMING: 'SBC-4 4.11.3',
  /** 4.11.4 Completing a sanitize operation [r22]. */
  SANITIZE_COMPLETING: 'SBC-4 4.11.4',
  /** 4.12 Write protection [r22]. */
  WRITE_PROTECTION: 'SBC-4 4.12',
  /** 4.13 Medium defects [r22]. */
  MEDIUM_DEFECTS: 'SBC-4 4.13',
  /** 4.15 Caches [r22]. */
  CACHES: 'SBC-4 4.15',
  /** 4.16 Implicit head of queue command processing [r22]. */
  IMPLICIT_HEAD_OF_QUEUE: 'SBC-4 4.16',
  /** 4.17 Reservations (table 13) [r22]. */
  RESERVATIONS: 'SBC-4 4.17',
  /** 4.18 Error reporting [r22]. */
  ERROR_REPORTING: 'SBC-4 4.18',
  /** 4.19 Rebuild assist mode [r22]. */
  REBUILD_ASSIST: 'SBC-4 4.19',
  /** 4.20 START STOP UNIT and power conditions [r22, smt]. */
  POWER_CONDITIONS: 'SBC-4 4.20',
  /** 4.21 Protection information model [r22]. */
  PROTECTION: 'SBC-4 4.21',
  /** 4.21.2 Protection types (type 0: a non-zero RDPROTECT/WRPROTECT/VRPROTECT/ORPROTECT) [r22]. */
  PROTECTION_TYPES: 'SBC-4 4.21.2',
  /** 4.29 Atomic writes [r22, lnx]. */
  ATOMIC_WRITES: 'SBC-4 4.29',
  /** 4.33 Format operations [r22]. */
  FORMAT_OPERATIONS: 'SBC-4 4.33',

  // --- clause 5, commands ----------------------------------------------------------------------------------
  /** 5.1 Commands for direct access block devices (table 34: which are mandatory) [r22]. */
  COMMANDS: 'SBC-4 5.1',
  /** 5.3 COMPARE AND WRITE [r22]. */
  COMPARE_AND_WRITE: 'SBC-4 5.3',
  /** 5.4 FORMAT UNIT [r22]. */
  FORMAT_UNIT: 'SBC-4 5.4',
  /** 5.6 GET LBA STATUS (16) [r22]. */
  GET_LBA_STATUS_16: 'SBC-4 5.6',
  /** 5.6.2 GET LBA STATUS parameter data [r22]. */
  GET_LBA_STATUS_DATA: 'SBC-4 5.6.2',
  /** 5.6.2.2 LBA status descriptor [r22]. */
  LBA_STATUS_DESCRIPTOR: 'SBC-4 5.6.2.2',
  /** 5.7 GET LBA STATUS (32) [r22]. */
  GET_LBA_STATUS_32: 'SBC-4 5.7',
  /** 5.10 ORWRITE (16) [r22]. */
  ORWRITE_16: 'SBC-4 5.10',
  /** 5.11 ORWRITE (32) [r22]. */
  ORWRITE_32: 'SBC-4 5.11',
  /** 5.13 PRE-FETCH (10) [r22]. */
  PRE_FETCH_10: 'SBC-4 5.13',
  /** 5.14 PRE-FETCH (16) [pin: 5.13 PRE-FETCH (10), 5.16 READ (10); zep's 5.15]. */
  PRE_FETCH_16: 'SBC-4 5.14',
  /** 5.15 PREVENT ALLOW MEDIUM REMOVAL [zep, pin]. */
  PREVENT_ALLOW_MEDIUM_REMOVAL: 'SBC-4 5.15',
  /** READ (6): sbc4r22 has no subclause for it (see the header); SBC-3 defines it. */
  READ_6: 'SBC-3 (READ (6))',
  /** 5.16 READ (10) [r22]. */
  READ_10: 'SBC-4 5.16',
  /** 5.17 READ (12) [r22]. */
  READ_12: 'SBC-4 5.17',
  /** 5.18 READ (16) [pin: 5.17 READ (12), 5.20 READ CAPACITY (10)]. */
  READ_16: 'SBC-4 5.18',
  /** 5.19 READ (32) [pin]. */
  READ_32: 'SBC-4 5.19',
  /** 5.20 READ CAPACITY (10) [r22, win, zep]. */
  READ_CAPACITY_10: 'SBC-4 5.20',
  /** 5.20.2 READ CAPACITY (10) parameter data [r22, win]. */
  READ_CAPACITY_10_DATA: 'SBC-4 5.20.2',
  /** 5.21 READ CAPACITY (16) [r22, win]. */
  READ_CAPACITY_16: 'SBC-4 5.21',
  /** 5.21.2 READ CAPACITY (16) parameter data [r22, win]. */
  READ_CAPACITY_16_DATA: 'SBC-4 5.21.2',
  /** 5.22 READ DEFECT DATA (10) [r22]. */
  READ_DEFECT_DATA_10: 'SBC-4 5.22',
  /** 5.23 READ DEFECT DATA (12) [r22]. */
  READ_DEFECT_DATA_12: 'SBC-4 5.23',
  /** 5.24 REASSIGN BLOCKS [r22]. */
  REASSIGN_BLOCKS: 'SBC-4 5.24',
  /** 5.30 SANITIZE [r22]. */
  SANITIZE: 'SBC-4 5.30',
  /** 5.30.1 SANITIZE command overview: the service actions [r22 (cross-reference from 4.11.1)]. */
  SANITIZE_OVERVIEW: 'SBC-4 5.30.1',
  /** 5.31 START STOP UNIT [r22, zep]. */
  START_STOP_UNIT: 'SBC-4 5.31',
  /** 5.33 SYNCHRONIZE CACHE (10) [r22, pys]. */
  SYNCHRONIZE_CACHE_10: 'SBC-4 5.33',
  /** 5.34 SYNCHRONIZE CACHE (16) [r22, pys]. */
  SYNCHRONIZE_CACHE_16: 'SBC-4 5.34',
  /** 5.35 UNMAP [r22, pys]. */
  UNMAP: 'SBC-4 5.35',
  /** 5.35.1 UNMAP command overview: PARAMETER LIST LENGTH [r22]. */
  UNMAP_OVERVIEW: 'SBC-4 5.35.1',
  /** 5.35.2 UNMAP parameter list [r22]. */
  UNMAP_PARAMETER_LIST: 'SBC-4 5.35.2',
  /** 5.36 VERIFY (10) [r22]. */
  VERIFY_10: 'SBC-4 5.36',
  /** 5.37 VERIFY (12) [pin: 5.36 VERIFY (10), 5.40 WRITE (10)]. */
  VERIFY_12: 'SBC-4 5.37',
  /** 5.38 VERIFY (16) [pin]. */
  VERIFY_16: 'SBC-4 5.38',
  /** 5.39 VERIFY (32) [pin]. */
  VERIFY_32: 'SBC-4 5.39',
  /** WRITE (6): sbc4r22 has no subclause for it (see the header); SBC-3 defines it. */
  WRITE_6: 'SBC-3 (WRITE (6))',
  /** 5.40 WRITE (10) [r22]. */
  WRITE_10: 'SBC-4 5.40',
  /** 5.41 WRITE (12) [pin: 5.40 WRITE (10), 5.44 WRITE AND VERIFY (10)]. */
  WRITE_12: 'SBC-4 5.41',
  /** 5.42 WRITE (16) [pin]. */
  WRITE_16: 'SBC-4 5.42',
  /** 5.43 WRITE (32) [pin]. */
  WRITE_32: 'SBC-4 5.43',
  /** 5.44 WRITE AND VERIFY (10) [r22 (cross-reference from 5.45 and 5.46)]. */
  WRITE_AND_VERIFY_10: 'SBC-4 5.44',
  /** 5.45 WRITE AND VERIFY (12) [pin: 5.44, 5.46]. */
  WRITE_AND_VERIFY_12: 'SBC-4 5.45',
  /** 5.46 WRITE AND VERIFY (16) [r22]. */
  WRITE_AND_VERIFY_16: 'SBC-4 5.46',
  /** 5.47 WRITE AND VERIFY (32) [pin: 5.46, 5.48]. */
  WRITE_AND_VERIFY_32: 'SBC-4 5.47',
  /** 5.48 WRITE ATOMIC (16) [lnx]. */
  WRITE_ATOMIC_16: 'SBC-4 5.48',
  /** 5.49 WRITE ATOMIC (32) [pin: 5.48, 5.50]. */
  WRITE_ATOMIC_32: 'SBC-4 5.49',
  /** 5.50 WRITE LONG (10) [r22 (cross-reference from 4.13.1)]. */
  WRITE_LONG_10: 'SBC-4 5.50',
  /** 5.51 WRITE LONG (16) [r22 (cross-reference from 4.13.1)]. */
  WRITE_LONG_16: 'SBC-4 5.51',
  /** 5.52 WRITE SAME (10) [r22]. */
  WRITE_SAME_10: 'SBC-4 5.52',
  /** 5.53 WRITE SAME (16) [r22 (cross-references from 4.7.3.1)]. */
  WRITE_SAME_16: 'SBC-4 5.53',
  /** 5.54 WRITE SAME (32) [r22]. */
  WRITE_SAME_32: 'SBC-4 5.54',

  // --- clause 6, parameters --------------------------------------------------------------------------------
  /** 6.2 Address descriptors (defect lists) [r22 (cross-reference from 4.13)]. */
  ADDRESS_DESCRIPTORS: 'SBC-4 6.2',
  /** 6.5 Mode parameters [r22]. */
  MODE_PARAMETERS: 'SBC-4 6.5',
  /** 6.5.1 Mode parameters overview: the DEVICE-SPECIFIC PARAMETER field (WP, DPOFUA) [r22 (cross-reference from 4.12)]. */
  MODE_PARAMETERS_OVERVIEW: 'SBC-4 6.5.1',
  /** 6.5.2 Mode parameter block descriptors [r22]. */
  MODE_BLOCK_DESCRIPTORS: 'SBC-4 6.5.2',
  /** 6.5.2.2 Short LBA mode parameter block descriptor [r22]. */
  SHORT_LBA_BLOCK_DESCRIPTOR: 'SBC-4 6.5.2.2',
  /** 6.5.6 Caching mode page [r22]. */
  CACHING_PAGE: 'SBC-4 6.5.6',
  /** 6.5.10 Read-Write Error Recovery mode page [r22 (cross-reference from 4.13.1)]. */
  READ_WRITE_ERROR_RECOVERY_PAGE: 'SBC-4 6.5.10',
  /** 6.6 Vital product data parameters [r22]. */
  VPD: 'SBC-4 6.6',
  /** 6.6.1 VPD parameters overview (table 257, the page codes) [r22]. */
  VPD_OVERVIEW: 'SBC-4 6.6.1',
  /** 6.6.2 Block Device Characteristics VPD page [r22, win]. */
  BLOCK_DEVICE_CHARACTERISTICS: 'SBC-4 6.6.2',
  /** 6.6.4 Block Limits VPD page [r22, lnx]. */
  BLOCK_LIMITS: 'SBC-4 6.6.4',
  /** 6.6.7 Logical Block Provisioning VPD page [r22 (cross-references from 4.7.3)]. */
  LOGICAL_BLOCK_PROVISIONING_VPD: 'SBC-4 6.6.7',
} as const;

/** SPC-5 (spc5r17). Every value is distinct. */
export const SPC5 = {
  // --- clause 6, commands (numbered where established) -----------------------------------------------------
  /** 6.6 EXTENDED COPY [pys; pin: it directly precedes INQUIRY]. */
  EXTENDED_COPY: 'SPC-5 6.6',
  /** 6.7 INQUIRY [zep; pin: 6.7 + LOG SELECT, LOG SENSE, MANAGEMENT PROTOCOL IN and OUT = 6.12]. */
  INQUIRY: 'SPC-5 6.7',
  /** 6.7.1 INQUIRY command introduction [pin: 6.7.2 follows it]. */
  INQUIRY_OVERVIEW: 'SPC-5 6.7.1',
  /** 6.7.2 Standard INQUIRY data [win (spc5r22; INQUIRY keeps its number)]. */
  STANDARD_INQUIRY_DATA: 'SPC-5 6.7.2',
  /** 6.12 MODE SELECT (6) [pin: counted back from 6.16]. */
  MODE_SELECT_6: 'SPC-5 6.12',
  /** 6.13 MODE SELECT (10) [pin]. */
  MODE_SELECT_10: 'SPC-5 6.13',
  /** 6.14 MODE SENSE (6) [zep, go; pin]. */
  MODE_SENSE_6: 'SPC-5 6.14',
  /** 6.15 MODE SENSE (10) [zep, go; pin: it directly precedes PERSISTENT RESERVE IN]. */
  MODE_SENSE_10: 'SPC-5 6.15',
  /** 6.16 PERSISTENT RESERVE IN [lis]. */
  PERSISTENT_RESERVE_IN: 'SPC-5 6.16',
  /** 6.16.2 READ KEYS service action [lis]. */
  READ_KEYS: 'SPC-5 6.16.2',
  /** 6.17 PERSISTENT RESERVE OUT [pys; pin: it directly follows PERSISTENT RESERVE IN]. */
  PERSISTENT_RESERVE_OUT: 'SPC-5 6.17',

  // --- by name: numbers not established for spc5r17 ------------------------------------------------------------
  READ_RESERVATION: 'SPC-5 6.16 (READ RESERVATION)',
  REPORT_CAPABILITIES: 'SPC-5 6.16 (REPORT CAPABILITIES)',
  READ_FULL_STATUS: 'SPC-5 6.16 (READ FULL STATUS)',
  PR_OUT_SERVICE_ACTIONS: 'SPC-5 6.17 (service actions)',
  PR_OUT_PARAMETER_LIST: 'SPC-5 6.17 (basic parameter list)',
  PR_OUT_REGISTER_AND_MOVE_LIST: 'SPC-5 6.17 (REGISTER AND MOVE parameter list)',
  REPORT_LUNS: 'SPC-5 (REPORT LUNS)',
  REPORT_LUNS_WLUN: 'SPC-5 (REPORT LUNS well known logical unit)',
  REPORT_SUPPORTED_OPERATION_CODES: 'SPC-5 (REPORT SUPPORTED OPERATION CODES)',
  REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS: 'SPC-5 (REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS)',
  REPORT_TARGET_PORT_GROUPS: 'SPC-5 (REPORT TARGET PORT GROUPS)',
  REQUEST_SENSE: 'SPC-5 (REQUEST SENSE)',
  TEST_UNIT_READY: 'SPC-5 (TEST UNIT READY)',
  /** The keywords and conventions: what "reserved" means for a field, bit or code value. */
  RESERVED: 'SPC-5 (reserved: keywords and conventions)',
  OPERATION_CODE: 'SPC-5 (OPERATION CODE field)',
  ALLOCATION_LENGTH: 'SPC-5 (ALLOCATION LENGTH field)',
  ASCII_DATA: 'SPC-5 (ASCII data field requirements)',
  SENSE_DATA: 'SPC-5 (sense data)',
  DESCRIPTOR_SENSE_DATA: 'SPC-5 (descriptor format sense data)',
  FIXED_SENSE_DATA: 'SPC-5 (fixed format sense data)',
  SENSE_KEYS: 'SPC-5 (sense keys)',
  ADDITIONAL_SENSE_CODES: 'SPC-5 (additional sense codes)',
  FIELD_POINTER: 'SPC-5 (field pointer sense key specific data)',
  PROGRESS_INDICATION: 'SPC-5 (progress indication sense key specific data)',
  RESERVATIONS: 'SPC-5 (reservations)',
  MODE_PARAMETERS: 'SPC-5 (mode parameters)',
  CONTROL_PAGE: 'SPC-5 (Control mode page)',
  INFORMATIONAL_EXCEPTIONS_PAGE: 'SPC-5 (Informational Exceptions Control mode page)',
  VPD: 'SPC-5 (VPD parameters)',
  SUPPORTED_VPD_PAGES: 'SPC-5 (Supported VPD Pages VPD page)',
  UNIT_SERIAL_NUMBER: 'SPC-5 (Unit Serial Number VPD page)',
  DEVICE_IDENTIFICATION: 'SPC-5 (Device Identification VPD page)',
  EXTENDED_INQUIRY_DATA: 'SPC-5 (Extended INQUIRY Data VPD page)',
  TRANSPORT_ID: 'SPC-5 (TransportID)',
  // third-party copy (EXTENDED COPY (LID1) is 6.6; its model clauses and descriptors are cited by name)
  XCOPY_PARAMETER_LIST: 'SPC-5 6.6 (parameter list header: descriptor list lengths)',
  CSCD_DESCRIPTORS: 'SPC-5 6.6 (CSCD descriptors)',
  IDENTIFICATION_CSCD: 'SPC-5 6.6 (Identification Descriptor CSCD descriptor)',
  SEGMENT_DESCRIPTORS: 'SPC-5 6.6 (segment descriptors)',
  BLOCK_TO_BLOCK_SEGMENT: 'SPC-5 6.6 (block device to block device segment descriptor)',
  XCOPY_ERRORS_BEFORE_SEGMENTS: 'SPC-5 (EXTENDED COPY errors detected before segment descriptor processing starts)',
  XCOPY_ERRORS_DURING_SEGMENTS: 'SPC-5 (EXTENDED COPY errors detected during processing of segment descriptors)',
  THIRD_PARTY_COPY_VPD: 'SPC-5 (Third-party Copy VPD page)',
} as const;

/** Every citation the table establishes, numbered or by name. */
export const ALL_CLAUSES: readonly string[] = [...Object.values(SBC4), ...Object.values(SPC5)];
