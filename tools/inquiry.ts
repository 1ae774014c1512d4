/**
 * `iscsi-test inquiry URL [--page N] [--hex] [--json]`: the standard INQUIRY data and every VPD page the
 * logical unit lists in its Supported VPD Pages page (or the one page asked for), decoded field by field;
 * `--hex` prints each page raw instead.
 */
import { inquiry as inquiryCdb, parseStandardInquiry, parseSupportedVpdPages, VpdPage } from '../protocol/scsi/index.js';
import type { Session } from '../harness/initiator/index.js';
import {
  closeQuietly,
  command,
  ToolFailure,
  hexDump,
  LOGIN_OPTIONS,
  numberOption,
  onePositional,
  openSession,
  parseToolArgs,
  renderSections,
  Section,
  timeoutMs,
  toJson,
  ToolIo,
  urlArg,
} from './common.js';
import { standardInquirySection, vpdPageName, vpdSection } from './inquiry-fields.js';

export const INQUIRY_SYNOPSIS = 'inquiry URL [--page N] [--hex] [--json]';

/** The largest ALLOCATION LENGTH of INQUIRY (a 16-bit field). */
const MAX_ALLOC = 0xffff;

/**
 * Read a whole page: first with a small allocation, then again with what the page says it holds, so a
 * target that mishandles a large ALLOCATION LENGTH still answers the common short pages.
 */
async function readPage(s: Session, evpd: boolean, page: number, limitMs: number): Promise<Buffer> {
  const first = await command(s, inquiryCdb({ evpd, page, alloc: 255 }), { dataIn: 255, timeoutMs: limitMs });
  const need = first.data.length < 4 ? 0 : evpd ? 4 + first.data.readUInt16BE(2) : 5 + first.data[4]!;
  if (need <= first.data.length || need <= 255) return first.data;
  const alloc = Math.min(need, MAX_ALLOC);
  return (await command(s, inquiryCdb({ evpd, page, alloc }), { dataIn: alloc, timeoutMs: limitMs })).data;
}

export async function inquiryTool(argv: string[], io: ToolIo): Promise<number> {
  const { values, positionals } = parseToolArgs('inquiry', argv, {
    ...LOGIN_OPTIONS,
    page: { type: 'string', short: 'p' },
    hex: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out.write(
      `usage: iscsi-test ${INQUIRY_SYNOPSIS}\n  Standard INQUIRY data and every VPD page the LU lists, decoded (--page N: that VPD page only, decimal or 0x..).\n`,
    );
    return 0;
  }
  const u = urlArg(onePositional('inquiry', positionals, 'the iscsi:// URL of a LUN', INQUIRY_SYNOPSIS), io.env);
  const only = values.page === undefined ? undefined : numberOption('inquiry', 'page', values.page, 0, 0, 255);
  const limit = timeoutMs('inquiry', values.timeout);
  const s = await openSession(u, values['initiator-name'], limit);
  const raw: { page: number | 'standard'; data: Buffer }[] = [];
  try {
    if (only === undefined) {
      const std = await readPage(s, false, 0, limit);
      raw.push({ page: 'standard', data: std });
      // A LUN that does not exist still answers standard INQUIRY (SPC-5: PERIPHERAL QUALIFIER 011b).
      if (parseStandardInquiry(std).peripheralQualifier === 3)
        throw new ToolFailure(`LUN ${u.lun} of ${u.target}: no logical unit there (INQUIRY PERIPHERAL QUALIFIER 3)`);
      const supported = await readPage(s, true, VpdPage.SUPPORTED_PAGES, limit);
      raw.push({ page: VpdPage.SUPPORTED_PAGES, data: supported });
      for (const p of parseSupportedVpdPages(supported).pages)
        if (p !== VpdPage.SUPPORTED_PAGES) raw.push({ page: p, data: await readPage(s, true, p, limit) });
    } else {
      raw.push({ page: only, data: await readPage(s, true, only, limit) });
    }
  } finally {
    await closeQuietly(s);
  }
  const title = (p: number | 'standard') => (p === 'standard' ? 'Standard INQUIRY data' : `VPD page ${vpdPageName(p)}`);
  if (values.hex) {
    for (const r of raw) io.out.write(`${title(r.page)} (${r.data.length} bytes)\n${hexDump(r.data, '  ')}`);
    return 0;
  }
  const sections: Section[] = raw.map((r) => (r.page === 'standard' ? standardInquirySection(parseStandardInquiry(r.data)) : vpdSection(r.data)));
  io.out.write(values.json ? toJson({ target: u.display, sections }) : renderSections(sections));
  return 0;
}
