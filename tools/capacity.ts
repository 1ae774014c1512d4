/**
 * `iscsi-test capacity URL [--json]`: READ CAPACITY (16) decoded (SBC-4 5.21.2): blocks, block length,
 * size, protection, logical blocks per physical block, provisioning (LBPME, LBPRZ), lowest aligned LBA.
 */
import { parseReadCapacity16, readCapacity16 } from '../protocol/scsi/index.js';
import type { ReadCapacity16Data } from '../protocol/scsi/index.js';
import {
  closeQuietly,
  command,
  LOGIN_OPTIONS,
  onePositional,
  openSession,
  parseToolArgs,
  renderSections,
  Section,
  sizeText,
  timeoutMs,
  toJson,
  ToolIo,
  urlArg,
} from './common.js';

export const CAPACITY_SYNOPSIS = 'capacity URL [--json]';

const RC_BASIS: Record<number, string> = {
  0: 'the last LBA (of the leading zones that are not sequential write required, on a zoned device)',
  1: 'the last LBA of the logical unit',
};

export function capacitySection(c: ReadCapacity16Data): Section {
  const blocks = c.lastLba + 1n;
  const bytes = blocks * BigInt(c.blockLength);
  return {
    title: 'READ CAPACITY (16) parameter data',
    fields: [
      ['RETURNED LOGICAL BLOCK ADDRESS', c.lastLba],
      ['LOGICAL BLOCK LENGTH IN BYTES', c.blockLength],
      ['RC BASIS', `${c.rcBasis}${RC_BASIS[c.rcBasis] ? ` ${RC_BASIS[c.rcBasis]}` : ' reserved'}`],
      ['P_TYPE', c.pType],
      ['PROT_EN', c.protEn],
      ['PROTECTION', c.protEn ? `type ${c.pType + 1}` : 'none'],
      ['P_I_EXPONENT', c.pIExponent],
      [
        'LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT',
        `${c.lbppbExponent} (${2 ** c.lbppbExponent} logical block${c.lbppbExponent ? 's' : ''} a ` +
          `physical block, ${c.blockLength * 2 ** c.lbppbExponent} bytes)`,
      ],
      ['LBPME', c.lbpme],
      ['LBPRZ', c.lbprz],
      ['LOWEST ALIGNED LOGICAL BLOCK ADDRESS', c.lowestAlignedLba],
      ['Blocks', blocks],
      ['Size', `${bytes} bytes (${sizeText(bytes)})`],
      ['Provisioning', c.lbpme ? 'thin (logical block provisioning management enabled)' : 'full'],
    ],
  };
}

export async function capacityTool(argv: string[], io: ToolIo): Promise<number> {
  const { values, positionals } = parseToolArgs('capacity', argv, { ...LOGIN_OPTIONS, json: { type: 'boolean' } });
  if (values.help) {
    io.out.write(`usage: iscsi-test ${CAPACITY_SYNOPSIS}\n  READ CAPACITY (16) of the LUN, decoded.\n`);
    return 0;
  }
  const u = urlArg(onePositional('capacity', positionals, 'the iscsi:// URL of a LUN', CAPACITY_SYNOPSIS), io.env);
  const limit = timeoutMs('capacity', values.timeout);
  const s = await openSession(u, values['initiator-name'], limit);
  let c: ReadCapacity16Data;
  try {
    c = parseReadCapacity16((await command(s, readCapacity16({ alloc: 32 }), { dataIn: 32, timeoutMs: limit })).data);
  } finally {
    await closeQuietly(s);
  }
  if (values.json) io.out.write(toJson({ target: u.display, ...c, blocks: c.lastLba + 1n, bytes: (c.lastLba + 1n) * BigInt(c.blockLength) }));
  else io.out.write(renderSections([capacitySection(c)]));
  return 0;
}
