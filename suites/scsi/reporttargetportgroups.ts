/**
 * REPORT TARGET PORT GROUPS (SPC-5; asymmetric logical unit access): a device that reports TPGS other than
 * 00b in its standard INQUIRY data answers it with every target port group, its access state (one it says it
 * supports) and its ports, among them the port the Device Identification VPD page names.
 */
import { defineSuite, scsi, SPC5, type TestContext } from '../../harness/api.js';

const suite = defineSuite('ReportTargetPortGroups', { families: ['SCSI'], clause: SPC5.REPORT_TARGET_PORT_GROUPS });

const DEFINED_STATES: readonly number[] = Object.values(scsi.AluaState);

/** Skips a device without asymmetric logical unit access (TPGS 00b), for which the command is optional. */
function requireTpgs(t: TestContext): void {
  if (!t.dev.inquiry.tpgs) t.skip('standard INQUIRY TPGS is 00b: the device does not support asymmetric logical unit access');
}

/** The relative target port and target port group the Device Identification VPD page names, if any. */
async function identifiedPort(t: TestContext): Promise<{ port?: number; group?: number }> {
  const r = await t.command(scsi.inquiry({ evpd: true, page: scsi.VpdPage.DEVICE_IDENTIFICATION, alloc: 4096 }));
  const out: { port?: number; group?: number } = {};
  for (const d of scsi.parseDeviceIdentification(r.data).designators) {
    const x = scsi.decodeDesignator(d);
    if (x.kind === 'relativeTargetPort') out.port = x.id;
    if (x.kind === 'targetPortGroup') out.group = x.group;
  }
  return out;
}

async function rtpg(t: TestContext, extended: boolean, alloc = 4096): Promise<{ data: Buffer; groups: scsi.TargetPortGroups }> {
  const r = await t.command(scsi.reportTargetPortGroups({ alloc, extended }));
  return { data: r.data, groups: scsi.parseTargetPortGroups(r.data, extended) };
}

suite.test(
  'Simple',
  {
    doc: `Where standard INQUIRY reports TPGS other than 00b: REPORT TARGET PORT GROUPS must be GOOD with RETURN DATA LENGTH matching the data, at
      least one target port group, each in a defined asymmetric access state that its supported-state bits include, with at least one port; the
      relative target port and target port group of the Device Identification VPD page (when it has them) must be among them, the port in that group.
      With PARAMETER DATA FORMAT 001b the extended header must carry FORMAT TYPE 001b and the same groups.`,
    level: 'MUST',
    clause: `${SPC5.REPORT_TARGET_PORT_GROUPS}, ${SPC5.DEVICE_IDENTIFICATION}, ${SPC5.STANDARD_INQUIRY_DATA}`,
  },
  async (t) => {
    requireTpgs(t);
    const { data, groups } = await rtpg(t, false);
    t.check(!groups.truncated, `REPORT TARGET PORT GROUPS returned ${data.length} bytes, fewer than RETURN DATA LENGTH + 4 = ${4 + groups.returnDataLength}`);
    t.check(groups.groups.length > 0, 'REPORT TARGET PORT GROUPS reports no target port group');
    for (const g of groups.groups) {
      const name = `target port group ${g.group}`;
      t.check(DEFINED_STATES.includes(g.state), `${name}: ASYMMETRIC ACCESS STATE 0x${g.state.toString(16)} is reserved`);
      const bit = scsi.ALUA_SUPPORT_BIT[g.state];
      t.check(
        bit !== undefined && (g.supported & bit) !== 0,
        `${name}: in state 0x${g.state.toString(16)}, which its supported-state bits (0x${g.supported.toString(16)}) do not include`,
      );
      t.check(g.ports.length > 0, `${name}: TARGET PORT COUNT 0`);
    }
    const id = await identifiedPort(t);
    if (id.port !== undefined) {
      const holder = groups.groups.find((g) => g.ports.includes(id.port!));
      t.check(holder, `the relative target port ${id.port} of the Device Identification VPD page is in no target port group`);
      if (id.group !== undefined)
        t.equal(holder!.group, id.group, `target port group of relative target port ${id.port} (versus the Device Identification VPD page)`);
    }
    const ext = await rtpg(t, true);
    t.equal(ext.groups.formatType, 1, 'REPORT TARGET PORT GROUPS extended header: FORMAT TYPE');
    t.equal(JSON.stringify(ext.groups.groups), JSON.stringify(groups.groups), 'target port groups with the extended header versus the length-only header');
  },
);

suite.test(
  'AllocLength',
  {
    doc: `Where standard INQUIRY reports TPGS other than 00b: REPORT TARGET PORT GROUPS with ALLOCATION LENGTH 4, 5, 8, 12 and one less than the whole
      data must each return exactly that many bytes (at most the whole data), the first bytes of the full answer, with RETURN DATA LENGTH unchanged:
      the allocation length cuts the data, not the field.`,
    level: 'MUST',
    clause: `${SPC5.REPORT_TARGET_PORT_GROUPS}, ${SPC5.ALLOCATION_LENGTH}`,
  },
  async (t) => {
    requireTpgs(t);
    const full = (await rtpg(t, false)).data;
    for (const alloc of [...new Set([4, 5, 8, 12, full.length - 1])].filter((a) => a >= 4)) {
      const r = await t.command(scsi.reportTargetPortGroups({ alloc }));
      t.equal(r.data.length, Math.min(alloc, full.length), `REPORT TARGET PORT GROUPS ALLOC=${alloc}: bytes returned`);
      t.check(r.data.equals(full.subarray(0, r.data.length)), `REPORT TARGET PORT GROUPS ALLOC=${alloc}: the data differs from the start of the full answer`);
    }
  },
);

export default suite;
