/**
 * The Extended INQUIRY Data VPD page (86h, SPC-5): what the device server supports of task attributes,
 * caches, protection information checks and sense data length. PAGE LENGTH is 003Ch.
 */
import { decodeError } from '../errors.js';
import { bit, optUint } from './util.js';
import { parseVpdHeader, VpdPage, type VpdCommon, type VpdHeader } from './vpd.js';

/** The PAGE LENGTH SPC-5 gives the page. */
export const EXTENDED_INQUIRY_PAGE_LENGTH = 0x3c;

export interface ExtendedInquiryData {
  activateMicrocode?: number;
  /** SPT, 3 bits: the protection types supported. */
  spt?: number;
  grdChk?: boolean;
  appChk?: boolean;
  refChk?: boolean;
  uaskSup?: boolean;
  groupSup?: boolean;
  priorSup?: boolean;
  /** HEADSUP, ORDSUP, SIMPSUP: HEAD OF QUEUE, ORDERED and SIMPLE task attributes supported. */
  headSup?: boolean;
  ordSup?: boolean;
  simpSup?: boolean;
  wuSup?: boolean;
  crdSup?: boolean;
  /** NV_SUP / V_SUP: a non-volatile / volatile cache. */
  nvSup?: boolean;
  vSup?: boolean;
  luiclr?: boolean;
  /** MAXIMUM SUPPORTED SENSE DATA LENGTH (0: not reported). */
  maxSenseLength?: number;
}

/** SPC-5 Extended INQUIRY Data: the fields present in the buffer (a page cut short gives what is there). */
export function parseExtendedInquiry(buf: Buffer): ExtendedInquiryData & VpdHeader {
  const h = parseVpdHeader(buf);
  if (h.pageCode !== VpdPage.EXTENDED_INQUIRY_DATA) throw decodeError(`Extended INQUIRY Data: PAGE CODE ${h.pageCode}, expected 86h`);
  const at = (i: number) => (i < buf.length && i < 4 + h.pageLength ? buf[i]! : 0);
  const on = (i: number, b: number) => (at(i) & (1 << b)) !== 0;
  return {
    ...h,
    activateMicrocode: at(4) >> 6,
    spt: (at(4) >> 3) & 7,
    grdChk: on(4, 2),
    appChk: on(4, 1),
    refChk: on(4, 0),
    uaskSup: on(5, 5),
    groupSup: on(5, 4),
    priorSup: on(5, 3),
    headSup: on(5, 2),
    ordSup: on(5, 1),
    simpSup: on(5, 0),
    wuSup: on(6, 3),
    crdSup: on(6, 2),
    nvSup: on(6, 1),
    vSup: on(6, 0),
    luiclr: on(7, 0),
    maxSenseLength: at(13),
  };
}

/** SPC-5 Extended INQUIRY Data, PAGE LENGTH 003Ch. */
export function encodeExtendedInquiry(o: ExtendedInquiryData & VpdCommon): Buffer {
  const ctx = 'Extended INQUIRY Data';
  const b = Buffer.alloc(4 + EXTENDED_INQUIRY_PAGE_LENGTH);
  b[0] = (optUint(ctx, 'PERIPHERAL QUALIFIER', o.peripheralQualifier, 3) << 5) | optUint(ctx, 'PERIPHERAL DEVICE TYPE', o.peripheralDeviceType, 5);
  b[1] = VpdPage.EXTENDED_INQUIRY_DATA;
  b.writeUInt16BE(EXTENDED_INQUIRY_PAGE_LENGTH, 2);
  b[4] = (optUint(ctx, 'ACTIVATE MICROCODE', o.activateMicrocode, 2) << 6) | (optUint(ctx, 'SPT', o.spt, 3) << 3) | (bit(o.grdChk) << 2) | (bit(o.appChk) << 1);
  b[4] |= bit(o.refChk);
  b[5] = (bit(o.uaskSup) << 5) | (bit(o.groupSup) << 4) | (bit(o.priorSup) << 3) | (bit(o.headSup) << 2) | (bit(o.ordSup) << 1) | bit(o.simpSup);
  b[6] = (bit(o.wuSup) << 3) | (bit(o.crdSup) << 2) | (bit(o.nvSup) << 1) | bit(o.vSup);
  b[7] = bit(o.luiclr);
  b[13] = optUint(ctx, 'MAXIMUM SUPPORTED SENSE DATA LENGTH', o.maxSenseLength, 8);
  return b;
}
