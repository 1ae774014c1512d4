/** START STOP UNIT (SBC-4 5.31): loading and ejecting a removable medium, stopping and starting, power conditions (SBC-4 4.20). */
import { CHECK_CONDITION, GOOD, INVALID_FIELD_IN_CDB, defineSuite, expectation, scsi, SBC4 } from '../../harness/api.js';
import { absent, present, restoreMedium } from './_medium.js';

const suite = defineSuite('StartStopUnit', { families: ['SCSI'], exclusive: true, clause: SBC4.START_STOP_UNIT, needs: ['sbc'] });

/** A stopped unit may ask for a START before it processes media access (NOT READY, INITIALIZING COMMAND REQUIRED). */
const STOPPED = expectation('NOT_READY_INIT_CMD_REQUIRED', scsi.ScsiStatus.CHECK_CONDITION, scsi.SenseKey.NOT_READY, [
  scsi.Asc.LUN_NOT_READY_INIT_CMD_REQUIRED,
]);

suite.test(
  'Simple',
  {
    doc: `Removable medium: eject with LOEJ (IMMED 1, then IMMED 0): GOOD, and TEST UNIT READY then reports NOT READY, MEDIUM NOT PRESENT; load with
      LOEJ and START: GOOD, TEST UNIT READY is GOOD again ("If the LOEJ bit is set to one, then the logical unit shall unload the medium if the START
      bit is set to zero"). Non-removable medium (RMB 0: "the medium is not removable"): the medium must stay (TEST UNIT READY GOOD); the eject should
      be refused with CHECK CONDITION, but no sentence of SBC-4 requires that, so GOOD is a SHOULD-level warning.`,
    level: 'MUST',
  },
  async (t) => {
    if (!t.dev.removable) {
      t.log('The medium is not removable: START STOP UNIT with LOEJ should fail, and the medium must stay');
      const r = await t.command(scsi.startStopUnit({ immed: true, loej: true, start: false }), { expect: [CHECK_CONDITION, GOOD] });
      t.should(
        r.status !== scsi.ScsiStatus.GOOD,
        'START STOP UNIT LOEJ=1 START=0 on a non-removable medium answered GOOD, claiming an unload that cannot happen',
      );
      await present(t);
      return;
    }
    try {
      for (const immed of [true, false]) {
        await t.command(scsi.startStopUnit({ immed, loej: true, start: false }));
        await absent(t);
        await t.command(scsi.startStopUnit({ immed, loej: true, start: true }));
        await present(t);
      }
    } finally {
      await restoreMedium(t);
    }
  },
);

suite.test(
  'PwrCnd',
  {
    doc: `START STOP UNIT with each defined POWER CONDITION (1h ACTIVE, 2h IDLE, 3h STANDBY, 7h LU_CONTROL, Ah FORCE_IDLE_0, Bh FORCE_STANDBY_0), with
      LOEJ set and START clear: each GOOD or INVALID FIELD IN CDB, and after a GOOD the medium must still be there (TEST UNIT READY GOOD): "If the
      POWER CONDITION field is supported and is set to a value other than 0h, then the device server shall ignore the START bit and the LOEJ bit"
      (SBC-4 START STOP UNIT). A device server may leave the field unsupported, and for FORCE_IDLE_0 and FORCE_STANDBY_0 without that timer
      supported and enabled it "shall terminate the START STOP UNIT command with ... INVALID FIELD IN CDB", so a refusal is no failure; the test
      skips when every value is refused. The unit is made active again at the end.`,
    level: 'MUST',
    clause: `${SBC4.START_STOP_UNIT}, ${SBC4.POWER_CONDITIONS}`,
  },
  async (t) => {
    const accepted: number[] = [];
    try {
      for (const pc of [0x1, 0x2, 0x3, 0x7, 0xa, 0xb]) {
        const r = await t.command(scsi.startStopUnit({ immed: true, powerCondition: pc, loej: true, start: false }), { expect: [GOOD, INVALID_FIELD_IN_CDB] });
        if (r.status !== scsi.ScsiStatus.GOOD) continue;
        accepted.push(pc);
        await present(t);
      }
      if (accepted.length === 0) t.skip('every POWER CONDITION value was refused with INVALID FIELD IN CDB: the device server does not support the field');
      t.log(`POWER CONDITION values accepted: ${accepted.map((pc) => `${pc.toString(16)}h`).join(', ')}`);
      await t.command(scsi.startStopUnit({ powerCondition: 0x1 }), { expect: [GOOD, INVALID_FIELD_IN_CDB] });
    } finally {
      await restoreMedium(t);
    }
  },
);

suite.test(
  'NoLoej',
  {
    doc: `START STOP UNIT with LOEJ 0 and every combination of IMMED, NO_FLUSH and START: each GOOD, and the medium is never ejected: TEST UNIT READY
      after a stop is GOOD or NOT READY, INITIALIZING COMMAND REQUIRED (a stopped unit), never MEDIUM NOT PRESENT; after a start it is GOOD.`,
    level: 'MUST',
    clause: `${SBC4.START_STOP_UNIT}, ${SBC4.POWER_CONDITIONS}`,
  },
  async (t) => {
    try {
      for (const immed of [false, true]) {
        for (const noFlush of [false, true]) {
          for (const start of [false, true]) {
            await t.command(scsi.startStopUnit({ immed, noFlush, loej: false, start }));
            await t.unitAttentions();
            const r = await t.command(scsi.testUnitReady(), {
              expect: start ? GOOD : [GOOD, STOPPED],
              what: `TEST UNIT READY after a ` + `${start ? 'start' : 'stop'} without LOEJ (the medium must still be there)`,
            });
            if (r.status !== scsi.ScsiStatus.GOOD) await t.command(scsi.startStopUnit({ start: true }));
          }
        }
      }
      await t.command(scsi.testUnitReady(), { expect: GOOD });
    } finally {
      await restoreMedium(t);
    }
  },
);

export default suite;
