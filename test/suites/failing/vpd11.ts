/**
 * Defects for the Device Identification VPD page (InquiryVPD83), the Extended INQUIRY Data VPD page
 * (InquiryVPD86) and the REPORT LUNS well known logical unit.
 */
import { Association, encodeDeviceIdentification, parseDeviceIdentification, type Designator } from '../../../protocol/scsi/index.js';
import { Asc, Op, SenseKey } from '../../../protocol/scsi/index.js';
import { CC, isVpd, type Cases } from './_support.js';

/** A proxy rule that rewrites the designators of the Device Identification page (one Data-In PDU holds it all). */
const designators = (change: (ds: Designator[]) => Designator[]) => () => [
  {
    match: isVpd(0x83),
    dataIn: (d: Buffer, _c: Buffer, off: number) =>
      off === 0 ? encodeDeviceIdentification({ designators: change(parseDeviceIdentification(d).designators) }) : d,
  },
];

/** The SCSI name string designator of `association`, replaced by `bytes`. */
const nameBytes = (association: number, bytes: (name: string) => Buffer) =>
  designators((ds) =>
    ds.map((x) =>
      x.designatorType === 8 && x.association === association ? { ...x, designator: bytes(x.designator.toString('utf8').replace(/\0+$/, '')) } : x,
    ),
  );

/** `s` null-terminated and null-padded to a multiple of 4 bytes, as a SCSI name string must be. */
const padded = (s: string): Buffer => {
  const b = Buffer.alloc((Buffer.byteLength(s) + 4) & ~3);
  b.write(s);
  return b;
};

/** LUN 1 of the reference target in these tables: thin provisioned (test/harness/support/targets.ts). */
const THIN = 1;
const isGls = (alloc: number) => (c: Buffer) => c[0] === Op.SERVICE_ACTION_IN_16 && (c[1]! & 0x1f) === 0x12 && c.readUInt32BE(10) === alloc;

const CASES: Cases = {
  // every UNMAP refused, the one whose last block descriptor is incomplete first
  'Unmap.DescriptorDataLength': {
    lun: THIN,
    rules: () => [{ match: (c: Buffer) => c[0] === Op.UNMAP, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_PARAMETER_LIST) }],
    message: /UNMAP LEN=40 with UNMAP BLOCK DESCRIPTOR DATA LENGTH 24 .*: expected GOOD, got CHECK CONDITION ILLEGAL REQUEST\/INVALID FIELD IN PARAMETER LIST/,
  },
  'Unmap.BeyondEol': {
    lun: THIN,
    quirks: ['no-lba-range-check'],
    message: /\[LBA \d+, 2\]: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD/,
  },
  // the first descriptor's LBA changed in answers to ALLOCATION LENGTH 16
  'GetLBAStatus.AllocLength': {
    rules: () => [{ match: isGls(16), dataIn: (d: Buffer, _c: Buffer, off: number) => (off === 0 && d.length >= 16 && (d[15]! ^= 1), d) }],
    message: /GET LBA STATUS LBA=0 ALLOC=16: the first LBA status descriptor's bytes .* differ from those with ALLOCATION LENGTH 4096/,
  },
  // only the target port and target device designators are left
  'InquiryVPD83.LogicalUnitName': {
    rules: designators((ds) => ds.filter((x) => x.association !== Association.LOGICAL_UNIT)),
    message: /holds no logical unit name/,
  },
  // the NAA designator claims CODE SET ASCII
  'InquiryVPD83.DesignatorFormats': {
    rules: designators((ds) => ds.map((x) => (x.designatorType === 3 ? { ...x, codeSet: 2 } : x))),
    message: /a NAA designator has CODE SET 1h, got 2h/,
  },
  'InquiryVPD83.DesignatorFormats (relative target port 0)': {
    rules: designators((ds) => ds.map((x) => (x.designatorType === 4 ? { ...x, designator: Buffer.alloc(4) } : x))),
    message: /RELATIVE TARGET PORT IDENTIFIER 0 is reserved/,
  },
  // the target device name with one terminating NUL and no padding to a multiple of 4
  'InquiryVPD83.ScsiNameString': {
    rules: nameBytes(Association.TARGET_DEVICE, (n) => Buffer.from(`${n}${n.length % 4 === 3 ? 'x' : ''}\0`)),
    message: /DESIGNATOR LENGTH \d+ is not a multiple of 4/,
  },
  'InquiryVPD83.ScsiNameString (port suffix on the target device)': {
    rules: nameBytes(Association.TARGET_DEVICE, (n) => padded(`${n},t,0x1`)),
    message: /carries a port suffix, though it names the target device/,
  },
  'InquiryVPD86.PageLength': {
    rules: () => [{ match: isVpd(0x86), dataIn: (d: Buffer) => ((d[3] = 0x3b), d) }],
    message: /PAGE LENGTH of the Extended INQUIRY Data page: expected 60, got 59/,
  },
  'InquiryVPD86.SenseLength': {
    quirks: ['ext-inquiry-short-sense-length'],
    message: /returned \d+ bytes of sense data, more than the MAXIMUM SUPPORTED SENSE DATA LENGTH 8/,
  },
  // TEST UNIT READY refused, whatever its task attribute
  'InquiryVPD86.TaskAttributes': {
    rules: () => [{ match: (c: Buffer) => c[0] === 0, reply: () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_CDB) }],
    message: /TEST UNIT READY with task attribute SIMPLE \(claimed supported\): expected GOOD, got CHECK CONDITION/,
  },
  // V_SUP and NV_SUP cleared
  'InquiryVPD86.Caches': {
    rules: () => [{ match: isVpd(0x86), dataIn: (d: Buffer) => ((d[6] = 0), d) }],
    verdict: 'warn',
    message: /sets neither V_SUP nor NV_SUP/,
  },
  // the REPORT LUNS well known LU answers as LUN 0, a block device
  'ReportLUNsSelect.WellKnownLun': {
    quirks: ['wlun-alias-lun0'],
    message: /PERIPHERAL DEVICE TYPE of the REPORT LUNS well known logical unit: expected 30, got 0/,
  },
  'ReportLUNsSelect.WellKnownLunCommands': {
    quirks: ['wlun-alias-lun0'],
    message: /READ CAPACITY\(10\) to LUN C101000000000000h: expected CHECK CONDITION ILLEGAL REQUEST\/INVALID COMMAND OPERATION CODE, got GOOD/,
  },
  'InquiryVPD83.TargetPort': { quirks: ['vpd83-bare-port-name'], message: /the iSCSI target port name .* has no ",t,0x<TPGT>"/ },
  'InquiryVPD83.TargetPort (another TPGT)': {
    rules: nameBytes(Association.TARGET_PORT, (n) => padded(n.replace(/,t,0x[0-9a-f]+$/i, ',t,0x7'))),
    message: /the TPGT of the target port name versus the login's TargetPortalGroupTag: expected 1, got 7/,
  },
};

export default CASES;
