/**
 * What every everyday tool shares: strict option parsing (an unknown option is exit 2), opening a session
 * to an iscsi:// URL with the harness's URL syntax, CHAP handling and exit codes (a bad URL is 2, a portal
 * that does not answer or refuses the login is 3), sending one SCSI command and insisting on GOOD (anything
 * else is exit 1, naming the command and the answer), and reading hex from a log line.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';
import { IscsiError } from '../protocol/errors.js';
import { describeCdb, describeSense, ScsiStatus, SenseKey, statusName } from '../protocol/scsi/index.js';
import { ExitError, usageError } from '../harness/errors.js';
import { hostPort, parseIscsiUrl, ScsiResult, secretOnCommandLine, Session, SessionOptions } from '../harness/initiator/index.js';
import type { IscsiUrl } from '../harness/initiator/index.js';
import { DEFAULT_INITIATOR } from '../harness/target-under-test.js';

/** Where a tool writes its report. */
export interface ToolIo {
  out: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every tool that logs in takes. */
export const LOGIN_OPTIONS = {
  'initiator-name': { type: 'string', short: 'i' },
  timeout: { type: 'string' },
} as const satisfies Options;

/** Parse a tool's arguments strictly; every mistake is a usage error naming the tool. */
export function parseToolArgs<O extends Options>(tool: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(`${tool}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
}

/** Exactly one positional argument, else a usage error showing the synopsis. */
export function onePositional(tool: string, positionals: string[], what: string, synopsis: string): string {
  if (positionals.length !== 1)
    throw usageError(
      `${tool}: ${positionals.length === 0 ? `${what} is missing` : `one ${what} only, got ${positionals.length}`} (usage: iscsi-test ${synopsis})`,
    );
  return positionals[0]!;
}

/** A number option within bounds (decimal or 0x hex), else a usage error. */
export function numberOption(tool: string, name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw usageError(`${tool}: --${name}=${text}: expected a number in ${min}..${max}`);
  return n;
}

/** Parse an iscsi:// URL; a malformed one is exit 2. `portal`: host and port only are needed. */
export function urlArg(text: string, env: NodeJS.ProcessEnv, o: { portal?: boolean } = {}): IscsiUrl {
  // A portal may be given bare, as host[:port]; iscsi-ls wants the scheme, we accept both.
  const url = o.portal && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? `iscsi://${text}` : text;
  const warning = secretOnCommandLine(url, 'iscsi-test');
  if (warning) process.stderr.write(`${warning}\n`);
  try {
    return parseIscsiUrl(url, env, { requireLun: !o.portal });
  } catch (e) {
    if (IscsiError.is(e, 'ISCSI_E_URL')) throw usageError(e.message);
    throw e;
  }
}

/** How long a login may take and how long a command may wait, from --timeout (seconds, default 15). */
export function timeoutMs(tool: string, text: string | undefined): number {
  return 1000 * numberOption(tool, 'timeout', text, 15, 1, 3600);
}

/** Open a normal session to `u`'s target (LUN from the URL); no answer or a refused login is exit 3. */
export async function openSession(u: IscsiUrl, initiatorName: string | undefined, limitMs: number, extra: Partial<SessionOptions> = {}): Promise<Session> {
  const o: SessionOptions = {
    host: u.host,
    port: u.port,
    initiatorName: initiatorName ?? DEFAULT_INITIATOR,
    connectTimeoutMs: Math.min(limitMs, 10_000),
    loginTimeoutMs: limitMs,
    timeoutMs: limitMs,
    ...(u.target !== undefined ? { targetName: u.target } : {}),
    ...(u.lun !== undefined ? { lun: u.lun } : {}),
    ...(u.chap ? { chap: u.chap } : {}),
    ...(u.targetChap ? { targetChap: u.targetChap } : {}),
    ...(u.headerDigest ? { headerDigest: u.headerDigest } : {}),
    ...(u.dataDigest ? { dataDigest: u.dataDigest } : {}),
    ...extra,
  };
  try {
    return await Session.open(o);
  } catch (e) {
    throw loginFailure(e, u, o.sessionType === 'Discovery' ? undefined : u.target);
  }
}

/** The exit-3 error for a connection or login that failed. */
export function loginFailure(e: unknown, u: Pick<IscsiUrl, 'host' | 'port'>, target: string | undefined): ExitError {
  const where = hostPort(u.host, u.port);
  const why = e instanceof Error ? e.message : String(e);
  if (IscsiError.is(e, 'ISCSI_E_CONNECT') || (IscsiError.is(e, 'ISCSI_E_TIMEOUT') && !target)) return new ExitError(3, `cannot reach ${where}: ${why}`);
  return new ExitError(3, `cannot log in to ${target ? `${target} at ` : ''}${where}: ${why}`);
}

/** The exit-1 error: the target answered a command the tool needs with something other than GOOD. */
export class ToolFailure extends ExitError {
  constructor(message: string) {
    super(1, message);
  }
}

/** Unit attentions a fresh nexus may hold (power on, reset, parameters changed) before the real answer. */
const MAX_UNIT_ATTENTIONS = 8;

/**
 * Send one command and return its result if GOOD; unit attentions of the new nexus are cleared by sending
 * it again. Anything else throws ToolFailure naming the command and the answer (exit 1); no answer within
 * the limit, a dropped connection or a protocol error of the target do too.
 */
export async function command(
  s: Session,
  cdb: Buffer,
  o: { dataIn?: number; dataOut?: Buffer; into?: Buffer; lun?: number | bigint; timeoutMs?: number } = {},
): Promise<ScsiResult> {
  const what = describeCdb(cdb);
  for (let i = 0; ; i++) {
    let r: ScsiResult;
    try {
      r = await s.command({ cdb, ...o });
    } catch (e) {
      if (e instanceof IscsiError) throw new ToolFailure(`${what}: ${e.message}`);
      throw e;
    }
    if (r.response !== 0) throw new ToolFailure(`${what}: iSCSI response ${r.response} (the target did not complete the command)`);
    if (r.status === ScsiStatus.GOOD) return r;
    if (r.status === ScsiStatus.CHECK_CONDITION && r.sense?.key === SenseKey.UNIT_ATTENTION && i < MAX_UNIT_ATTENTIONS) continue;
    throw new ToolFailure(`${what}: ${outcome(r)}`);
  }
}

/** `'CHECK CONDITION ILLEGAL REQUEST/INVALID FIELD IN CDB'`, `'BUSY'`… */
export function outcome(r: Pick<ScsiResult, 'status' | 'sense' | 'senseError'>): string {
  const st = statusName(r.status);
  if (r.status !== ScsiStatus.CHECK_CONDITION) return st;
  if (r.sense) return `${st} ${describeSense(r.sense)}`;
  return `${st} (${r.senseError ?? 'no sense data'})`;
}

/** Log out, bounded; a target that does not answer the Logout is dropped. */
export async function closeQuietly(s: Session | undefined): Promise<void> {
  if (!s) return;
  try {
    await s.close(2000);
  } catch {
    s.destroy();
  }
}

/**
 * Bytes from hex as logs print it: `70 00 05 00`, `70:00:05`, `0x70,0x00`, `700005…`. A character that is
 * not a hex digit or a separator, or an odd number of digits in a run, is exit 2 naming where.
 */
export function parseHex(tool: string, text: string): Buffer {
  const bytes: number[] = [];
  const tokens = text
    .trim()
    .split(/[\s,:;-]+/)
    .filter(Boolean);
  if (tokens.length === 0) throw usageError(`${tool}: no hex given`);
  for (const tok of tokens) {
    const digits = tok.replace(/^0x/i, '');
    const bad = /[^0-9a-f]/i.exec(digits);
    if (bad) throw usageError(`${tool}: malformed hex "${text}": "${bad[0]}" in "${tok}" is not a hex digit`);
    if (digits.length === 0) throw usageError(`${tool}: malformed hex "${text}": "${tok}" has no digits`);
    // "0x5" or "5" between separators is one byte; a long run must be whole bytes.
    if (digits.length > 2 && digits.length % 2 !== 0) throw usageError(`${tool}: malformed hex "${text}": "${tok}" has an odd number of digits`);
    if (digits.length <= 2) bytes.push(parseInt(digits, 16));
    else for (let i = 0; i < digits.length; i += 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
  }
  if (bytes.length > 65536) throw usageError(`${tool}: ${bytes.length} bytes is more than any sense buffer or CDB`);
  return Buffer.from(bytes);
}

/** A classic hex dump: offset, 16 bytes, their printable ASCII. */
export function hexDump(buf: Buffer, indent = ''): string {
  const lines: string[] = [];
  for (let off = 0; off < buf.length; off += 16) {
    const row = buf.subarray(off, off + 16);
    const hexPart = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${indent}${off.toString(16).padStart(4, '0')}  ${hexPart.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** A section of decoded output: a title and its fields, in the order of the standard's table. */
export interface Section {
  title: string;
  fields: [string, string | number | boolean | bigint][];
  /** Nested parts (designation descriptors). */
  parts?: Section[];
}

/** Sections as `Title` lines and indented `Field: value` lines, the field names aligned. */
export function renderSections(sections: Section[], indent = ''): string {
  let out = '';
  for (const s of sections) {
    out += `${indent}${s.title}\n`;
    const w = Math.max(0, ...s.fields.map(([k]) => k.length));
    for (const [k, v] of s.fields) out += `${indent}  ${(k + ':').padEnd(w + 1)} ${typeof v === 'boolean' ? (v ? 1 : 0) : String(v)}\n`;
    if (s.parts?.length) out += renderSections(s.parts, indent + '  ');
  }
  return out;
}

/** JSON with bigints as numbers when safe, else strings. */
export function toJson(v: unknown): string {
  return (
    JSON.stringify(
      v,
      (_k, x: unknown) => {
        if (typeof x === 'bigint') return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString();
        // Buffer.toJSON has run by now: { type: 'Buffer', data: [...] }.
        if (x && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data))
          return Buffer.from((x as { data: number[] }).data).toString('hex');
        return x;
      },
      2,
    ) + '\n'
  );
}

/** Human size with binary units: `64 MiB`, `1.5 GiB`, `512 B`. */
export function sizeText(bytes: bigint | number): string {
  const b = Number(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
