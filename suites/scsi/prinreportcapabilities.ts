/**
 * PERSISTENT RESERVE IN, REPORT CAPABILITIES (SPC-5 6.16): what the device server's persistent
 * reservations support, which the other reservation tests rely on (the type mask, ALLOW COMMANDS, PTPL_C).
 */
import {
  defineSuite,
  INVALID_FIELD_IN_PARAM_LIST,
  keepReservationsClean,
  prReadKeys,
  prRegister,
  prReportCapabilities,
  prUnregister,
  SPC5,
} from '../../harness/api.js';
import { K1, PR_IN, PR_OUT } from './_pr.js';

const suite = defineSuite('PrinReportCapabilities', { families: ['SCSI'], clause: SPC5.REPORT_CAPABILITIES, needs: [PR_IN] });

/** The reservation TYPE codes SPC-5 defines (the type mask may name no other). */
const DEFINED_TYPES = [1, 3, 5, 6, 7, 8];

suite.test(
  'Simple',
  {
    doc: `PERSISTENT RESERVE IN REPORT CAPABILITIES must be GOOD with LENGTH 0008h and 8 bytes of data; ALLOW COMMANDS must be 000b to 101b (the
      others are reserved); with TMV set the PERSISTENT RESERVATION TYPE MASK must name only types SPC-5 defines (its reserved bits zero), and should
      name at least one (a warning: no sentence requires a type).`,
    level: 'MUST',
    clause: `${SPC5.REPORT_CAPABILITIES}, ${SPC5.RESERVED}`,
  },
  async (t) => {
    const c = await prReportCapabilities(t);
    t.equal(c.length, 8, 'REPORT CAPABILITIES: LENGTH');
    t.check(!c.truncated, 'REPORT CAPABILITIES returned fewer bytes than its LENGTH');
    t.check(c.allowCommands <= 5, `REPORT CAPABILITIES: ALLOW COMMANDS ${c.allowCommands} is reserved`);
    if (c.tmv) {
      // SHOULD: the mask "indicates" the supported types; no sentence says one must be
      t.should((c.types ?? []).length > 0, 'REPORT CAPABILITIES: TMV=1 but the type mask names no reservation type');
      const mask = c.typeMask ?? 0;
      const reserved = mask & ~DEFINED_TYPES.reduce((m, ty) => m | (1 << (ty === 8 ? 0 : 8 + ty)), 0);
      t.check(reserved === 0, `REPORT CAPABILITIES: type mask 0x${mask.toString(16).padStart(4, '0')} sets reserved bits 0x${reserved.toString(16)}`);
    }
    t.log(
      `CRH ${+c.crh} SIP_C ${+c.sipC} ATP_C ${+c.atpC} PTPL_C ${+c.ptplC} TMV ${+c.tmv} ALLOW COMMANDS ${c.allowCommands} PTPL_A ${+c.ptplA} types ${(c.types ?? []).join(',')}`,
    );
  },
);

suite.test(
  'Aptpl',
  {
    doc: `Where REPORT CAPABILITIES says PTPL_C 0 (persist through power loss not supported), a REGISTER with APTPL 1 must end in CHECK CONDITION,
      ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST and register nothing (SPC-5 6.17 basic parameter list). With PTPL_C 1 the test is skipped: a
      power cycle of the target is not something the harness can do.`,
    level: 'MUST',
    clause: `${SPC5.REPORT_CAPABILITIES}, ${SPC5.PR_OUT_PARAMETER_LIST}`,
    needs: ['dataloss', PR_OUT],
  },
  async (t) => {
    const c = await prReportCapabilities(t);
    if (c.ptplC) t.skip('the target supports persist through power loss (PTPL_C 1)');
    keepReservationsClean(t);
    await prRegister(t, K1, { aptpl: true, expect: INVALID_FIELD_IN_PARAM_LIST });
    const k = await prReadKeys(t);
    if (k.keys.includes(K1)) {
      await prUnregister(t, K1);
      t.fail('a REGISTER with APTPL 1 that was refused registered its key anyway');
    }
  },
);

export default suite;
