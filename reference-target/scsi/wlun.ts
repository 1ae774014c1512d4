/**
 * The REPORT LUNS well known logical unit (W-LUN 01h, LUN C101000000000000h; SPC-5 well known logical units):
 * it has no medium and no task set of its own; it processes INQUIRY (peripheral device type 1Eh, the
 * Supported VPD Pages and Device Identification pages), REPORT LUNS (the target's logical unit inventory),
 * REQUEST SENSE and TEST UNIT READY, and ends any other command with INVALID COMMAND OPERATION CODE.
 */
import { decodeCdb, lookupCdb } from '../../protocol/scsi/cdbcodec.js';
import { Op } from '../../protocol/scsi/opcodes.js';
import { Asc, SenseKey } from '../../protocol/scsi/sense.js';
import { ScsiStatus } from '../../protocol/scsi/status.js';
import { encodeDeviceIdentification, encodeSupportedVpdPages, VpdPage } from '../../protocol/scsi/vpd.js';
import { CheckCondition, encodeCheck, invalidCdb, invalidOpcode } from './check.js';
import { portDesignators, reportLunsData, standardInquiry } from './commands/spc.js';
import type { ServerCore } from './commands/types.js';
import { Q } from './quirks.js';
import type { CommandRequest, CommandResult } from './types.js';

const PAGES = [VpdPage.SUPPORTED_PAGES, VpdPage.DEVICE_IDENTIFICATION];

const cut = (b: Buffer, alloc: number): Buffer => (b.length > alloc ? b.subarray(0, alloc) : b);

export function reportLunsWellKnownLu(core: ServerCore, req: CommandRequest): CommandResult {
  const cdb = req.cdb;
  try {
    const e = lookupCdb(cdb);
    const processed = [Op.INQUIRY, Op.REPORT_LUNS, Op.REQUEST_SENSE, Op.TEST_UNIT_READY] as number[];
    if (e?.length === undefined || !processed.includes(e.op)) throw invalidOpcode();
    if (cdb.length < e.length) throw invalidCdb(cdb.length);
    const v = decodeCdb(cdb).values;
    const alloc = Number(v.alloc ?? 0);
    switch (e.op) {
      case Op.TEST_UNIT_READY:
        return { status: ScsiStatus.GOOD };
      case Op.REPORT_LUNS:
        return { status: ScsiStatus.GOOD, data: reportLunsData(core, cdb) };
      case Op.REQUEST_SENSE: {
        const descriptor = v.desc === 1 && !core.quirks.has(Q.FIXED_SENSE_ONLY);
        return { status: ScsiStatus.GOOD, data: cut(encodeCheck(new CheckCondition(SenseKey.NO_SENSE, Asc.NO_ADDITIONAL_SENSE), { descriptor }), alloc) };
      }
      default: {
        if (!v.evpd) {
          if (v.page !== 0) throw invalidCdb(2, 7);
          return { status: ScsiStatus.GOOD, data: cut(standardInquiry(core, 'well-known'), alloc) };
        }
        const common = { peripheralDeviceType: 0x1e };
        if (v.page === VpdPage.SUPPORTED_PAGES) return { status: ScsiStatus.GOOD, data: cut(encodeSupportedVpdPages({ pages: PAGES, ...common }), alloc) };
        if (v.page !== VpdPage.DEVICE_IDENTIFICATION) throw invalidCdb(2, 7);
        // a well known LU has no logical unit name: only the target port and target device are identified
        const page = encodeDeviceIdentification({ designators: portDesignators(core, req.nexus), ...common });
        return { status: ScsiStatus.GOOD, data: cut(page, alloc) };
      }
    }
  } catch (e) {
    if (!(e instanceof CheckCondition)) throw e;
    return { status: ScsiStatus.CHECK_CONDITION, sense: encodeCheck(e, { descriptor: false, noFieldPointer: core.quirks.has(Q.SENSE_NO_FIELD_POINTER) }) };
  }
}
