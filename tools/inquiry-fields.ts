/**
 * INQUIRY data as sections of named fields, in the order of the standards' tables: standard INQUIRY data
 * (SPC-5 6.7.2) and the VPD pages the protocol codecs parse (Supported VPD Pages, Unit Serial Number, Device
 * Identification; Block Limits, Block Device Characteristics, Logical Block Provisioning of SBC-4 6.6).
 * A page without a parser here is shown as hex under its name. The names of codes come from the codecs'
 * constant tables, so a code is named in one place.
 */
import {
  Association,
  CodeSet,
  decodeDesignator,
  DesignatorType,
  parseBlockDeviceCharacteristics,
  parseBlockLimits,
  parseDeviceIdentification,
  parseLogicalBlockProvisioning,
  parseSupportedVpdPages,
  parseUnitSerialNumber,
  PeripheralDeviceType,
  ProtocolId,
  StandardInquiry,
  versionDescriptorName,
  VpdPage,
} from '../protocol/scsi/index.js';
import type { Designator } from '../protocol/scsi/index.js';
import { hexDump, Section } from './common.js';
import { thirdPartyCopySection } from './inquiry-tpc.js';

/** Reverse a constant table: code -> NAME. */
function namesOf(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([k, v]) => [v, k]));
}
const DEVICE_TYPES = namesOf(PeripheralDeviceType);
const PAGES = namesOf(VpdPage);
const CODE_SETS = namesOf(CodeSet);
const ASSOCIATIONS = namesOf(Association);
const DESIGNATOR_TYPES = namesOf(DesignatorType);
const PROTOCOLS = namesOf(ProtocolId);

const hx = (v: number, w = 2): string => `0x${v.toString(16).padStart(w, '0')}`;
const named = (names: Map<number, string>, v: number, w = 2): string => `${hx(v, w)} ${names.get(v) ?? 'reserved or vendor specific'}`;

/** `'DIRECT_ACCESS'`, as libiscsi's tools print a peripheral device type. */
export function deviceTypeName(t: number): string {
  return DEVICE_TYPES.get(t) ?? `TYPE_${hx(t)}`;
}

/** `'0xb0 BLOCK_LIMITS'`. */
export function vpdPageName(p: number): string {
  return `${hx(p)} ${PAGES.get(p) ?? 'VPD PAGE'}`;
}

const QUALIFIERS: Record<number, string> = { 0: 'connected', 1: 'not connected', 3: 'not supported' };

export function standardInquirySection(q: StandardInquiry): Section {
  const f: Section['fields'] = [
    ['PERIPHERAL QUALIFIER', `${q.peripheralQualifier} ${QUALIFIERS[q.peripheralQualifier] ?? 'reserved'}`],
    ['PERIPHERAL DEVICE TYPE', `${hx(q.peripheralDeviceType)} ${deviceTypeName(q.peripheralDeviceType)}`],
    ['RMB', q.rmb],
    ['LU_CONG', !!q.luCong],
    ['VERSION', `${hx(q.version)}${q.version === 6 ? ' SPC-4' : q.version === 7 ? ' SPC-5' : q.version === 5 ? ' SPC-3' : ''}`],
    ['NORMACA', q.normaca],
    ['HISUP', q.hisup],
    ['RESPONSE DATA FORMAT', q.responseDataFormat],
    ['ADDITIONAL LENGTH', q.additionalLength],
  ];
  const opt = (name: string, v: boolean | number | string | undefined) => {
    if (v !== undefined) f.push([name, v]);
  };
  opt('SCCS', q.sccs);
  opt('ACC', q.acc);
  opt('TPGS', q.tpgs);
  opt('3PC', q.threePc);
  opt('PROTECT', q.protect);
  opt('ENCSERV', q.encserv);
  opt('MULTIP', q.multip);
  opt('CMDQUE', q.cmdque);
  opt('T10 VENDOR IDENTIFICATION', q.vendor);
  opt('PRODUCT IDENTIFICATION', q.product);
  opt('PRODUCT REVISION LEVEL', q.revision);
  q.versionDescriptors.forEach((d, i) => f.push([`VERSION DESCRIPTOR ${i + 1}`, `${hx(d, 4)} ${versionDescriptorName(d)}`]));
  if (q.truncated) f.push(['(truncated)', 'the data ended before ADDITIONAL LENGTH']);
  return { title: 'Standard INQUIRY data', fields: f };
}

/** One designation descriptor, field by field, with the designator decoded by its type. */
export function designatorSection(d: Designator, i: number): Section {
  const f: Section['fields'] = [];
  if (d.piv) f.push(['PROTOCOL IDENTIFIER', named(PROTOCOLS, d.protocolIdentifier, 1)]);
  f.push(
    ['CODE SET', named(CODE_SETS, d.codeSet, 1)],
    ['PIV', d.piv],
    ['ASSOCIATION', named(ASSOCIATIONS, d.association, 1)],
    ['DESIGNATOR TYPE', named(DESIGNATOR_TYPES, d.designatorType, 1)],
    ['DESIGNATOR LENGTH', d.designator.length],
  );
  let x;
  try {
    x = decodeDesignator(d);
  } catch (e) {
    f.push(['DESIGNATOR', `0x${d.designator.toString('hex')} (${(e as Error).message})`]);
    return { title: `Designation descriptor ${i}`, fields: f };
  }
  switch (x.kind) {
    case 'naa':
      f.push(['NAA', x.naa], ['DESIGNATOR', `0x${x.id.toString('hex')}`]);
      break;
    case 't10VendorId':
      f.push(['T10 VENDOR IDENTIFICATION', x.vendor], ['VENDOR SPECIFIC IDENTIFIER', x.specific]);
      break;
    case 'eui64':
      f.push(['DESIGNATOR', `0x${x.id.toString('hex')}`]);
      break;
    case 'scsiName':
      f.push(['SCSI NAME STRING', x.name]);
      break;
    case 'relativeTargetPort':
      f.push(['RELATIVE TARGET PORT IDENTIFIER', x.id]);
      break;
    case 'targetPortGroup':
      f.push(['TARGET PORT GROUP', x.group]);
      break;
    case 'logicalUnitGroup':
      f.push(['LOGICAL UNIT GROUP', x.group]);
      break;
    default:
      f.push(['DESIGNATOR', d.codeSet === CodeSet.ASCII || d.codeSet === CodeSet.UTF8 ? d.designator.toString('utf8') : `0x${x.data.toString('hex')}`]);
  }
  return { title: `Designation descriptor ${i}`, fields: f };
}

const PROVISIONING_TYPES: Record<number, string> = { 0: 'not reported (fully provisioned)', 1: 'resource provisioned', 2: 'thin provisioned' };
const ROTATION = (r: number): string => (r === 0 ? '0 not reported' : r === 1 ? '1 non-rotating medium' : `${r} rpm`);

/** Decode one VPD page into a section; a page without a decoder here is shown as hex. */
export function vpdSection(buf: Buffer): Section {
  const code = buf.length > 1 ? buf[1]! : -1;
  const title = `VPD page ${vpdPageName(code)}`;
  const head = (pdt: number): Section['fields'] => [
    ['PERIPHERAL DEVICE TYPE', `${hx(pdt)} ${deviceTypeName(pdt)}`],
    ['PAGE LENGTH', buf.length >= 4 ? buf.readUInt16BE(2) : 0],
  ];
  switch (code) {
    case VpdPage.SUPPORTED_PAGES: {
      const p = parseSupportedVpdPages(buf);
      return { title, fields: [...head(p.peripheralDeviceType), ...p.pages.map((c, i): [string, string] => [`PAGE ${i}`, vpdPageName(c)])] };
    }
    case VpdPage.UNIT_SERIAL_NUMBER: {
      const p = parseUnitSerialNumber(buf);
      return { title, fields: [...head(p.peripheralDeviceType), ['PRODUCT SERIAL NUMBER', p.serial]] };
    }
    case VpdPage.DEVICE_IDENTIFICATION: {
      const p = parseDeviceIdentification(buf);
      return {
        title,
        fields: [...head(p.peripheralDeviceType), ['DESIGNATION DESCRIPTORS', p.designators.length]],
        parts: p.designators.map(designatorSection),
      };
    }
    case VpdPage.BLOCK_LIMITS: {
      const p = parseBlockLimits(buf);
      const rows: [string, keyof typeof p][] = [
        ['WSNZ', 'wsnz'],
        ['MAXIMUM COMPARE AND WRITE LENGTH', 'maximumCompareAndWriteLength'],
        ['OPTIMAL TRANSFER LENGTH GRANULARITY', 'optimalTransferLengthGranularity'],
        ['MAXIMUM TRANSFER LENGTH', 'maximumTransferLength'],
        ['OPTIMAL TRANSFER LENGTH', 'optimalTransferLength'],
        ['MAXIMUM PREFETCH LENGTH', 'maximumPrefetchLength'],
        ['MAXIMUM UNMAP LBA COUNT', 'maximumUnmapLbaCount'],
        ['MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT', 'maximumUnmapBlockDescriptorCount'],
        ['OPTIMAL UNMAP GRANULARITY', 'optimalUnmapGranularity'],
        ['UGAVALID', 'ugavalid'],
        ['UNMAP GRANULARITY ALIGNMENT', 'unmapGranularityAlignment'],
        ['MAXIMUM WRITE SAME LENGTH', 'maximumWriteSameLength'],
        ['MAXIMUM ATOMIC TRANSFER LENGTH', 'maximumAtomicTransferLength'],
        ['ATOMIC ALIGNMENT', 'atomicAlignment'],
        ['ATOMIC TRANSFER LENGTH GRANULARITY', 'atomicTransferLengthGranularity'],
        ['MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY', 'maximumAtomicTransferLengthWithAtomicBoundary'],
        ['MAXIMUM ATOMIC BOUNDARY SIZE', 'maximumAtomicBoundarySize'],
      ];
      return { title, fields: [...head(p.peripheralDeviceType), ...present(p, rows)] };
    }
    case VpdPage.BLOCK_DEVICE_CHARACTERISTICS: {
      const p = parseBlockDeviceCharacteristics(buf);
      const f = present(p, [
        ['PRODUCT TYPE', 'productType'],
        ['WABEREQ', 'wabereq'],
        ['WACEREQ', 'wacereq'],
        ['NOMINAL FORM FACTOR', 'nominalFormFactor'],
        ['ZONED', 'zoned'],
        ['RBWZ', 'rbwz'],
        ['BOCS', 'bocs'],
        ['FUAB', 'fuab'],
        ['VBULS', 'vbuls'],
        ['DEPOPULATION TIME', 'depopulationTime'],
      ]);
      if (p.mediumRotationRate !== undefined) f.unshift(['MEDIUM ROTATION RATE', ROTATION(p.mediumRotationRate)]);
      return { title, fields: [...head(p.peripheralDeviceType), ...f] };
    }
    case VpdPage.LOGICAL_BLOCK_PROVISIONING: {
      const p = parseLogicalBlockProvisioning(buf);
      const f = present(p, [
        ['THRESHOLD EXPONENT', 'thresholdExponent'],
        ['LBPU', 'lbpu'],
        ['LBPWS', 'lbpws'],
        ['LBPWS10', 'lbpws10'],
        ['LBPRZ', 'lbprz'],
        ['ANC_SUP', 'ancSup'],
        ['DP', 'dp'],
        ['MINIMUM PERCENTAGE', 'minimumPercentage'],
      ]);
      if (p.provisioningType !== undefined) f.push(['PROVISIONING TYPE', `${p.provisioningType} ${PROVISIONING_TYPES[p.provisioningType] ?? 'reserved'}`]);
      if (p.thresholdPercentage !== undefined) f.push(['THRESHOLD PERCENTAGE', p.thresholdPercentage]);
      return {
        title,
        fields: [...head(p.peripheralDeviceType), ...f],
        ...(p.provisioningGroupDescriptor ? { parts: [designatorSection(p.provisioningGroupDescriptor, 0)] } : {}),
      };
    }
    case VpdPage.THIRD_PARTY_COPY:
      return thirdPartyCopySection(buf, title, head);
    default:
      return { title, fields: [...head(buf.length > 0 ? buf[0]! & 0x1f : 0), ['DATA', `\n${hexDump(buf.subarray(4), '    ').trimEnd()}`]] };
  }
}

/** The fields of `rows` the page reached, in order. */
function present<T extends object>(p: T, rows: [string, keyof T][]): Section['fields'] {
  const out: Section['fields'] = [];
  for (const [name, key] of rows) {
    const v = p[key];
    if (v !== undefined) out.push([name, v as unknown as string | number | boolean | bigint]);
  }
  return out;
}
