/**
 * The Control mode page (SPC-5) as the suites that change it read and write it: MODE SENSE (6) of one page
 * control, and MODE SELECT (6) of the page's parameters (after its 2-byte header).
 */
import { scsi, type Session, type TestContext } from '../../harness/api.js';

/** The Control mode page as MODE SENSE(6) returns it (`pc`), or undefined. */
export async function controlPage(t: TestContext, pc: number, s?: Session): Promise<Buffer | undefined> {
  const r = await t.command(scsi.modeSense6({ page: scsi.ModePageCode.CONTROL, pc, alloc: 255 }), { allowUnsupported: true, ...(s ? { session: s } : {}) });
  if (r.status !== scsi.ScsiStatus.GOOD) return undefined;
  const p = scsi.findModePage(scsi.parseModeParameters6(r.data), scsi.ModePageCode.CONTROL);
  return p ? Buffer.from(p.data) : undefined;
}

export async function selectControl(t: TestContext, data: Buffer, what: string, s?: Session): Promise<void> {
  const list = scsi.encodeModeParameters6({ select: true, pages: [{ pageCode: scsi.ModePageCode.CONTROL, data }] });
  await t.command(scsi.modeSelect6({ pf: true, paramLen: list.length }), { dataOut: list, what, ...(s ? { session: s } : {}) });
}
