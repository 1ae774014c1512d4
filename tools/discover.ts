/**
 * `iscsi-test discover PORTAL [--luns] [--json]`: SendTargets discovery at a portal (RFC 7143 13.3,
 * Appendix C), as `iscsi-ls` does; with `--luns`, a login to each target, REPORT LUNS, and for each LUN its
 * standard INQUIRY (type, vendor, product, revision) and, for block devices, READ CAPACITY (16) (READ
 * CAPACITY (10) when (16) is refused) with LBPME telling thin from fully provisioned, as `iscsi-ls -s` does.
 * A target whose LUNs cannot be listed is reported with the reason, and the exit code is then 1.
 */
import {
  parseReadCapacity10,
  parseReadCapacity16,
  parseReportLuns,
  parseStandardInquiry,
  PeripheralDeviceType,
  inquiry,
  readCapacity10,
  readCapacity16,
  reportLuns,
} from '../protocol/scsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import { ExitError } from '../harness/errors.js';
import type { DiscoveredTarget } from '../harness/initiator/index.js';
import type { IscsiUrl } from '../harness/initiator/index.js';
import {
  closeQuietly,
  command,
  LOGIN_OPTIONS,
  onePositional,
  openSession,
  parseToolArgs,
  sizeText,
  timeoutMs,
  toJson,
  ToolFailure,
  ToolIo,
  urlArg,
} from './common.js';
import { deviceTypeName } from './inquiry-fields.js';

export const DISCOVER_SYNOPSIS = 'discover PORTAL [--luns] [--json]';

export interface LunFacts {
  lun: number;
  type: number;
  typeName: string;
  vendor: string;
  product: string;
  revision: string;
  /** Block devices only. */
  blocks?: bigint;
  blockSize?: number;
  bytes?: bigint;
  thin?: boolean;
}

export interface TargetFacts {
  name: string;
  portals: string[];
  luns?: LunFacts[];
  /** Why the LUNs could not be listed. */
  error?: string;
}

/** Device types whose logical units have a capacity in logical blocks (READ CAPACITY applies). */
const BLOCK_TYPES: ReadonlySet<number> = new Set([
  PeripheralDeviceType.DIRECT_ACCESS,
  PeripheralDeviceType.OPTICAL_MEMORY,
  PeripheralDeviceType.SIMPLIFIED_DIRECT_ACCESS,
  PeripheralDeviceType.ZBC_HOST_MANAGED,
]);

/** REPORT LUNS allocation: 2047 LUNs, well past what a portal exports in practice. */
const REPORT_LUNS_ALLOC = 16384;

export async function lunsOf(u: IscsiUrl, name: string, initiatorName: string | undefined, limit: number): Promise<LunFacts[]> {
  const s = await openSession({ ...u, target: name, lun: 0 }, initiatorName, limit);
  try {
    const rl = parseReportLuns((await command(s, reportLuns({ alloc: REPORT_LUNS_ALLOC }), { dataIn: REPORT_LUNS_ALLOC, lun: 0, timeoutMs: limit })).data);
    const out: LunFacts[] = [];
    for (const lun of rl.luns) {
      const q = parseStandardInquiry((await command(s, inquiry({ alloc: 96 }), { dataIn: 96, lun, timeoutMs: limit })).data);
      const f: LunFacts = {
        lun,
        type: q.peripheralDeviceType,
        typeName: deviceTypeName(q.peripheralDeviceType),
        vendor: q.vendor ?? '',
        product: q.product ?? '',
        revision: q.revision ?? '',
      };
      if (BLOCK_TYPES.has(q.peripheralDeviceType) && q.peripheralQualifier === 0) {
        let blocks: bigint;
        let blockSize: number;
        let thin = false;
        try {
          const c = parseReadCapacity16((await command(s, readCapacity16({ alloc: 32 }), { dataIn: 32, lun, timeoutMs: limit })).data);
          [blocks, blockSize, thin] = [c.lastLba + 1n, c.blockLength, c.lbpme];
        } catch (e) {
          if (!(e instanceof ToolFailure)) throw e;
          // READ CAPACITY (16) is optional before SBC-3: fall back to (10).
          const c = parseReadCapacity10((await command(s, readCapacity10(), { dataIn: 8, lun, timeoutMs: limit })).data);
          [blocks, blockSize] = [BigInt(c.lastLba) + 1n, c.blockLength];
        }
        Object.assign(f, { blocks, blockSize, bytes: blocks * BigInt(blockSize), thin });
      }
      out.push(f);
    }
    return out;
  } finally {
    await closeQuietly(s);
  }
}

export function render(portal: string, targets: TargetFacts[]): string {
  let out = '';
  if (targets.length === 0) out += `No targets at ${portal}\n`;
  for (const t of targets) {
    out += `Target: ${t.name}\n`;
    for (const p of t.portals) out += `  Portal: ${p}\n`;
    if (t.error) out += `  cannot list LUNs: ${t.error}\n`;
    for (const l of t.luns ?? []) {
      const id = [l.vendor, l.product, l.revision].filter(Boolean).join(' ');
      const size = l.bytes !== undefined ? `  ${sizeText(l.bytes)} (${l.blocks} blocks of ${l.blockSize} bytes)  ${l.thin ? 'thin' : 'full'}` : '';
      out += `  LUN ${l.lun}: ${l.typeName}  ${id}${size}\n`;
    }
  }
  return out;
}

export async function discoverTool(argv: string[], io: ToolIo): Promise<number> {
  const { values, positionals } = parseToolArgs('discover', argv, { ...LOGIN_OPTIONS, luns: { type: 'boolean', short: 's' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out.write(
      `usage: iscsi-test ${DISCOVER_SYNOPSIS}\n  PORTAL: iscsi://[user%password@]host[:port] or host[:port]. --luns: each target's LUNs ` +
        `with type, identification, size and provisioning.\n`,
    );
    return 0;
  }
  const u = urlArg(onePositional('discover', positionals, 'the portal (iscsi://host[:port])', DISCOVER_SYNOPSIS), io.env, { portal: true });
  const limit = timeoutMs('discover', values.timeout);
  const ds = await openSession(u, values['initiator-name'], limit, { sessionType: 'Discovery' });
  let found: DiscoveredTarget[];
  try {
    found = await ds.sendTargets('All', limit).catch((e: Error) => {
      throw new ToolFailure(`SendTargets=All: ${e.message}`);
    });
  } finally {
    await closeQuietly(ds);
  }
  const targets: TargetFacts[] = found.map((t) => ({ name: t.name, portals: t.addresses.map((a) => a.raw) }));
  if (values.luns) {
    for (const t of targets) {
      try {
        t.luns = await lunsOf(u, t.name, values['initiator-name'], limit);
      } catch (e) {
        // A refused login or command is this target's fact; anything else is a bug and goes up.
        if (!(e instanceof ExitError) && !(e instanceof IscsiError)) throw e;
        t.error = e.message;
      }
    }
  }
  const portal = u.display.replace(/\/+$/, '');
  io.out.write(values.json ? toJson({ portal, targets }) : render(portal, targets));
  return targets.some((t) => t.error) ? 1 : 0;
}
