/**
 * Defects for the iSCSIKeyDefaults tests of issue 16 that read an operational key's default in full feature phase:
 * quirks of the reference target that take a key neither side sent at another value than its RFC 7143 13 default
 * (reference-target/default-quirks.ts); and for iSCSILoginValues.UnofferedValueAnswered, a target requiring header
 * digests (so that it offers HeaderDigest=CRC32C itself) that takes an answer outside its offer.
 */
import type { Cases } from './_support.js';

const CASES: Cases = {
  'iSCSIKeyDefaults.InitialR2TDefault': {
    quirks: ['initial-r2t-default-no'],
    verdict: 'warn',
    message:
      /InitialR2T never negotiated \(default Yes\): expected a Reject, an R2T for the block or the connection dropped, got SCSI Response.*took unsolicited/,
  },
  'iSCSIKeyDefaults.MaxOutstandingR2TDefault': {
    quirks: ['max-outstanding-r2t-default-4'],
    verdict: 'warn',
    message: /MaxOutstandingR2T never negotiated \(default 1\): the target sent 2 R2Ts for the WRITE\(10\) before any data was sent/,
  },
  'iSCSIKeyDefaults.FirstBurstLengthDefault': {
    quirks: ['first-burst-default-8k'],
    params: { InitialR2T: 'No' },
    message: /FirstBurstLength never negotiated \(default 65536\): expected R2T with bufferOffset=0x10000, desiredDataTransferLength=0x200, got a Reject/,
  },
  'iSCSIKeyDefaults.DigestsDefault': {
    quirks: ['header-digest-default-crc32c'],
    verdict: 'warn',
    message: /never negotiated HeaderDigest or DataDigest \(default None\): (expected a NOP-In echoing its data, got|the NOP-In echoed)/,
  },
  'iSCSIKeyDefaults.DataPDUInOrderDefault': {
    quirks: ['data-pdu-order-default-no'],
    verdict: 'warn',
    message: /DataPDUInOrder never negotiated \(default Yes\): Data-In DataSN 1 starts at offset 0, within a sequence whose PDU before it ended at 16384/,
  },
  'iSCSIKeyDefaults.DataSequenceInOrderDefault': {
    quirks: ['data-sequence-order-default-no'],
    verdict: 'warn',
    message:
      /DataSequenceInOrder never negotiated \(default Yes\): Data-In sequence 2 of the READ\(10\) starts at offset 0, not above the sequence before it \(262144\)/,
  },
  'iSCSILoginValues.UnofferedValueAnswered': {
    quirks: ['login-unoffered-answer-taken'],
    params: { HeaderDigest: 'CRC32C' },
    verdict: 'warn',
    message: /the answer HeaderDigest=None to the target's offer HeaderDigest=CRC32C: expected a Login Response with status class 0x02, got .*0x0000/,
  },
};

export default CASES;
