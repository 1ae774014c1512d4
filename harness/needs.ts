/**
 * Gating: a test whose needs are not met is skipped before it runs, with the reason (never counted as a
 * pass, never run half-way). Flags come from the command line (or are implied by the embedded target);
 * features come from the probe.
 */
import { opcodeName } from '../protocol/scsi/index.js';
import type { DeviceFacts } from './probe.js';
import { supports } from './probe.js';
import type { Need, TestDef } from './registry.js';

export interface GateOptions {
  dataloss: boolean;
  sanitize: boolean;
  /** The URL carries CHAP credentials. */
  chap: boolean;
  /** The harness plays the iSNS server the target was pointed at (--isns-server). */
  isns?: boolean;
  /** The harness can stop and start the target (--target-stop-command and --target-start-command, or the embedded target). */
  targetControl?: boolean;
}

/** Why an iSNS test cannot run, and how to make it: -V and the skip reason say the same. */
export const ISNS_SERVER_HOWTO =
  `the target is not pointed at the harness's iSNS server: run iscsi-test with --isns-server 127.0.0.1:PORT and set the target's iSNS server to that ` +
  `address first (iscsi-target --isns 127.0.0.1:PORT, ietd.conf iSNSServer, tgtadm --op update --mode sys --name iSNSServerIP/iSNSServerPort/iSNS)`;

/** Why a test that stops the target cannot run, and how to make it. */
export const TARGET_CONTROL_HOWTO =
  `the harness cannot stop and start the target: give --target-stop-command CMD and --target-start-command CMD (shell commands that stop the ` +
  `target, or its iSNS client, and bring it back on the same portal; e.g. tgtadm --op update --mode sys --name iSNS --value Off, then On)`;

type Unmet = (dev: DeviceFacts, o: GateOptions) => string | undefined;

/**
 * Every named need, declared once: its name (the key, which `needs: [...]` accepts and the Need type is
 * derived from), whether the command line or the probe meets it, and the skip reason when it is not met.
 */
export const NAMED_NEEDS = {
  /** The test writes to the medium (or changes other persistent state: mode pages, reservations). */
  dataloss: { by: 'flag', unmet: (_d, o) => (o.dataloss ? undefined : '--dataloss not given') },
  /** The test sends SANITIZE (implies dataloss). */
  sanitize: { by: 'flag', unmet: (_d, o) => (o.sanitize ? undefined : '--allow-sanitize not given') },
  /** The test needs a second I_T nexus, logged in with --initiator-name-2 (`t.session2`). */
  twoInitiators: { by: 'flag', unmet: () => undefined },
  /** The URL carries CHAP credentials. */
  chap: { by: 'flag', unmet: (_d, o) => (o.chap ? undefined : 'no CHAP credentials in the URL') },
  /** The harness plays the iSNS server the target registers with (--isns-server; the embedded target when iSNS tests run). */
  isnsServer: { by: 'flag', unmet: (_d, o) => (o.isns ? undefined : ISNS_SERVER_HOWTO) },
  /** The harness can stop the target and start it again (TargetControl). */
  targetControl: { by: 'flag', unmet: (_d, o) => (o.targetControl ? undefined : TARGET_CONTROL_HOWTO) },
  /** Peripheral device type 0 (direct access block device, SBC). */
  sbc: { by: 'probe', unmet: (dev) => (dev.sbc ? undefined : `not a direct-access block device (peripheral device type 0x${dev.deviceType.toString(16)})`) },
  /** The device claims SBC-3 or later (a version descriptor, or SPC-4 or later in VERSION). */
  sbc3: { by: 'probe', unmet: (dev) => (dev.sbc3 ? undefined : 'the device does not claim SBC-3 or later') },
  /** The probe read the capacity (READ CAPACITY (16) or (10)): `t.dev.blocks` and `t.dev.blockSize` are set. */
  capacity: {
    by: 'probe',
    unmet: (dev) =>
      dev.blockSize > 0
        ? undefined
        : `the capacity is unknown (${dev.problems.find((p) => p.startsWith('READ CAPACITY')) ?? 'READ CAPACITY failed at start-up'})`,
  },
  /** READ CAPACITY (16) answered, so LBPME, protection and physical block data are known. */
  rc16: { by: 'probe', unmet: (dev) => (dev.rc16 ? undefined : 'READ CAPACITY (16) is not available') },
  /** LBPME set: logical block provisioning management (thin provisioning). */
  thin: { by: 'probe', unmet: (dev) => (dev.thin ? undefined : 'LUN is not thin-provisioned (LBPME=0)') },
  /** RMB set: removable medium. */
  removable: { by: 'probe', unmet: (dev) => (dev.removable ? undefined : 'medium is not removable (RMB=0)') },
  /** The medium is write-protected (MODE SENSE WP bit). */
  readOnly: { by: 'probe', unmet: (dev) => (dev.readOnly ? undefined : 'medium is not write-protected (WP=0)') },
  /** The medium is not write-protected. */
  writable: { by: 'probe', unmet: (dev) => (dev.readOnly ? 'medium is write-protected (WP=1)' : undefined) },
  /** PROTECT set in standard INQUIRY and PROT_EN in READ CAPACITY (16). */
  protection: { by: 'probe', unmet: (dev) => (dev.protection ? undefined : 'protection information is not enabled (PROTECT/PROT_EN)') },
  /** The Block Limits VPD page (B0h) is readable. */
  blockLimits: { by: 'probe', unmet: (dev) => (dev.blockLimits ? undefined : 'the Block Limits VPD page is not available') },
  /** The Logical Block Provisioning VPD page (B2h) is readable. */
  lbp: { by: 'probe', unmet: (dev) => (dev.lbp ? undefined : 'the Logical Block Provisioning VPD page is not available') },
  /** UNMAP is supported (LBPU). */
  lbpu: { by: 'probe', unmet: (dev) => (dev.lbp?.lbpu ? undefined : 'UNMAP is not supported (LBPU=0)') },
  /** WRITE SAME (16) with UNMAP is supported (LBPWS). */
  lbpws: { by: 'probe', unmet: (dev) => (dev.lbp?.lbpws ? undefined : 'WRITE SAME (16) with UNMAP is not supported (LBPWS=0)') },
  /** WRITE SAME (10) with UNMAP is supported (LBPWS10). */
  lbpws10: { by: 'probe', unmet: (dev) => (dev.lbp?.lbpws10 ? undefined : 'WRITE SAME (10) with UNMAP is not supported (LBPWS10=0)') },
  /** The Control mode page (0Ah) is readable. */
  controlPage: { by: 'probe', unmet: (dev) => (dev.control ? undefined : 'the Control mode page is not available') },
} as const satisfies Record<string, { by: 'flag' | 'probe'; unmet: Unmet }>;

export type NamedNeed = keyof typeof NAMED_NEEDS;

export const isNamedNeed = (n: string): n is NamedNeed => Object.prototype.hasOwnProperty.call(NAMED_NEEDS, n);

/** The skip reason of one need, or undefined when it is met. */
export function unmet(n: Need, dev: DeviceFacts, o: GateOptions): string | undefined {
  if (typeof n === 'object') {
    if ('opcode' in n) {
      const s = supports(dev, n.opcode, n.sa);
      return s === false ? `target does not implement ${opcodeName(n.opcode, n.sa)} (REPORT SUPPORTED OPERATION CODES)` : undefined;
    }
    if ('minBlocks' in n) return dev.blocks < n.minBlocks ? `LUN too small: ${dev.blocks} blocks, the test needs ${n.minBlocks}` : undefined;
    return n.check(dev);
  }
  return (NAMED_NEEDS[n].unmet as Unmet)(dev, o);
}

/** The first unmet need of a test (command-line ones first, so "--dataloss not given" wins), or undefined. */
export function gate(t: TestDef, dev: DeviceFacts, o: GateOptions): string | undefined {
  const order = (n: Need) => (typeof n === 'string' && NAMED_NEEDS[n].by === 'flag' ? 0 : 1);
  for (const n of [...t.needs].sort((a, b) => order(a) - order(b))) {
    const why = unmet(n, dev, o);
    if (why) return why;
  }
  return undefined;
}
