/**
 * The CDB codec driven by the command catalogue (catalogue.ts): `encodeCdb` (which the builders of cdb.ts
 * call), `decodeCdb` (one parse for the harness and the reference target), `describeCdb` for failure
 * messages, the data a command moves, and the CDB usage data of REPORT SUPPORTED OPERATION CODES. No
 * per-command code lives here: a command's facts are its catalogue entry.
 */
import { decodeError, rangeError } from '../errors.js';
import { CATALOGUE, type CdbEntry, type CdbField, type CdbValues } from './catalogue.js';
import { cdbLength } from './opcodes.js';
import { hex, hexBytes, noField, putBE, uint, uintBig } from './util.js';

/** Family entries (no `sa`) by operation code, and service-action entries by (op << 5) | sa. */
const FAMILIES = new Map<number, CdbEntry>();
const MEMBERS = new Map<number, CdbEntry>();
for (const e of CATALOGUE) {
  const table = e.sa === undefined ? FAMILIES : MEMBERS;
  const k = e.sa === undefined ? e.op : (e.op << 5) | e.sa;
  if (table.has(k)) throw new Error(`command catalogue: ${e.name} is listed twice`);
  table.set(k, e);
}

/** The option name used in "the CDB has no X field" messages: the field's name where some command has it. */
const OPTION_NAMES = new Map<string, string>();
for (const e of CATALOGUE) for (const f of e.fields) if (f.key && !OPTION_NAMES.has(f.key)) OPTION_NAMES.set(f.key, f.name);

/** True for operation codes whose CDB byte 1 bits 4..0 hold a SERVICE ACTION. */
export function opcodeHasServiceAction(op: number): boolean {
  return FAMILIES.get(op)?.serviceActions === true;
}

/**
 * The catalogue entry of an operation code and service action: the service action's own entry, else its
 * family's (an unknown service action of a known operation code), else undefined (an unknown operation code).
 */
export function catalogueEntry(op: number, sa?: number): CdbEntry | undefined {
  const fam = FAMILIES.get(op);
  if (!fam?.serviceActions || sa === undefined) return fam;
  return MEMBERS.get((op << 5) | (sa & 0x1f)) ?? fam;
}

/** The service action a CDB carries, when its operation code has them. */
function saOf(cdb: Buffer): number | undefined {
  return opcodeHasServiceAction(cdb[0]!) && cdb.length > 1 ? cdb[1]! & 0x1f : undefined;
}

/** A CDB's command name, with its service action where it has one: 'READ CAPACITY(16)', 'MAINTENANCE IN SA 0x1f'. */
export function cdbName(cdb: Buffer): string {
  return cdb.length === 0 ? 'EMPTY CDB' : opcodeName(cdb[0]!, saOf(cdb));
}

/** The catalogue entry a CDB names (see `catalogueEntry`); undefined for an empty CDB or an unknown operation code. */
export function lookupCdb(cdb: Buffer): CdbEntry | undefined {
  return cdb.length === 0 ? undefined : catalogueEntry(cdb[0]!, saOf(cdb));
}

/**
 * The name of a command for reports: `'READ(10)'`, `'READ CAPACITY(16)'` (op 0x9e, sa 0x10),
 * `'REPORT SUPPORTED OPERATION CODES'`; unknown operation codes give `'OPCODE 0xNN'`, unknown service
 * actions of a known code `'MAINTENANCE IN SA 0xNN'`.
 */
export function opcodeName(op: number, sa?: number): string {
  const fam = FAMILIES.get(op);
  if (!fam) return `OPCODE ${hex(op & 0xff)}`;
  if (!fam.serviceActions || sa === undefined) return fam.name;
  return MEMBERS.get((op << 5) | sa)?.name ?? `${fam.name} SA ${hex(sa)}`;
}

// --- fields ----------------------------------------------------------------------------------------------------

const CONTROL_FIELDS = new Map<number, CdbField>();
function controlField(length: number): CdbField {
  let f = CONTROL_FIELDS.get(length);
  if (!f) CONTROL_FIELDS.set(length, (f = { name: 'CONTROL', key: 'control', byte: length - 1, bits: 8, shift: 0 }));
  return f;
}

/** Bytes a field spans. */
const spanOf = (f: CdbField): number => Math.ceil((f.bits + f.shift) / 8);

/** The bits a field occupies, byte by byte from its first byte. */
export function fieldMask(f: CdbField): number[] {
  const n = spanOf(f);
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < f.bits; i++) {
    const pos = f.shift + i; // bit position counted from the lowest bit of the last byte
    out[n - 1 - (pos >> 3)]! |= 1 << (pos & 7);
  }
  return out;
}

/** The field's value in a CDB long enough to hold it: a number, or a bigint above 48 bits. */
export function readField(cdb: Buffer, f: CdbField): number | bigint {
  const n = spanOf(f);
  if (n <= 6) {
    const raw = cdb.readUIntBE(f.byte, n);
    return f.shift === 0 && f.bits === 8 * n ? raw : Math.floor(raw / 2 ** f.shift) % 2 ** f.bits;
  }
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(cdb[f.byte + i]!);
  v = (v >> BigInt(f.shift)) & ((1n << BigInt(f.bits)) - 1n);
  return f.bits > 48 ? v : Number(v);
}

/** Puts a validated value into a field whose bits are still zero. */
function writeField(b: Buffer, f: CdbField, v: number | bigint): void {
  const n = spanOf(f);
  if (n <= 6) {
    b.writeUIntBE(b.readUIntBE(f.byte, n) + Number(v) * 2 ** f.shift, f.byte, n);
    return;
  }
  putBE(b, f.byte, n, BigInt(v) << BigInt(f.shift));
}

/** Checks a builder option against its field and returns the value to put there. */
function fieldValue(ctx: string, f: CdbField, raw: unknown): number | bigint {
  if (raw === undefined) return f.dflt ?? 0;
  const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : (raw as number | bigint);
  if (f.zeroIs !== undefined) {
    const n = uint(ctx, f.name, v as number, f.bits + 1);
    if (n < 1 || n > f.zeroIs) throw rangeError(`${ctx}: ${f.name} ${n} is outside 1..${f.zeroIs} (${f.zeroIs} is sent as 0)`);
    return n === f.zeroIs ? 0 : n;
  }
  if (typeof v === 'bigint' || f.bits > 32) {
    const big = uintBig(ctx, f.name, v, f.bits);
    return f.bits > 48 ? big : Number(big);
  }
  return uint(ctx, f.name, v, f.bits);
}

/** The option keys an entry's builder takes (its fields' keys and `control`), computed once an entry: builders run for every command. */
const OPTION_KEYS = new WeakMap<CdbEntry, ReadonlySet<string>>();
function optionKeys(entry: CdbEntry): ReadonlySet<string> {
  let keys = OPTION_KEYS.get(entry);
  if (!keys) {
    const k = new Set<string>(['control']);
    for (const f of entry.fields) if (f.key) k.add(f.key);
    OPTION_KEYS.set(entry, (keys = k));
  }
  return keys;
}

/** Builder options: a value per field key (booleans for flags); absent ones take the field's default or 0. */
export type CdbOptions = { readonly [key: string]: number | bigint | boolean | undefined };

/**
 * Builds the CDB of a catalogue entry: every option must be a field of the command (else E_RANGE "the CDB
 * has no X field", so that a caller never believes it was sent) and fit it (E_RANGE naming the field).
 * A family entry (an operation code with service actions) takes the service action `sa` to send, so that
 * negative tests can send one the catalogue does not list; one the catalogue lists is laid out by its own entry.
 */
export function encodeCdb(family: CdbEntry, o: CdbOptions, ctx: string = family.name, sa: number | undefined = family.sa): Buffer {
  // a service action with an entry of its own is laid out by that entry, whichever entry the caller held
  const entry = family.serviceActions && sa !== undefined ? (catalogueEntry(family.op, sa) ?? family) : family;
  const length = entry.length;
  if (length === undefined) throw rangeError(`${ctx}: variable-length CDBs are not built from the catalogue`);
  const control = controlField(length);
  const keys = optionKeys(entry);
  for (const k of Object.keys(o)) if (!keys.has(k)) noField(ctx, OPTION_NAMES.get(k) ?? k.toUpperCase(), o[k]);
  const values = entry.fields.map((f) => (f.key ? fieldValue(ctx, f, o[f.key]) : 0));
  const ctl = fieldValue(ctx, control, o.control);
  const b = Buffer.alloc(length);
  b[0] = entry.op;
  if (sa !== undefined) b[1] = uint(ctx, 'SERVICE ACTION', sa, 5);
  entry.fields.forEach((f, i) => {
    const v = values[i]!;
    if (v !== 0 && v !== 0n) writeField(b, f, v);
  });
  b[length - 1] = Number(ctl);
  return b;
}

/** A CDB decoded against the catalogue. */
export interface DecodedCdb {
  entry: CdbEntry;
  /** The command's name (with an unknown service action: `'MAINTENANCE IN SA 0x1f'`). */
  name: string;
  /** SERVICE ACTION, for operation codes that have one. */
  sa?: number;
  /** Every keyed field's value (a `zeroIs` field gives the value it stands for), and `control`. */
  values: CdbValues;
}

/**
 * Decodes a CDB: SCSI_E_DECODE for an empty CDB, an unknown operation code, a variable-length CDB, or one
 * shorter than its command. Bytes past the command's length are ignored.
 */
export function decodeCdb(cdb: Buffer): DecodedCdb {
  if (!Buffer.isBuffer(cdb) || cdb.length === 0) throw decodeError('CDB: empty');
  const sa = saOf(cdb);
  const entry = catalogueEntry(cdb[0]!, sa);
  const name = opcodeName(cdb[0]!, sa);
  if (!entry) throw decodeError(`CDB: ${name} is not in the command catalogue [${hexBytes(cdb)}]`);
  if (entry.length === undefined) throw decodeError(`CDB: ${name} has a variable length [${hexBytes(cdb)}]`);
  if (cdb.length < entry.length) throw decodeError(`CDB: ${name} needs ${entry.length} bytes, got ${cdb.length} [${hexBytes(cdb)}]`);
  const values: Record<string, number | bigint> = {};
  for (const f of entry.fields) {
    if (!f.key) continue;
    const v = readField(cdb, f);
    values[f.key] = f.zeroIs !== undefined && v === 0 ? f.zeroIs : v;
  }
  values.control = cdb[entry.length - 1]!;
  return { entry, name, ...(sa === undefined ? {} : { sa }), values };
}

/** The field of a command with this key (throws for a key the command does not have: a programming error). */
export function cdbField(entry: CdbEntry, key: string): CdbField {
  const f = key === 'control' && entry.length !== undefined ? controlField(entry.length) : entry.fields.find((x) => x.key === key);
  if (!f) throw rangeError(`${entry.name}: the CDB has no field ${key}`);
  return f;
}

// --- describeCdb ------------------------------------------------------------------------------------------------

function describeField(f: CdbField, v: CdbValues): string | undefined {
  const x = v[f.key!]!;
  if (f.show === undefined) {
    if (!x) return undefined;
    if (f.bits === 1) return f.label;
  } else if (f.show !== 'always' && !f.show(v)) {
    return undefined;
  }
  return `${f.label}=${f.hex ? hex(x) : String(x)}`;
}

/**
 * One line for failure messages: `'READ(10) LBA=100 LEN=8'`, `'WRITE(16) LBA=2097151 LEN=1 FUA'`,
 * `'INQUIRY EVPD PAGE=0xb0 ALLOC=255'`, `'MODE SENSE(6) PAGE=0x3f ALLOC=255'`. Flags and non-zero numeric
 * fields follow the LBA and length; a non-zero CONTROL byte is shown as `CONTROL=0xNN`. Unknown operation
 * codes give `'OPCODE 0xNN [c0 00 ...]'`; a CDB too short for its operation code gives its name, the bytes
 * and `(short CDB)`.
 */
export function describeCdb(cdb: Buffer): string {
  if (!Buffer.isBuffer(cdb) || cdb.length === 0) return 'EMPTY CDB';
  const name = cdbName(cdb);
  const entry = lookupCdb(cdb);
  const expected = cdbLength(cdb[0]!);
  if (!entry || expected === undefined) return `${name} [${hexBytes(cdb)}]`;
  if (cdb.length < expected) return `${name} [${hexBytes(cdb)}] (short CDB)`;
  const { values } = decodeCdb(cdb);
  const parts = [name];
  for (const f of entry.fields) {
    if (!f.key || !f.label) continue;
    const s = describeField(f, values);
    if (s) parts.push(s);
  }
  if (values.control) parts.push(`CONTROL=${hex(values.control)}`);
  return parts.join(' ');
}

// --- what a command moves, and its usage data ------------------------------------------------------------------

/**
 * The data a decoded CDB moves: none (0 bytes), Data-In or Data-Out of a length the CDB gives; undefined
 * when the CDB alone does not tell (VERIFY's BYTCHK, WRITE SAME's NDOB, commands only named here).
 */
export function cdbTransfer(d: DecodedCdb, blockSize: number): { dir: 'none' | 'in' | 'out'; bytes: number } | undefined {
  const t = d.entry.transfer;
  if (t.dir === 'none') return { dir: 'none', bytes: 0 };
  if (t.dir === 'varies') return undefined;
  if ('bytes' in t) return { dir: t.dir, bytes: t.bytes };
  if (!('field' in t)) return undefined;
  const v = Number(d.values[t.field] ?? 0);
  return { dir: t.dir, bytes: t.unit === 'blocks' ? v * blockSize * (t.times ?? 1) : v };
}

/**
 * The CDB usage data (REPORT SUPPORTED OPERATION CODES, SPC-5) of a device server that evaluates every
 * field of the entry except those keyed in `without`: byte 0 the operation code, then the bits it looks
 * at (SERVICE ACTION and CONTROL excluded: the caller adds the service action; no CONTROL bit is
 * supported); and the obsolete bits it accepts and ignores.
 */
export function cdbUsage(entry: CdbEntry, without: readonly string[] = []): { usage: number[]; obsolete: number[] } {
  const length = entry.length;
  if (length === undefined) throw rangeError(`${entry.name}: a variable-length CDB has no usage map here`);
  const usage = new Array<number>(length).fill(0);
  const obsolete = new Array<number>(length).fill(0);
  usage[0] = entry.op;
  for (const k of without) if (!entry.fields.some((f) => f.key === k)) throw rangeError(`${entry.name}: no field ${k} to leave out of the usage map`);
  for (const f of entry.fields) {
    if (f.restricted || (f.key && without.includes(f.key))) continue;
    const into = f.obsolete ? obsolete : usage;
    fieldMask(f).forEach((m, i) => (into[f.byte + i]! |= m));
  }
  return { usage, obsolete };
}

/** Reserved bits of the CONTROL byte (SAM-5 5.2: bits 7-6 vendor specific, 5-3 reserved, 2 NACA, 1-0 obsolete). */
const CONTROL_RESERVED = 0x38;

/**
 * The reserved bits of a command's CDB, byte by byte (only bytes that have some): every bit of bytes 1 to
 * length-2 that no field (obsolete and restricted ones included) and not the SERVICE ACTION claims, and the
 * reserved bits of the CONTROL byte.
 */
export function reservedBits(entry: CdbEntry): { byte: number; mask: number }[] {
  const length = entry.length;
  if (length === undefined) throw rangeError(`${entry.name}: a variable-length CDB has no reserved-bit map here`);
  const used = new Array<number>(length).fill(0);
  if (entry.sa !== undefined || entry.serviceActions) used[1] = 0x1f;
  for (const f of entry.fields) fieldMask(f).forEach((m, i) => (used[f.byte + i]! |= m));
  const out: { byte: number; mask: number }[] = [];
  for (let i = 1; i < length - 1; i++) if (used[i] !== 0xff) out.push({ byte: i, mask: ~used[i]! & 0xff });
  out.push({ byte: length - 1, mask: CONTROL_RESERVED });
  return out;
}

/**
 * What tests need to know of an LBA command's CDB: its name, length and clause, the largest LBA and length
 * (in blocks) its fields hold, and the bytes of those fields and of GROUP NUMBER (where field pointers
 * point).
 */
export interface LbaCdbShape {
  name: string;
  size: number;
  clause: string;
  op: number;
  maxLba: bigint;
  maxBlocks: number;
  lbaByte: number;
  lenByte: number;
  groupByte?: number;
}

/** The `LbaCdbShape` of a catalogued LBA command (READ, WRITE, VERIFY, WRITE SAME, PRE-FETCH...). */
export function lbaCdbShape(op: number, sa?: number): LbaCdbShape {
  const e = catalogueEntry(op, sa);
  if (!e || e.length === undefined) throw rangeError(`operation code ${hex(op)} is not in the command catalogue`);
  const lba = cdbField(e, 'lba');
  const len = cdbField(e, 'blocks');
  const group = e.fields.find((f) => f.key === 'group');
  return {
    name: e.name,
    size: e.length,
    clause: e.clause ?? e.name,
    op,
    maxLba: (1n << BigInt(lba.bits)) - 1n,
    maxBlocks: len.zeroIs ?? 2 ** len.bits - 1,
    lbaByte: lba.byte,
    lenByte: len.byte,
    ...(group ? { groupByte: group.byte } : {}),
  };
}
