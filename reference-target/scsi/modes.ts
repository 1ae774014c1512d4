/**
 * Mode parameters of a logical unit (SPC-5 mode parameters, SBC-4 6.5): the Caching (08h), Control (0Ah) and
 * Informational Exceptions Control (1Ch) pages with their current, changeable and default values, the
 * MODE SENSE data and the MODE SELECT parameter list checks. Saved values are not implemented.
 */
import {
  encodeCachingPage,
  encodeControlPage,
  encodeInformationalExceptionsControlPage,
  encodeModeParameters10,
  encodeModeParameters6,
  modePageMask,
  ModePageCode,
  parseCachingPage,
  parseControlPage,
  parseInformationalExceptionsControlPage,
  type ModePage,
} from '../../protocol/scsi/mode.js';
import { Asc, SenseKey } from '../../protocol/scsi/sense.js';
import { CheckCondition, invalidCdb, invalidParam, paramListLengthError, topBit } from './check.js';

/** The changeable mode fields (everything else is fixed). */
export interface ModeState {
  /** Caching: write cache enable. */
  wce: boolean;
  /** Caching: read cache disable (the emulated read cache that PRE-FETCH fills). */
  rcd: boolean;
  /** Control: descriptor format sense data. */
  dSense: boolean;
  /** Control: software write protect. */
  swp: boolean;
  /** Control: task aborted status (commands another I_T nexus aborts end with TASK ABORTED status). */
  tas: boolean;
  /** Informational Exceptions Control: disable exception control. */
  dexcpt: boolean;
}

export const DEFAULT_MODE: Readonly<ModeState> = { wce: true, rcd: true, dSense: false, swp: false, tas: false, dexcpt: false };

/** Page codes implemented, in ascending order (the order MODE SENSE returns them in). */
export const MODE_PAGES = [ModePageCode.CACHING, ModePageCode.CONTROL, ModePageCode.INFORMATIONAL_EXCEPTIONS_CONTROL] as const;

const MASKS: Record<number, ModePage> = {
  [ModePageCode.CACHING]: encodeCachingPage(modePageMask('caching', ['wce', 'rcd'])),
  [ModePageCode.CONTROL]: encodeControlPage(modePageMask('control', ['dSense', 'swp', 'tas'])),
  [ModePageCode.INFORMATIONAL_EXCEPTIONS_CONTROL]: encodeInformationalExceptionsControlPage(modePageMask('iec', ['dexcpt'])),
};

/** One page with values from `s` (PS set when `ps`). */
export function pageFrom(code: number, s: ModeState): ModePage {
  switch (code) {
    case ModePageCode.CACHING:
      return encodeCachingPage({ wce: s.wce, rcd: s.rcd });
    case ModePageCode.CONTROL:
      // TST 000b (one task set), QAM 0 (restricted reordering: range locks keep data integrity), QERR 00b,
      // TAS changeable (default 0: aborted tasks of other nexuses end without status), UA_INTLCK_CTRL 00b
      return encodeControlPage({ tst: 0, queueAlgorithmModifier: 0, qerr: 0, dSense: s.dSense, swp: s.swp, tas: s.tas });
    case ModePageCode.INFORMATIONAL_EXCEPTIONS_CONTROL:
      return encodeInformationalExceptionsControlPage({ dexcpt: s.dexcpt, mrie: 0 });
    default:
      throw new Error(`mode page ${code} not implemented`);
  }
}

export interface ModeSenseRequest {
  ten: boolean;
  dbd: boolean;
  llbaa: boolean;
  pc: number;
  page: number;
  subpage: number;
}

export interface ModeSenseContext {
  state: ModeState;
  wp: boolean;
  blocks: number;
  blockSize: number;
}

/** SPC-5 6.14/6.15 MODE SENSE parameter data (before truncation to the allocation length). */
export function modeSenseData(r: ModeSenseRequest, c: ModeSenseContext): Buffer {
  if (r.pc === 3) throw new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.SAVING_PARAMETERS_NOT_SUPPORTED, { field: { cd: true, byte: 2, bit: 7 } });
  let codes: number[];
  if (r.page === ModePageCode.ALL_PAGES) {
    if (r.subpage !== 0x00 && r.subpage !== 0xff) throw invalidCdb(3, 7);
    codes = [...MODE_PAGES];
  } else if ((MODE_PAGES as readonly number[]).includes(r.page)) {
    if (r.subpage !== 0x00 && r.subpage !== 0xff) throw invalidCdb(3, 7);
    codes = [r.page];
  } else {
    throw invalidCdb(2, 5);
  }
  const pages = codes.map((code) => {
    if (r.pc === 1) return MASKS[code]!;
    return pageFrom(code, r.pc === 2 ? DEFAULT_MODE : c.state);
  });
  const long = r.ten && r.llbaa;
  const descs = r.dbd ? [] : [{ numberOfBlocks: BigInt(c.blocks), blockLength: c.blockSize }];
  const common = { mediumType: 0, wp: c.wp, dpofua: true, blockDescriptors: descs, pages };
  return r.ten ? encodeModeParameters10({ ...common, longLba: long }) : encodeModeParameters6(common);
}

export interface ModeSelectContext {
  state: ModeState;
  blocks: number;
  blockSize: number;
  pf: boolean;
  checkReserved: boolean;
}

/**
 * SPC-5 6.12/6.13 MODE SELECT: validates the whole parameter list before changing anything (a field that is
 * not changeable must hold its current value (SPC-5, MODE SELECT: INVALID FIELD IN PARAMETER LIST otherwise), then
 * returns the new state.
 */
export function modeSelect(params: Buffer, ten: boolean, c: ModeSelectContext): ModeState {
  const hlen = ten ? 8 : 4;
  if (params.length < hlen) throw paramListLengthError();
  if (c.checkReserved) {
    if (ten ? params.readUInt16BE(0) !== 0 : params[0] !== 0) throw invalidParam(0, ten ? undefined : topBit(params[0]!));
    const mt = params[ten ? 2 : 1]!;
    if (mt !== 0) throw invalidParam(ten ? 2 : 1, topBit(mt));
    const dsp = params[ten ? 3 : 2]! & 0x7f; // WP (bit 7) is ignored in MODE SELECT (SBC-4 6.5.1)
    if (dsp !== 0) throw invalidParam(ten ? 3 : 2, topBit(dsp));
    if (ten) {
      if (params[4]! & 0xfe) throw invalidParam(4, topBit(params[4]! & 0xfe));
      if (params[5] !== 0) throw invalidParam(5, topBit(params[5]!));
    }
  }
  const long = ten && (params[4]! & 1) === 1;
  const bdl = ten ? params.readUInt16BE(6) : params[3]!;
  const bdlAt = ten ? 6 : 3;
  const dsize = long ? 16 : 8;
  if (bdl % dsize !== 0 || bdl > dsize) throw invalidParam(bdlAt);
  if (hlen + bdl > params.length) throw paramListLengthError();
  if (bdl > 0) {
    const d = hlen;
    const cap = BigInt(c.blocks);
    let n: bigint;
    let blen: number;
    if (long) {
      n = params.readBigUInt64BE(d);
      if (c.checkReserved && params.readUInt32BE(d + 8) !== 0) throw invalidParam(d + 8);
      blen = params.readUInt32BE(d + 12);
    } else {
      n = BigInt(params.readUInt32BE(d));
      if (c.checkReserved && params[d + 4] !== 0) throw invalidParam(d + 4, topBit(params[d + 4]!));
      blen = params.readUIntBE(d + 5, 3);
    }
    // SBC-4 6.5.2: 0 keeps the capacity; the capacity itself (or FFFFFFFFh when it does not fit) is no change
    const same = n === 0n || n === cap || (!long && n === 0xffffffffn && cap >= 0xffffffffn);
    if (!same) throw invalidParam(d);
    if (blen !== c.blockSize) throw invalidParam(d + (long ? 12 : 5));
  }
  const next: ModeState = { ...c.state };
  let off = hlen + bdl;
  if (off < params.length && !c.pf) throw invalidCdb(1, 4);
  let guard = 0;
  while (off < params.length) {
    if (++guard > 64) throw invalidParam(off); // bounded: at most a few pages fit a parameter list anyway
    if (off + 2 > params.length) throw paramListLengthError();
    const b0 = params[off]!;
    if (b0 & 0x80) throw invalidParam(off, 7); // PS is reserved in MODE SELECT
    if (b0 & 0x40) throw invalidParam(off, 6); // no subpages implemented
    const code = b0 & 0x3f;
    if (!(MODE_PAGES as readonly number[]).includes(code)) throw invalidParam(off, 5);
    const cur = pageFrom(code, next).data;
    const mask = MASKS[code]!.data;
    const plen = params[off + 1]!;
    if (plen !== cur.length) throw invalidParam(off + 1);
    if (off + 2 + plen > params.length) throw paramListLengthError();
    const sent = params.subarray(off + 2, off + 2 + plen);
    for (let i = 0; i < plen; i++) {
      const diff = (sent[i]! ^ cur[i]!) & ~mask[i]! & 0xff;
      if (diff) throw invalidParam(off + 2 + i, topBit(diff));
    }
    const page: ModePage = { pageCode: code, spf: false, ps: false, data: Buffer.from(sent) };
    if (code === ModePageCode.CACHING) {
      const p = parseCachingPage(page);
      next.wce = p.wce;
      next.rcd = p.rcd;
    } else if (code === ModePageCode.CONTROL) {
      const p = parseControlPage(page);
      next.dSense = p.dSense;
      next.swp = p.swp;
      next.tas = p.tas;
    } else {
      next.dexcpt = parseInformationalExceptionsControlPage(page).dexcpt;
    }
    off += 2 + plen;
  }
  return next;
}

export function modeChanged(a: ModeState, b: ModeState): boolean {
  return a.wce !== b.wce || a.rcd !== b.rcd || a.dSense !== b.dSense || a.swp !== b.swp || a.tas !== b.tas || a.dexcpt !== b.dexcpt;
}
