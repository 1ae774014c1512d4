/**
 * `iscsi-test sense HEX` and `iscsi-test cdb HEX`: decode a sense buffer or a CDB copied from a log line,
 * with the protocol codecs (the same decoders the harness and the reference target use), field by field.
 */
import { ascName, cdbLength, decodeSense, describeCdb, describeSense, opcodeHasServiceAction, opcodeName, senseKeyName } from '../protocol/scsi/index.js';
import type { Sense } from '../protocol/scsi/index.js';
import { IscsiError } from '../protocol/errors.js';
import { usageError } from '../harness/errors.js';
import { onePositional, parseHex, parseToolArgs, renderSections, Section, toJson, ToolIo } from './common.js';

export const SENSE_SYNOPSIS = 'sense HEX [--json]';
export const CDB_SYNOPSIS = 'cdb HEX [--json]';

const hx = (v: number | bigint, w = 2): string => `0x${v.toString(16).padStart(w, '0')}`;

const DESCRIPTOR_TYPES: Record<number, string> = {
  0x00: 'information',
  0x01: 'command-specific information',
  0x02: 'sense key specific',
  0x03: 'field replaceable unit',
  0x04: 'stream commands',
  0x05: 'block commands',
  0x06: 'OSD object identification',
  0x09: 'ATA status return',
  0x0a: 'another progress indication',
  0x0e: 'device designation',
};

export function senseSection(s: Sense): Section {
  const f: Section['fields'] = [
    ['RESPONSE CODE', `${hx(s.responseCode)} ${s.format} format, ${s.current ? 'current' : 'deferred'} error`],
    ['SENSE KEY', `${hx(s.key, 1)} ${senseKeyName(s.key)}`],
    ['ADDITIONAL SENSE CODE', hx(s.asc)],
    ['ADDITIONAL SENSE CODE QUALIFIER', hx(s.ascq)],
    ['ASC/ASCQ', ascName(s.ascAscq)],
  ];
  if (s.fileMark !== undefined) f.push(['FILEMARK', s.fileMark]);
  if (s.eom !== undefined) f.push(['EOM', s.eom]);
  if (s.ili !== undefined) f.push(['ILI', s.ili]);
  f.push(['INFORMATION', s.information === undefined ? 'not valid' : `${s.information} (${hx(s.information)})`]);
  if (s.commandSpecific !== undefined) f.push(['COMMAND-SPECIFIC INFORMATION', hx(s.commandSpecific, 8)]);
  if (s.fru !== undefined) f.push(['FIELD REPLACEABLE UNIT CODE', hx(s.fru)]);
  const k = s.senseKeySpecific;
  if (k) {
    f.push(['SKSV', k.sksv], ['SENSE KEY SPECIFIC', hx(k.raw, 6)]);
    if (k.field)
      f.push(['FIELD POINTER', `${k.field.cd ? 'CDB' : 'parameter data'} byte ${k.field.fieldPointer}${k.field.bpv ? ` bit ${k.field.bitPointer}` : ''}`]);
    if (k.progress !== undefined) f.push(['PROGRESS INDICATION', `${k.progress}/65536 (${((k.progress / 65536) * 100).toFixed(1)} %)`]);
  }
  if (s.truncated) f.push(['(truncated)', 'the data ended before ADDITIONAL SENSE LENGTH']);
  f.push(['Summary', describeSense(s)]);
  const parts: Section[] = (s.descriptors ?? []).map((d, i) => ({
    title: `Descriptor ${i}: type ${hx(d.type)} ${DESCRIPTOR_TYPES[d.type] ?? (d.type >= 0x80 ? 'vendor specific' : 'reserved')}`,
    fields: [
      ['ADDITIONAL LENGTH', d.data.length],
      ['DATA', d.data.toString('hex') || '(none)'],
    ],
  }));
  return { title: 'Sense data', fields: f, parts };
}

export function cdbSection(cdb: Buffer): Section {
  const op = cdb[0]!;
  const sa = opcodeHasServiceAction(op) && cdb.length > 1 ? cdb[1]! & 0x1f : undefined;
  const len = cdbLength(op);
  const f: Section['fields'] = [
    ['OPERATION CODE', `${hx(op)} ${opcodeName(op)}`],
    ...(sa !== undefined ? ([['SERVICE ACTION', `${hx(sa)} ${opcodeName(op, sa)}`]] as Section['fields']) : []),
    [
      'CDB LENGTH',
      len === undefined
        ? `${cdb.length} (the group code gives no fixed length)`
        : `${cdb.length}${cdb.length === len ? '' : ` (the operation code calls for ${len})`}`,
    ],
  ];
  if (len !== undefined && cdb.length >= len) f.push(['CONTROL', `${hx(cdb[len - 1]!)}${cdb[len - 1]! & 0x04 ? ' NACA' : ''}`]);
  f.push(['Fields', describeCdb(cdb)]);
  return { title: 'CDB', fields: f };
}

function decodeTool(tool: 'sense' | 'cdb', synopsis: string, argv: string[], io: ToolIo): number {
  const { values, positionals } = parseToolArgs(tool, argv, { json: { type: 'boolean' } });
  if (values.help) {
    io.out.write(
      `usage: iscsi-test ${synopsis}\n  Decode ${tool === 'sense' ? 'sense data' : 'a CDB'} given in hex (70 00 05…, 70:00:05, 0x70,0x00 or 700005…; quote it if it has spaces).\n`,
    );
    return 0;
  }
  // Hex copied from a log may come as one quoted argument or as one argument a byte.
  if (positionals.length === 0) onePositional(tool, positionals, 'the hex bytes', synopsis);
  const bytes = parseHex(tool, positionals.join(' '));
  let section: Section;
  try {
    section = tool === 'sense' ? senseSection(decodeSense(bytes)) : cdbSection(bytes);
  } catch (e) {
    // What does not decode is the input given, not a fault of ours: bad usage.
    if (IscsiError.is(e, 'SCSI_E_DECODE')) throw usageError(`${tool}: ${e.message}`);
    throw e;
  }
  io.out.write(values.json ? toJson(section) : renderSections([section]));
  return 0;
}

export const senseTool = async (argv: string[], io: ToolIo): Promise<number> => decodeTool('sense', SENSE_SYNOPSIS, argv, io);
export const cdbTool = async (argv: string[], io: ToolIo): Promise<number> => decodeTool('cdb', CDB_SYNOPSIS, argv, io);
