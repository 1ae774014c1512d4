/**
 * Unit attentions asserted by their ASC/ASCQ, across I_T nexuses (SAM-5 5.14, 6.3): a logical unit reset is
 * reported to every nexus with BUS DEVICE RESET FUNCTION OCCURRED, and a mode page change made by one nexus
 * to every other one with MODE PARAMETERS CHANGED (SPC-5 mode parameters), not to the one that made it; with
 * several unit attentions pending, the one of the reset family (29h) is reported first.
 */
import { controlPage, selectControl } from './_control.js';
import {
  defineSuite,
  expectNoUnitAttention,
  expectUnitAttention,
  GOOD,
  INVALID_FIELD_IN_CDB,
  iscsi,
  keepReservationsClean,
  opcode,
  prPreempt,
  prRegister,
  scsi,
  SPC5,
  taskManagement,
  UA_BUS_DEVICE_RESET,
  UA_RESET_GENERIC,
  UA_MODE_PARAMETERS_CHANGED,
} from '../../harness/api.js';

const suite = defineSuite('UnitAttention', { families: ['SCSI'], clause: 'SAM-5 6.3', needs: ['twoInitiators'] });

suite.test(
  'LUNResetEveryNexus',
  {
    doc: `LOGICAL UNIT RESET from the first I_T nexus (Function complete): each nexus, the one that sent it and the other, must then report a unit
      attention BUS DEVICE RESET FUNCTION OCCURRED (SAM-5 6.3.3; the generic POWER ON, RESET, OR BUS DEVICE RESET OCCURRED of the same family is
      accepted too) before TEST UNIT READY is GOOD.`,
    level: 'MUST',
    clause: 'SAM-5 6.3.3, RFC 7143 11.5.1',
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    await taskManagement(t, a, iscsi.TmfFunction.LOGICAL_UNIT_RESET, { owner: 'iSCSITMF.LUNResetSimpleAsync' });
    await expectUnitAttention(t, b, [UA_BUS_DEVICE_RESET, UA_RESET_GENERIC], 'the other I_T nexus after LOGICAL UNIT RESET');
    await expectUnitAttention(t, a, [UA_BUS_DEVICE_RESET, UA_RESET_GENERIC], 'the I_T nexus that sent LOGICAL UNIT RESET');
  },
);

/** D_SENSE: byte 2, bit 2 of the Control mode page (byte 0 of its parameters, after the 2-byte page header). */
const D_SENSE = 0x04;
const AT = 0;

suite.test(
  'ModeParametersChanged',
  {
    doc: `The first I_T nexus toggles D_SENSE in the Control mode page with MODE SELECT (6) (skipped when the page or that bit is not changeable): the
      other nexus must then report a unit attention MODE PARAMETERS CHANGED ("If an application client sends a MODE SELECT command that changes any
      parameters applying to other I_T nexuses, the device server shall establish a unit attention condition ... for ... every I_T nexus except the
      I_T nexus on which the MODE SELECT command was received"), and the nexus that made the change must not. A logical unit may keep the page per
      I_T nexus (SPC's mode page policies): where the other nexus still reads the old D_SENSE, no unit attention is due and the test skips. The
      original value is put back in a clean-up, even after a failure.`,
    level: 'MUST',
    clause: `${SPC5.MODE_PARAMETERS}, ${SPC5.CONTROL_PAGE}, SAM-5 5.14`,
    needs: ['dataloss', 'controlPage'],
  },
  async (t) => {
    const [a, b] = [t.session, t.session2];
    const changeable = await controlPage(t, scsi.PageControl.CHANGEABLE, a);
    if (!changeable || changeable.length <= AT || !(changeable[AT]! & D_SENSE)) t.skip('D_SENSE of the Control mode page is not changeable');
    const cur = await controlPage(t, scsi.PageControl.CURRENT, a);
    if (!cur) return t.fail('MODE SENSE(6) returned no current Control mode page, though its changeable values were reported');
    const original = Buffer.from(cur);
    t.cleanup(async (c) => {
      await c.unitAttentions(c.session);
      await selectControl(c, original, `MODE SELECT(6) Control page D_SENSE=${original[AT]! & D_SENSE ? 1 : 0} (the original value)`);
    }, 'put the Control mode page back as it was');
    cur[AT] = cur[AT]! ^ D_SENSE;
    await selectControl(t, cur, `MODE SELECT(6) Control page D_SENSE=${cur[AT]! & D_SENSE ? 1 : 0}`, a);
    // The unit attention is due only where the change applies to the other nexus ("changes any parameters applying to other I_T nexuses"):
    // under a per I_T nexus mode page policy it does not, which shows as the other nexus still reading the old D_SENSE
    const seen = await t.unitAttentions(b);
    if (!seen.some((x) => x.ascAscq === scsi.Asc.MODE_PARAMETERS_CHANGED)) {
      const other = await controlPage(t, scsi.PageControl.CURRENT, b);
      if (other && other.length > AT && (other[AT]! & D_SENSE) === (original[AT]! & D_SENSE))
        t.skip('the other I_T nexus still reads the old D_SENSE: the Control mode page has a per I_T nexus policy, so no unit attention is due');
      await expectUnitAttention(t, b, UA_MODE_PARAMETERS_CHANGED, 'the other I_T nexus after MODE SELECT');
    }
    await expectNoUnitAttention(t, a, UA_MODE_PARAMETERS_CHANGED, 'the I_T nexus that sent MODE SELECT');
  },
);

suite.test(
  'Precedence',
  {
    doc: `Both I_T nexuses register and the first preempts the second, which so has a unit attention pending (REGISTRATIONS PREEMPTED, or another the
      target chose); the first then sends LOGICAL UNIT RESET. The second nexus's first unit attention should then be one of the reset family (29h:
      BUS DEVICE RESET FUNCTION OCCURRED or the generic POWER ON, RESET, OR BUS DEVICE RESET OCCURRED): SAM-5 5.14 ranks the 29h conditions above
      all other unit attentions, and a device server reports the one of highest precedence first.`,
    level: 'SHOULD',
    clause: 'SAM-5 5.14, SAM-5 6.3.3',
    needs: ['dataloss', opcode(scsi.Op.PERSISTENT_RESERVE_OUT)],
  },
  async (t) => {
    keepReservationsClean(t);
    const [a, b] = [t.session, t.session2];
    const K1 = 0x0a77_0000_0000_0001n;
    const K2 = 0x0a77_0000_0000_0002n;
    await prRegister(t, K1, { session: a });
    await prRegister(t, K2, { session: b });
    const r = await prPreempt(t, K1, K2, scsi.PrType.WRITE_EXCLUSIVE, { session: a, expect: [GOOD, INVALID_FIELD_IN_CDB] });
    if (r.status !== scsi.ScsiStatus.GOOD) t.skip('the target does not implement PERSISTENT RESERVE OUT PREEMPT (INVALID FIELD IN CDB)');
    await taskManagement(t, a, iscsi.TmfFunction.LOGICAL_UNIT_RESET, { owner: 'iSCSITMF.LUNResetSimpleAsync' });
    const seen = await expectUnitAttention(t, b, [UA_BUS_DEVICE_RESET, UA_RESET_GENERIC], 'the second I_T nexus after PREEMPT and LOGICAL UNIT RESET');
    t.check(
      seen[0]!.asc === 0x29,
      `the second I_T nexus reported ${scsi.describeSense(seen[0]!)} before the reset unit attention: the 29h family ranks first (SAM-5 5.14)`,
    );
  },
);

export default suite;
