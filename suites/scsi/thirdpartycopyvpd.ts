/**
 * The Third-party Copy VPD page (8Fh, SPC-5 Third-party Copy VPD page) of a logical unit that claims a copy
 * manager (3PC in the standard INQUIRY data): its descriptors, their order, and their agreement with what RECEIVE
 * COPY RESULTS OPERATING PARAMETERS reports.
 */
import { defineSuite, scsi, SPC5 } from '../../harness/api.js';
import { operatingParameters } from './_xcopy.js';

const suite = defineSuite('ThirdPartyCopyVpd', { families: ['SCSI'], clause: SPC5.THIRD_PARTY_COPY_VPD, needs: ['sbc'] });
const { TpcDescriptor: D } = scsi;
const hex4 = (v: number): string => `${v.toString(16).padStart(4, '0').toUpperCase()}h`;
const name = (type: number): string => `${scsi.TPC_DESCRIPTOR_NAMES[type] ?? 'third-party copy'} descriptor (${hex4(type)})`;
const ascending = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

suite.test(
  'Descriptors',
  {
    doc: `Where the standard INQUIRY data sets 3PC and the Supported VPD Pages page lists 8Fh: INQUIRY of the Third-party Copy VPD page, GOOD;
      its third-party copy descriptors in ascending order of type, each a multiple of four bytes long; the mandatory Supported Commands (0001h) and
      General Copy Operations (8001h) present, and, since the copy manager implements EXTENDED COPY (LID1), Parameter Data (0004h), Supported
      Descriptors (0008h) and Supported CSCD IDs (000Ch) as well. Supported Commands lists operation codes 83h and 84h in ascending order, each with
      its service actions ascending; Supported Descriptors lists the codes in ascending order and the same codes as OPERATING PARAMETERS;
      Parameter Data reports the same MAXIMUM CSCD DESCRIPTOR COUNT, MAXIMUM SEGMENT DESCRIPTOR COUNT, MAXIMUM DESCRIPTOR LIST LENGTH and MAXIMUM
      INLINE DATA LENGTH; TOTAL CONCURRENT COPIES is at least MAXIMUM IDENTIFIED CONCURRENT COPIES.`,
    level: 'MUST',
  },
  async (t) => {
    if (!t.dev.inquiry.threePc) t.skip('the standard INQUIRY data does not set 3PC: the logical unit claims no copy manager');
    if (!t.dev.vpdPages?.includes(scsi.VpdPage.THIRD_PARTY_COPY))
      t.skip('3PC is set but the Supported VPD Pages page does not list the Third-party Copy VPD page (8Fh)');
    const r = await t.command(scsi.inquiry({ evpd: true, page: scsi.VpdPage.THIRD_PARTY_COPY, alloc: 0xffff }), { dataIn: 0xffff });
    let page: scsi.ThirdPartyCopyVpd;
    try {
      page = scsi.parseThirdPartyCopyVpd(r.data);
    } catch (e) {
      return t.fail(`Third-party Copy VPD page: ${(e as Error).message}`);
    }
    t.check(!page.truncated, `Third-party Copy VPD page: PAGE LENGTH ${page.pageLength} but ${r.data.length} bytes came with ALLOCATION LENGTH 65535`);
    const types = page.descriptors.map((d) => d.type);
    t.log(`descriptors ${types.map(hex4).join(' ')}`);
    t.check(ascending(types), `third-party copy descriptors in the order ${types.map(hex4).join(' ')}, not ascending by type`);
    for (const d of page.descriptors)
      t.check(d.length % 4 === 0, `${name(d.type)} at byte ${d.offset}: THIRD-PARTY COPY DESCRIPTOR LENGTH ${d.length}, not a multiple of four`);
    for (const type of [D.SUPPORTED_COMMANDS, D.PARAMETER_DATA, D.SUPPORTED_DESCRIPTORS, D.SUPPORTED_CSCD_IDS, D.GENERAL_COPY_OPERATIONS])
      t.check(types.includes(type), `the ${name(type)} is missing`);

    const cmds = page.supportedCommands!;
    const ops = cmds.map((c) => c.opcode);
    t.check(
      ops.includes(scsi.Op.EXTENDED_COPY) && ops.includes(scsi.Op.RECEIVE_COPY_RESULTS),
      `Supported Commands lists operation codes ${ops.map((o) => o.toString(16)).join(' ')}, not 83h and 84h`,
    );
    t.check(ascending(ops), `Supported Commands lists operation codes out of ascending order`);
    for (const c of cmds)
      t.check(ascending(c.serviceActions), `Supported Commands: the service actions of ${c.opcode.toString(16)}h are not in ascending order`);

    const op = await operatingParameters(t);
    const codes = page.supportedDescriptors!;
    t.check(ascending(codes), `Supported Descriptors lists ${codes.map((c) => c.toString(16)).join(' ')}, not in ascending order`);
    t.equal(
      [...codes].sort((a, b) => a - b).join(' '),
      [...op.implementedDescriptors].sort((a, b) => a - b).join(' '),
      'descriptor type codes (Supported Descriptors against OPERATING PARAMETERS)',
    );
    const pd = page.parameterData!;
    t.equal(pd.maxCscdDescriptors, op.maxCscdDescriptors, 'MAXIMUM CSCD DESCRIPTOR COUNT (Parameter Data against OPERATING PARAMETERS)');
    t.equal(pd.maxSegmentDescriptors, op.maxSegmentDescriptors, 'MAXIMUM SEGMENT DESCRIPTOR COUNT (Parameter Data against OPERATING PARAMETERS)');
    t.equal(pd.maxDescriptorListLength, op.maxDescriptorListLength, 'MAXIMUM DESCRIPTOR LIST LENGTH (Parameter Data against OPERATING PARAMETERS)');
    t.equal(pd.maxInlineDataLength, op.maxInlineDataLength, 'MAXIMUM INLINE DATA LENGTH (Parameter Data against OPERATING PARAMETERS)');
    const g = page.generalCopyOperations!;
    t.check(
      g.totalConcurrentCopies >= g.maxIdentifiedConcurrentCopies,
      `TOTAL CONCURRENT COPIES ${g.totalConcurrentCopies} is less than MAXIMUM IDENTIFIED CONCURRENT COPIES ${g.maxIdentifiedConcurrentCopies}`,
    );
    t.check(ascending(page.supportedCscdIds!), 'Supported CSCD IDs out of ascending order');
  },
);

export default suite;
