/** Defects for EXTENDED COPY (LID1) and RECEIVE COPY RESULTS. */
import { Op, ReceiveCopySa } from '../../../protocol/scsi/index.js';
import { INVALID_CDB, type Cases } from './_support.js';

const isXcopy = (c: Buffer) => c[0] === Op.EXTENDED_COPY;

const isCopyStatus = (c: Buffer) => c[0] === Op.RECEIVE_COPY_RESULTS && (c[1]! & 0x1f) === ReceiveCopySa.COPY_STATUS_LID1;

const CASES: Cases = {
  'ExtendedCopy.Simple': {
    quirks: ['xcopy-noop'],
    message: /after EXTENDED COPY of LBAs 0\.\.15 to 131056\.\.131071: LBA 131056 does not hold what LBA 0 holds/,
  },
  'ExtendedCopy.ParamHdr': {
    rules: () => [{ match: isXcopy, reply: () => ({ status: 0 }) }],
    message: /sent with PARAMETER LIST LENGTH \d+: expected CHECK CONDITION ILLEGAL REQUEST\/PARAMETER LIST LENGTH ERROR, got GOOD/,
  },
  'ExtendedCopy.DescrType': {
    quirks: ['xcopy-any-descriptor'],
    message: /CSCD descriptor type code E0h: expected .*UNSUPPORTED TARGET DESCRIPTOR TYPE CODE.*, got GOOD/,
  },
  'ExtendedCopy.DescrLimits': {
    rules: () => [{ match: isXcopy, reply: () => ({ status: 0 }) }],
    message: /with 9 CSCD descriptors \(MAXIMUM CSCD DESCRIPTOR COUNT 8\): expected .*TOO MANY TARGET DESCRIPTORS.*, got GOOD/,
  },
  'ExtendedCopy.ValidTgtDescr': {
    quirks: ['xcopy-checks-lu-id-type'],
    message: /LU ID TYPE 10b: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST/,
  },
  'ExtendedCopy.ValidSegDescr': {
    rules: () => [{ match: isXcopy, reply: () => ({ status: 0 }) }],
    message: /DESTINATION CSCD DESCRIPTOR ID 1 with one CSCD descriptor in the list: expected .*UNREACHABLE COPY TARGET.*, got GOOD/,
  },
  'ExtendedCopy.OwnLuCscdId': { quirks: ['xcopy-noop'], message: /LBAs 72\.\.75 do not hold what LBAs 0\.\.3 hold/ },
  'ExtendedCopy.Large': { quirks: ['xcopy-noop'], message: /after EXTENDED COPY of LBAs 0\.\.16383 to \d+\.\.\d+: LBA \d+ does not hold what LBA 0 holds/ },
  'ThirdPartyCopyVpd.Descriptors': {
    quirks: ['tpc-vpd-unsorted'],
    message: /third-party copy descriptors in the order 8001h 0001h 0004h 0008h 000Ch, not ascending by type/,
  },
  'ReceiveCopyResults.OpParams': { quirks: ['xcopy-bad-op-params'], message: /AVAILABLE DATA \(40 \+ IMPLEMENTED DESCRIPTOR LIST LENGTH\)/ },
  'ReceiveCopyResults.CopyStatus': {
    rules: () => [{ match: isCopyStatus, reply: INVALID_CDB }],
    message: /RECEIVE COPY STATUS\(LID1\).*expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN CDB/,
  },
};

export default CASES;
