/**
 * The Device Identification VPD page (83h, SPC-5): the designation descriptors of the logical unit, of the
 * target port the command came through and of the target device, each checked against the rules SPC-5 gives
 * for its DESIGNATOR TYPE, CODE SET and ASSOCIATION, and the iSCSI names against the session's own login.
 */
import { defineSuite, iscsi, scsi, type TestContext, SPC5 } from '../../harness/api.js';

const suite = defineSuite('InquiryVPD83', { families: ['SCSI'], clause: SPC5.DEVICE_IDENTIFICATION });

const { Association: A, CodeSet: CS, DesignatorType: DT } = scsi;
type Designator = scsi.Designator;

/** The largest ALLOCATION LENGTH used: far more than any target's page, so the whole page comes back. */
const ALLOC = 4096;
const ASSOCIATION = ['logical unit (00b)', 'target port (01b)', 'target device (10b)', 'reserved (11b)'];
/** The iSCSI name of a SCSI port name (RFC 7143): the node name, then ",t,0x" and the TPGT, or ",i,0x" and the ISID. */
const PORT_NAME = /^(.+),([ti]),0x([0-9a-fA-F]+)$/;

const hex = (n: number) => `${n.toString(16).toUpperCase()}h`;
function nameOf(d: Designator): string {
  return `designator type ${hex(d.designatorType)} association ${ASSOCIATION[d.association]}`;
}

/** The page, with PAGE LENGTH checked against the bytes returned and every descriptor inside it. */
async function deviceIdentification(t: TestContext): Promise<Designator[]> {
  const r = await t.command(scsi.inquiry({ evpd: true, page: 0x83, alloc: ALLOC }), { dataIn: ALLOC, what: 'INQUIRY EVPD PAGE=83h' });
  t.check(r.data.length >= 4, `INQUIRY EVPD PAGE=83h returned ${r.data.length} bytes, less than the 4-byte page header`);
  const pageLength = r.data.readUInt16BE(2);
  t.equal(r.data.length, Math.min(ALLOC, 4 + pageLength), 'Device Identification: bytes returned versus 4 + PAGE LENGTH');
  let page: scsi.DeviceIdentification;
  try {
    page = scsi.parseDeviceIdentification(r.data);
  } catch (e) {
    return t.fail(`the Device Identification page does not parse: ${(e as Error).message}`);
  }
  t.equal(page.pageCode, 0x83, 'PAGE CODE of the Device Identification page');
  const used = page.designators.reduce((n, d) => n + 4 + d.designator.length, 0);
  t.equal(used, pageLength, 'Device Identification: bytes of the designation descriptors versus PAGE LENGTH');
  t.log(`designators: ${page.designators.map((d) => `[${ASSOCIATION[d.association]} ${describe(d)}]`).join(' ') || 'none'}`);
  return page.designators;
}

/** The TargetPortalGroupTag the target gave in the login of the test's session. */
function loginTpgt(t: TestContext): number | undefined {
  for (const r of t.session.login.responses) {
    const v = (r.data?.length ? iscsi.decodeText(r.data) : []).find(([k]) => k === 'TargetPortalGroupTag')?.[1];
    if (v !== undefined) return Number(v);
  }
  return undefined;
}

function describe(d: Designator): string {
  try {
    return scsi.describeDesignator(d);
  } catch {
    return `type ${hex(d.designatorType)} 0x${d.designator.toString('hex')}`;
  }
}

suite.test(
  'LogicalUnitName',
  {
    doc: `The Device Identification page (INQUIRY EVPD, PAGE CODE 83h) of the LUN under test must return every byte its PAGE LENGTH announces, hold
      only whole designation descriptors, and name the logical unit: SPC-5 requires at least one designation descriptor with ASSOCIATION 00b
      (logical unit) whose DESIGNATOR TYPE is 1h (T10 vendor ID based), 2h (EUI-64 based), 3h (NAA) or 8h (SCSI name string).`,
    level: 'MUST',
  },
  async (t) => {
    const ds = await deviceIdentification(t);
    const names = ds.filter(
      (d) => d.association === A.LOGICAL_UNIT && [DT.T10_VENDOR_ID, DT.EUI64, DT.NAA, DT.SCSI_NAME_STRING].includes(d.designatorType as 1),
    );
    t.check(
      names.length > 0,
      `the Device Identification page holds no logical unit name (association 00b with designator type 1h, 2h, 3h or 8h): ` +
        `${ds.map(nameOf).join('; ') || 'no designator at all'}`,
    );
  },
);

/** What SPC-5 fixes for one designator type: its CODE SET, the lengths allowed and the associations allowed. */
interface TypeRule {
  name: string;
  codeSet: number;
  /** SPC fixes no CODE SET for this type ("shall be set to" is absent): a different one is a warning. */
  codeSetShould?: boolean;
  lengths?: number[];
  minLength?: number;
  associations?: number[];
}

const RULES: Record<number, TypeRule> = {
  [DT.T10_VENDOR_ID]: { name: 'T10 vendor ID based', codeSet: CS.ASCII, codeSetShould: true, minLength: 8 },
  [DT.EUI64]: { name: 'EUI-64 based', codeSet: CS.BINARY, lengths: [8, 12, 16] },
  [DT.NAA]: { name: 'NAA', codeSet: CS.BINARY, lengths: [8, 16] },
  [DT.RELATIVE_TARGET_PORT]: { name: 'relative target port', codeSet: CS.BINARY, lengths: [4], associations: [A.TARGET_PORT] },
  [DT.TARGET_PORT_GROUP]: { name: 'target port group', codeSet: CS.BINARY, lengths: [4], associations: [A.TARGET_PORT] },
  [DT.LOGICAL_UNIT_GROUP]: { name: 'logical unit group', codeSet: CS.BINARY, lengths: [4], associations: [A.LOGICAL_UNIT] },
  [DT.MD5_LOGICAL_UNIT]: { name: 'MD5 logical unit identifier', codeSet: CS.BINARY, lengths: [16], associations: [A.LOGICAL_UNIT] },
  [DT.SCSI_NAME_STRING]: { name: 'SCSI name string', codeSet: CS.UTF8 },
};

function checkDesignator(t: TestContext, d: Designator, i: number): void {
  const at = `designation descriptor ${i + 1} (${nameOf(d)})`;
  t.check(d.association !== 3, `${at}: ASSOCIATION 11b is reserved`);
  t.check(d.designatorType <= DT.UUID, `${at}: DESIGNATOR TYPE ${hex(d.designatorType)} is reserved`);
  t.check(d.codeSet >= CS.BINARY && d.codeSet <= CS.UTF8, `${at}: CODE SET ${hex(d.codeSet)} is reserved`);
  const rule = RULES[d.designatorType];
  if (!rule) return;
  const len = d.designator.length;
  const codeSetMessage = `${at}: a ${rule.name} designator has CODE SET ${hex(rule.codeSet)}, got ${hex(d.codeSet)}`;
  if (rule.codeSetShould) t.should(d.codeSet === rule.codeSet, codeSetMessage);
  else t.check(d.codeSet === rule.codeSet, codeSetMessage);
  if (rule.lengths) t.check(rule.lengths.includes(len), `${at}: a ${rule.name} designator is ${rule.lengths.join(', ')} bytes long, got ${len}`);
  if (rule.minLength) t.check(len >= rule.minLength, `${at}: a ${rule.name} designator is at least ${rule.minLength} bytes long, got ${len}`);
  if (rule.associations)
    t.check(
      rule.associations.includes(d.association),
      `${at}: a ${rule.name} designator has ASSOCIATION ${rule.associations.map((a) => ASSOCIATION[a]).join(' or ')}`,
    );
  const x = d.designator;
  switch (d.designatorType) {
    case DT.NAA: {
      const naa = x[0]! >> 4;
      t.check([2, 3, 5, 6].includes(naa), `${at}: NAA ${naa} is reserved (2h, 3h, 5h and 6h are defined)`);
      t.check((naa === 6) === (len === 16), `${at}: NAA ${naa} with ${len} bytes (NAA 6h has 16 bytes, NAA 2h, 3h and 5h have 8)`);
      break;
    }
    case DT.T10_VENDOR_ID: {
      // The T10 VENDOR IDENTIFICATION is "left-aligned ASCII data"; the rest is ASCII only under CODE SET 2h. SPC's ASCII "may be
      // terminated with one or more ASCII null (00h) characters", so trailing NULs are allowed.
      const ascii = d.codeSet === CS.ASCII ? x : x.subarray(0, 8);
      let end = ascii.length;
      while (end > 0 && ascii[end - 1] === 0) end--;
      for (const [j, b] of ascii.subarray(0, end).entries())
        t.check(b >= 0x20 && b <= 0x7e, `${at}: byte ${j} of an ASCII designator is 0x${b.toString(16)}, not 20h..7Eh`);
      break;
    }
    case DT.RELATIVE_TARGET_PORT:
      if (len === 4) t.check(x.readUInt16BE(2) !== 0, `${at}: RELATIVE TARGET PORT IDENTIFIER 0 is reserved`);
      break;
  }
}

suite.test(
  'DesignatorFormats',
  {
    doc: `Each designation descriptor of the Device Identification page must follow SPC-5's rules for its DESIGNATOR TYPE: no reserved ASSOCIATION
      (11b), DESIGNATOR TYPE (Bh..Fh) or CODE SET (0h, 4h..Fh); T10 vendor ID based (1h): CODE SET ASCII (2h), at least the 8-byte T10 VENDOR
      IDENTIFICATION in graphic characters 20h..7Eh, and the whole designator so under CODE SET 2h (trailing NULs allowed: SPC's ASCII "may be
      terminated with one or more ASCII null (00h) characters"); SPC gives type 1h no CODE SET, so one other than ASCII (2h) is a SHOULD-level warning; EUI-64 based (2h): binary, 8, 12 or 16
      bytes; NAA (3h): binary, NAA 2h, 3h or 5h in 8 bytes or NAA 6h in 16; relative target port (4h) and target port group (5h): binary, 4 bytes,
      ASSOCIATION 01b, a relative target port identifier other than 0;
      logical unit group (6h): binary, 4 bytes, ASSOCIATION 00b; MD5 logical unit identifier (7h): binary, 16 bytes, ASSOCIATION 00b; SCSI name
      string (8h): CODE SET UTF-8 (3h).`,
    level: 'MUST',
  },
  async (t) => {
    const ds = await deviceIdentification(t);
    ds.forEach((d, i) => checkDesignator(t, d, i));
  },
);

suite.test(
  'ScsiNameString',
  {
    doc: `Each SCSI name string designator (type 8h) of the Device Identification page: CODE SET UTF-8 (3h); SPC-5 makes the SCSI NAME STRING field
      null-terminated and null-padded to a length that is a multiple of 4 bytes; the name starts with "eui.", "naa." or "iqn."; one with ASSOCIATION
      00b (logical unit) or 10b (target device) is a name without a port suffix, and an iSCSI one (PIV set, PROTOCOL IDENTIFIER 5h) with
      ASSOCIATION 01b (target port) is an iSCSI target port name, "<iSCSI name>,t,0x<TPGT>" (RFC 7143). Passes with no SCSI name string.`,
    clause: `${SPC5.DEVICE_IDENTIFICATION}, RFC 7143 (iSCSI names)`,
    level: 'MUST',
  },
  async (t) => {
    const ds = await deviceIdentification(t);
    const names = ds.filter((d) => d.designatorType === DT.SCSI_NAME_STRING);
    if (names.length === 0) return t.log('the page holds no SCSI name string designator');
    for (const d of names) {
      const x = d.designator;
      const at = `SCSI name string designator (association ${ASSOCIATION[d.association]})`;
      t.check(d.codeSet === CS.UTF8, `${at}: CODE SET ${hex(d.codeSet)}, not UTF-8 (3h)`);
      t.check(x.length % 4 === 0, `${at}: DESIGNATOR LENGTH ${x.length} is not a multiple of 4`);
      const nul = x.indexOf(0);
      t.check(nul > 0, `${at}: ${JSON.stringify(x.toString('latin1'))} is not null-terminated`);
      t.check(
        x.subarray(nul).every((b) => b === 0),
        `${at}: the padding after the terminating null holds non-null bytes (${x.subarray(nul).toString('hex')})`,
      );
      const name = x.subarray(0, nul).toString('utf8');
      t.check(/^(eui|naa|iqn)\./i.test(name), `${at}: ${JSON.stringify(name)} does not start with "eui.", "naa." or "iqn."`);
      const port = PORT_NAME.exec(name);
      if (d.association === A.TARGET_PORT && d.piv && d.protocolIdentifier === scsi.ProtocolId.ISCSI)
        t.check(port?.[2] === 't', `${at}: the iSCSI target port name ${JSON.stringify(name)} is not "<iSCSI name>,t,0x<TPGT>"`);
      if (d.association !== A.TARGET_PORT)
        t.check(!port, `${at}: ${JSON.stringify(name)} carries a port suffix, though it names the ${ASSOCIATION[d.association]}`);
    }
  },
);

suite.test(
  'TargetPort',
  {
    doc: `The designators of the Device Identification page that describe the target port and target device must be those of the I_T nexus the
      command came through: with PIV set and ASSOCIATION 01b the PROTOCOL IDENTIFIER must be 5h (iSCSI), as it "shall contain one of the values ...
      to indicate the SCSI transport protocol to which the designation descriptor applies"; an iSCSI target port name (SCSI name string,
      ASSOCIATION 01b) must be the name logged in to with ",t,0x" and the TargetPortalGroupTag of the login; an iSCSI target device name (SCSI name
      string, ASSOCIATION 10b, PIV set with PROTOCOL IDENTIFIER 5h, or PIV clear and an "iqn." name) must be the name logged in to (iSCSI names
      compare without regard to case, RFC 7143). A target device's designators for other transports are not compared: the page "shall contain
      designation descriptors, if any, for all the SCSI device names for all the SCSI transport protocols supported". Passes with none of them.`,
    clause: `${SPC5.DEVICE_IDENTIFICATION}, RFC 7143 (iSCSI names)`,
    level: 'MUST',
  },
  async (t) => {
    const ds = await deviceIdentification(t);
    const target = t.config.target.targetName.toLowerCase();
    const tpgt = loginTpgt(t);
    for (const d of ds.filter((x) => x.association === A.TARGET_PORT || x.association === A.TARGET_DEVICE)) {
      const at = `${nameOf(d)} (${describe(d)})`;
      const iscsiPiv = d.piv && d.protocolIdentifier === scsi.ProtocolId.ISCSI;
      // only the target port is the one the command came through; a target device may name itself for other transports too
      if (d.piv && d.association === A.TARGET_PORT) t.equal(d.protocolIdentifier, scsi.ProtocolId.ISCSI, `${at}: PROTOCOL IDENTIFIER over iSCSI`);
      if (d.designatorType !== DT.SCSI_NAME_STRING) continue;
      const nul = d.designator.indexOf(0);
      const name = d.designator.subarray(0, nul < 0 ? d.designator.length : nul).toString('utf8');
      if (d.association === A.TARGET_DEVICE) {
        if (iscsiPiv || (!d.piv && /^iqn\./i.test(name))) t.equal(name.toLowerCase(), target, `${at}: the target device name versus the target logged in to`);
        else t.log(`${at}: a SCSI device name for another transport (or not marked iSCSI), not compared`);
        continue;
      }
      const port = PORT_NAME.exec(name);
      if (!port) {
        t.check(!d.piv || d.protocolIdentifier !== scsi.ProtocolId.ISCSI, `${at}: the iSCSI target port name ${JSON.stringify(name)} has no ",t,0x<TPGT>"`);
        continue;
      }
      t.equal(port[1]!.toLowerCase(), target, `${at}: the iSCSI name of the target port name versus the target logged in to`);
      t.equal(port[2], 't', `${at}: the target port name's suffix`);
      if (tpgt !== undefined) t.equal(parseInt(port[3]!, 16), tpgt, `${at}: the TPGT of the target port name versus the login's TargetPortalGroupTag`);
    }
  },
);

export default suite;
