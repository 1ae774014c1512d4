/**
 * Shared bodies of the ModeSelect6 and ModeSelect10 suites (SPC-5 6.12 MODE SELECT (6), 6.13 MODE SELECT (10)):
 * a changeable field (the changeable values' mask) really changes the current value, a field that is not
 * changeable is refused with INVALID FIELD IN PARAMETER LIST and its field pointer, and SP where saved pages are
 * not implemented. Every change is put back in a clean-up. (A helper module: not a suite.)
 */
import { GOOD, INVALID_FIELD_IN_CDB, INVALID_FIELD_IN_PARAM_LIST, scsi, SPC5, type Expected, type TestContext } from '../../harness/api.js';

export interface MsCdb {
  name: string;
  ten: boolean;
  clause: string;
  /** Header bytes of the parameter list (and of the MODE SENSE data). */
  header: number;
}

export const MS6: MsCdb = { name: 'MODE SELECT(6)', ten: false, clause: SPC5.MODE_SELECT_6, header: 4 };
export const MS10: MsCdb = { name: 'MODE SELECT(10)', ten: true, clause: SPC5.MODE_SELECT_10, header: 8 };

const ALL = 0x3f;
const { Caching, Control, Iec } = {
  Caching: scsi.ModePageCode.CACHING,
  Control: scsi.ModePageCode.CONTROL,
  Iec: scsi.ModePageCode.INFORMATIONAL_EXCEPTIONS_CONTROL,
};

/**
 * One-bit fields whose every value is valid, so that flipping one where the mask says it is changeable must be
 * accepted: byte and bit within the page data (after the 2-byte page header). Multi-bit fields are left out: a
 * flipped bit there may make a value the LU rightly refuses.
 */
const ONE_BIT_FIELDS: { page: number; name: string; byte: number; bit: number }[] = [
  { page: Caching, name: 'WCE', byte: 0, bit: 2 },
  { page: Caching, name: 'RCD', byte: 0, bit: 0 },
  { page: Control, name: 'D_SENSE', byte: 0, bit: 2 },
  { page: Iec, name: 'DEXCPT', byte: 0, bit: 3 },
];

/** Pages (page_0 format only) with the given page control, by MODE SENSE of the same size. */
async function pages(t: TestContext, c: MsCdb, pc: number): Promise<scsi.ModePage[]> {
  const what = `MODE SENSE(${c.ten ? 10 : 6}) PAGE=3Fh PC=${pc}`;
  const r = await t.command(c.ten ? scsi.modeSense10({ page: ALL, pc, dbd: true, alloc: 4096 }) : scsi.modeSense6({ page: ALL, pc, dbd: true, alloc: 255 }), {
    what,
  });
  try {
    const m = c.ten ? scsi.parseModeParameters10(r.data) : scsi.parseModeParameters6(r.data);
    return m.pages.filter((p) => !p.spf);
  } catch (e) {
    t.fail(`${what}: the mode parameter data does not parse: ${(e as Error).message}`);
  }
}

function list(c: MsCdb, page: scsi.ModePage): Buffer {
  const p = [{ pageCode: page.pageCode, data: page.data }];
  return c.ten ? scsi.encodeModeParameters10({ select: true, pages: p }) : scsi.encodeModeParameters6({ select: true, pages: p });
}

function select(t: TestContext, c: MsCdb, page: scsi.ModePage, what: string, o: { sp?: boolean; expect?: Expected } = {}) {
  const data = list(c, page);
  const cdb = c.ten ? scsi.modeSelect10({ pf: true, sp: !!o.sp, paramLen: data.length }) : scsi.modeSelect6({ pf: true, sp: !!o.sp, paramLen: data.length });
  return t.command(cdb, { dataOut: data, what, expect: o.expect ?? GOOD });
}

/** Put `original` back after the test, whatever happened. */
function restore(t: TestContext, c: MsCdb, original: scsi.ModePage): void {
  t.cleanup(
    async (cc) => {
      await cc.unitAttentions(cc.session);
      // only a page that changed is sent back: an LU may refuse MODE SELECT of a page it has no changeable field in
      const now = (await pages(cc, c, scsi.PageControl.CURRENT)).find((x) => x.pageCode === original.pageCode);
      if (now && now.data.equals(original.data)) return;
      await select(cc, c, original, `${c.name} page ${original.pageCode.toString(16)}h with its original values`);
    },
    `put mode page ${original.pageCode.toString(16)}h back as it was`,
  );
}

export async function changeable(t: TestContext, c: MsCdb): Promise<void> {
  const cur = await pages(t, c, scsi.PageControl.CURRENT);
  const mask = await pages(t, c, scsi.PageControl.CHANGEABLE);
  let tried = 0;
  for (const f of ONE_BIT_FIELDS) {
    const p = cur.find((x) => x.pageCode === f.page);
    const m = mask.find((x) => x.pageCode === f.page);
    if (!p || !m || m.data.length <= f.byte || !(m.data[f.byte]! & (1 << f.bit))) continue;
    tried++;
    const was = (p.data[f.byte]! >> f.bit) & 1;
    const changed = { ...p, data: Buffer.from(p.data) };
    changed.data[f.byte] = changed.data[f.byte]! ^ (1 << f.bit);
    restore(t, c, p);
    await select(t, c, changed, `${c.name} page ${f.page.toString(16)}h ${f.name}=${was ^ 1}`);
    const after = (await pages(t, c, scsi.PageControl.CURRENT)).find((x) => x.pageCode === f.page);
    t.check(after && after.data.length > f.byte, `MODE SENSE after ${c.name} no longer returns page ${f.page.toString(16)}h`);
    t.equal((after!.data[f.byte]! >> f.bit) & 1, was ^ 1, `${f.name} (changeable) after ${c.name} set it to ${was ^ 1}`);
    await select(t, c, p, `${c.name} page ${f.page.toString(16)}h ${f.name}=${was} (back)`);
  }
  if (!tried) t.skip(`none of ${ONE_BIT_FIELDS.map((f) => f.name).join(', ')} is changeable on this LU`);
}

export async function notChangeable(t: TestContext, c: MsCdb): Promise<void> {
  const cur = await pages(t, c, scsi.PageControl.CURRENT);
  const mask = await pages(t, c, scsi.PageControl.CHANGEABLE);
  // the first page with a data byte not wholly changeable; within it the highest bit the mask leaves fixed
  for (const p of cur) {
    const m = mask.find((x) => x.pageCode === p.pageCode);
    if (!m || m.data.length !== p.data.length) continue;
    const at = m.data.findIndex((b) => b !== 0xff);
    if (at < 0) continue;
    const fixed = ~m.data[at]! & 0xff;
    const bit = 31 - Math.clz32(fixed);
    const changed = { ...p, data: Buffer.from(p.data) };
    changed.data[at] = changed.data[at]! ^ (1 << bit);
    restore(t, c, p);
    const what = `${c.name} page ${p.pageCode.toString(16)}h with byte ${at + 2} bit ${bit} (not changeable) flipped`;
    const r = await select(t, c, changed, what, { expect: INVALID_FIELD_IN_PARAM_LIST });
    const field = r.sense?.senseKeySpecific;
    // the field pointer counts from the start of the parameter list: header, then the page header
    const want = c.header + 2 + at;
    if (!field?.sksv || !field.field) {
      t.should(false, `${what}: INVALID FIELD IN PARAMETER LIST without a field pointer (SKSV 0): the sense key specific field should point at byte ${want}`);
      return;
    }
    t.check(!field.field.cd, `${what}: the field pointer has C/D=1 (a CDB field) for an error in the parameter list`);
    t.equal(field.field.fieldPointer, want, `${what}: FIELD POINTER (byte of the parameter list in error)`);
    if (field.field.bpv) t.equal(field.field.bitPointer, bit, `${what}: BIT POINTER`);
    return;
  }
  t.skip('every byte of every mode page is changeable: no field to refuse');
}

export async function savePages(t: TestContext, c: MsCdb): Promise<void> {
  const cur = await pages(t, c, scsi.PageControl.CURRENT);
  const p = cur[0];
  if (!p) t.skip('MODE SENSE returns no mode page to send back');
  const r = await select(t, c, p, `${c.name} SP=1 page ${p.pageCode.toString(16)}h with its current values`, {
    sp: true,
    expect: [GOOD, INVALID_FIELD_IN_CDB],
  });
  t.log(r.status === 0 ? 'saved pages are implemented: the current values were saved' : 'saved pages are not implemented (INVALID FIELD IN CDB)');
}

export const docs = {
  changeable: (c: MsCdb) => `${c.name} with PF=1 flipping each one-bit field the changeable values (MODE SENSE PC 01b) mark as changeable among WCE
    and RCD (Caching page), D_SENSE (Control page) and DEXCPT (Informational Exceptions Control page) must complete with GOOD, and MODE SENSE must
    then report the new current value: the changeable values give the fields a MODE SELECT may change, and SPC-5 says the device server shall set the
    current values to those of the parameter list. Each field is put back at once and again in a clean-up.`,
  notChangeable: (c: MsCdb) => `${c.name} sending a mode page with one bit flipped that the changeable values mark as not changeable must end in CHECK
    CONDITION, ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST (SPC-5: a field that is not changeable set to other than its current value shall be
    refused so); a field pointer, when given (SKSV=1), must have C/D=0 and point at that byte of the parameter list (and bit, when BPV=1). SHOULD: the
    field pointer is given. The page is put back in a clean-up.`,
  savePages: (c: MsCdb) => `${c.name} with SP=1 sending the current values of the first mode page must complete with GOOD (the values are saved), or,
    where saved pages are not implemented, end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN CDB: SPC-5 says an SP bit set to one where the
    logical unit implements no saved pages shall be refused with INVALID FIELD IN CDB.`,
};
