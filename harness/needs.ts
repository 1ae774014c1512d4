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
}

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
  switch (n) {
    case 'dataloss':
      return o.dataloss ? undefined : '--dataloss not given';
    case 'sanitize':
      return o.sanitize ? undefined : '--allow-sanitize not given';
    case 'twoInitiators':
      return undefined;
    case 'chap':
      return o.chap ? undefined : 'no CHAP credentials in the URL';
    case 'sbc':
      return dev.sbc ? undefined : `not a direct-access block device (peripheral device type 0x${dev.deviceType.toString(16)})`;
    case 'sbc3':
      return dev.sbc3 ? undefined : 'the device does not claim SBC-3 or later';
    case 'capacity':
      return dev.blockSize > 0 ? undefined : `the capacity is unknown (${dev.problems.find((p) => p.startsWith('READ CAPACITY')) ?? 'READ CAPACITY failed at start-up'})`;
    case 'rc16':
      return dev.rc16 ? undefined : 'READ CAPACITY (16) is not available';
    case 'thin':
      return dev.thin ? undefined : 'LUN is not thin-provisioned (LBPME=0)';
    case 'removable':
      return dev.removable ? undefined : 'medium is not removable (RMB=0)';
    case 'readOnly':
      return dev.readOnly ? undefined : 'medium is not write-protected (WP=0)';
    case 'writable':
      return dev.readOnly ? 'medium is write-protected (WP=1)' : undefined;
    case 'protection':
      return dev.protection ? undefined : 'protection information is not enabled (PROTECT/PROT_EN)';
    case 'blockLimits':
      return dev.blockLimits ? undefined : 'the Block Limits VPD page is not available';
    case 'lbp':
      return dev.lbp ? undefined : 'the Logical Block Provisioning VPD page is not available';
    case 'lbpu':
      return dev.lbp?.lbpu ? undefined : 'UNMAP is not supported (LBPU=0)';
    case 'lbpws':
      return dev.lbp?.lbpws ? undefined : 'WRITE SAME (16) with UNMAP is not supported (LBPWS=0)';
    case 'lbpws10':
      return dev.lbp?.lbpws10 ? undefined : 'WRITE SAME (10) with UNMAP is not supported (LBPWS10=0)';
    case 'controlPage':
      return dev.control ? undefined : 'the Control mode page is not available';
  }
}

/** The first unmet need of a test (flags first, so "--dataloss not given" wins), or undefined. */
export function gate(t: TestDef, dev: DeviceFacts, o: GateOptions): string | undefined {
  const order = (n: Need) => (n === 'dataloss' || n === 'sanitize' ? 0 : 1);
  for (const n of [...t.needs].sort((a, b) => order(a) - order(b))) {
    const why = unmet(n, dev, o);
    if (why) return why;
  }
  return undefined;
}
