/**
 * Configuration of the reference target: portals, target nodes with their LUNs, CHAP accounts,
 * initiator ACLs and iSCSI parameters. Read from an ietd.conf-style file (ietd(8), ietd.conf(5)) or
 * built by the quick mode's command line (`--lun 0:memory:1G`). Every error names the file, line and
 * what was wrong.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { IscsiError } from '../protocol/errors.js';
import { KEYS } from '../protocol/iscsi/index.js';
import type { LunConfig } from './scsi/index.js';
import { MAX_LATENCY_MS } from './scsi/latency.js';

export interface Account {
  user: string;
  secret: string;
}

export interface TargetNodeConfig {
  iqn: string;
  alias?: string;
  luns: LunConfig[];
  /** CHAP accounts initiators must prove (IncomingUser); none: AuthMethod None. */
  incomingUsers?: Account[];
  /** The account this target proves to initiators asking for mutual CHAP (OutgoingUser). */
  outgoingUser?: Account;
  /**
   * Who may reset the whole target (TARGET WARM RESET, TARGET COLD RESET): 'all' (the default: any
   * initiator logged in to it), 'none', or these initiator names (TargetReset lines). Others are answered
   * "Function authorization failed" (RFC 7143 11.6.1).
   */
  targetReset?: 'all' | 'none' | string[];
  /** Initiator names allowed to log in (InitiatorName / AllowInitiator lines); none: all. */
  allowInitiators?: string[];
  /** Initiator names refused even when the ACL above lets every initiator in (DenyInitiator lines, ietd's initiators.deny). */
  denyInitiators?: string[];
  /** iSCSI operational keys (HeaderDigest, MaxBurstLength, ...) this target accepts or limits. */
  params?: Record<string, string>;
  /** Commands a session may have outstanding: sets the CmdSN window (MaxCmdSN). */
  queueDepth?: number;
  /** How long a SANITIZE operation lasts (ms); SANITIZE IN PROGRESS is reported meanwhile. */
  sanitizeDurationMs?: number;
  /** NOPInterval / NOPTimeout given inside this Target: they override the server-wide ones for its sessions. */
  nopInterval?: number;
  nopTimeout?: number;
}

export interface TargetServerConfig {
  address?: string;
  port?: number;
  /** Target portal group tag of the portal. */
  tpgt?: number;
  targets: TargetNodeConfig[];
  /**
   * Answer repeated CHAP failures of one initiator ever later (auth-throttle.ts; default true). The
   * project's self-tests turn it off: they fail CHAP on purpose many times in a row.
   */
  authFailureDelay?: boolean;
  /** CHAP accounts for discovery sessions (IncomingUser outside any Target). */
  discoveryUsers?: Account[];
  discoveryOutgoingUser?: Account;
  /** Seconds between NOP-In pings on an idle connection (0: none). */
  nopInterval?: number;
  /** Seconds to wait for the answer to a NOP-In ping before dropping the connection. */
  nopTimeout?: number;
  /** Seconds a login may take before the connection is dropped. */
  loginTimeout?: number;
  /** Log level: 0 logins, logouts and everything refused; 1 also every PDU in and out (-d/--debug). */
  debug?: number;
  /** Most sessions at once (further logins get "out of resources"; default 1024, and twice as many connections). */
  maxSessions?: number;
  quirks?: string[];
  /** iSNS server to register with (host[:port]). */
  isns?: string;
  /** iSNSAccessControl Yes: a node admits only initiators in a discovery domain with it. */
  isnsAccessControl?: boolean;
  /** Registration Period to ask the iSNS server for, in seconds (default 60). */
  isnsRegistrationPeriod?: number;
  /** Bytes of write data one session may hold (SessionDataBudget; default 64 MiB: the largest write taken fits). */
  sessionDataBudget?: number;
  /** Bytes of write data all sessions together may hold (TargetDataBudget; default 256 MiB). */
  targetDataBudget?: number;
  /** Seconds an initiator may hold back Data-Out it was asked for before it is dropped (DataTimeout; default 30). */
  dataTimeout?: number;
}

/** Defaults of the target's own iSCSI limits (what it offers and accepts). */
export const TARGET_DEFAULT_PARAMS: Readonly<Record<string, string>> = {
  HeaderDigest: 'None,CRC32C',
  DataDigest: 'None,CRC32C',
  MaxConnections: '1',
  InitialR2T: 'Yes',
  ImmediateData: 'Yes',
  MaxRecvDataSegmentLength: '262144',
  MaxBurstLength: '1048576',
  FirstBurstLength: '262144',
  DefaultTime2Wait: '2',
  DefaultTime2Retain: '20',
  MaxOutstandingR2T: '8',
  DataPDUInOrder: 'Yes',
  DataSequenceInOrder: 'Yes',
  ErrorRecoveryLevel: '0',
  TaskReporting: 'RFC3720',
  iSCSIProtocolLevel: '1',
  RDMAExtensions: 'No',
};

const SIZE_RE = /^([0-9]+(?:\.[0-9]+)?)([KMGTP]?)(i?B?)?$/i;

/** Parse a size: bytes, or with K/M/G/T/P (powers of 1024): 64M, 1G, 512. */
export function parseSize(s: string): number | undefined {
  const m = SIZE_RE.exec(s.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };
  const n = Math.floor(Number(m[1]) * mult[m[2]!.toUpperCase()]!);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

const IQN_RE = /^(iqn\.[0-9]{4}-[0-9]{2}\.[a-z0-9.-]+(:[^\s]*)?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$/;
export const isIscsiName = (s: string): boolean => IQN_RE.test(s);

const cfgError = (where: string, msg: string) => new IscsiError('E_CONFIG', `${where}: ${msg}`);

/**
 * A quick-mode LUN spec: `N:memory:SIZE`, `N:sparse:SIZE`, `N:file:PATH:SIZE`, each optionally followed
 * by `,ro`, `,thin`, `,removable`, `,bs=4096`, `,lbppbe=3`, `,latency=MS`.
 */
export function parseLunSpec(spec: string): LunConfig {
  const where = `--lun ${spec}`;
  const [main, ...flags] = spec.split(',');
  const parts = main!.split(':');
  const lun = Number(parts[0]);
  if (!/^[0-9]{1,5}$/.test(parts[0] ?? '') || lun > 16383) throw cfgError(where, `LUN "${parts[0]}" is not a number in 0..16383`);
  const kind = parts[1];
  let cfg: LunConfig;
  if (kind === 'memory' || kind === 'sparse') {
    if (parts.length !== 3) throw cfgError(where, `expected ${lun}:${kind}:SIZE`);
    const size = parseSize(parts[2]!);
    if (size === undefined) throw cfgError(where, `size "${parts[2]}" is not a size such as 64M or 1G`);
    cfg = { lun, backing: kind, size };
  } else if (kind === 'file') {
    if (parts.length < 4) throw cfgError(where, `expected ${lun}:file:PATH:SIZE`);
    const sizeText = parts[parts.length - 1]!;
    const size = parseSize(sizeText);
    if (size === undefined) throw cfgError(where, `size "${sizeText}" is not a size such as 64M or 1G`);
    const path = parts.slice(2, -1).join(':');
    if (!path) throw cfgError(where, 'the file path is empty');
    cfg = { lun, backing: 'file', path, size };
  } else {
    throw cfgError(where, `backing "${kind ?? ''}" is not memory, sparse or file`);
  }
  for (const f of flags) applyLunFlag(cfg, f, where);
  checkLunSize(cfg, where, `size ${cfg.size}`);
  return cfg;
}

/** A LUN holds at least one block, and a memory LUN (allocated up front) fits in this machine's memory. */
function checkLunSize(cfg: LunConfig, where: string, what: string): void {
  const bs = cfg.blockSize ?? 512;
  if (cfg.size < bs) throw cfgError(where, `${what} is less than one ${bs}-byte block`);
  if (cfg.backing === 'memory' && cfg.size > totalmem()) {
    throw cfgError(where, `${what}: a memory LUN is allocated up front and this machine has ${totalmem()} bytes of memory (use sparse)`);
  }
}

/** A LUN's latency in milliseconds (scsi/latency.ts): a whole number up to MAX_LATENCY_MS. */
function latencyOf(v: string | undefined, where: string, key: string): number {
  if (!/^[0-9]{1,5}$/.test(v ?? '') || Number(v) > MAX_LATENCY_MS) throw cfgError(where, `${key}=${v}: expected milliseconds, 0..${MAX_LATENCY_MS}`);
  return Number(v);
}

function applyLunFlag(cfg: LunConfig, f: string, where: string): void {
  const [k, v] = f.split('=');
  switch (k) {
    case 'ro':
      cfg.readOnly = true;
      break;
    case 'thin':
      cfg.thin = true;
      break;
    case 'removable':
      cfg.removable = true;
      break;
    case 'bs':
      if (v !== '512' && v !== '4096') throw cfgError(where, `bs=${v}: the block size must be 512 or 4096`);
      cfg.blockSize = Number(v) as 512 | 4096;
      break;
    case 'lbppbe':
      if (!/^[0-9]{1,2}$/.test(v ?? '') || Number(v) > 15) throw cfgError(where, `lbppbe=${v}: expected 0..15`);
      cfg.lbppbExponent = Number(v);
      break;
    case 'latency':
      cfg.latencyMs = latencyOf(v, where, 'latency');
      break;
    default:
      throw cfgError(where, `unknown LUN option "${f}" (known: ro, thin, removable, bs=512|4096, lbppbe=N, latency=MS)`);
  }
}

/**
 * The operational keys a config may set for a target (RFC 7143 13), with values the target implements:
 * its sessions have one connection, ErrorRecoveryLevel 0 and data in order, whatever is negotiated.
 */
const SETTABLE: Readonly<Record<string, { only?: string; why?: string }>> = {
  HeaderDigest: {},
  DataDigest: {},
  MaxRecvDataSegmentLength: {},
  MaxBurstLength: {},
  FirstBurstLength: {},
  DefaultTime2Wait: {},
  DefaultTime2Retain: {},
  MaxOutstandingR2T: {},
  InitialR2T: {},
  ImmediateData: {},
  MaxConnections: { only: '1', why: 'this target takes one connection per session' },
  ErrorRecoveryLevel: { only: '0', why: 'this target implements ErrorRecoveryLevel 0 only' },
  DataPDUInOrder: { only: 'Yes', why: 'this target takes Data-Out PDUs in order only' },
  DataSequenceInOrder: { only: 'Yes', why: 'this target takes data sequences in order only' },
};

/** iSCSI keys a config may set for a target, and the numeric ones' ranges (from the shared key table). */
function checkParam(where: string, key: string, value: string): void {
  const def = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
  const settable = Object.hasOwn(SETTABLE, key) ? SETTABLE[key] : undefined;
  if (!def || !settable) {
    throw cfgError(where, `"${key}" is not an iSCSI key a target can set${def ? ' in its configuration' : ''}`);
  }
  if (def.type === 'numeric' || def.type === 'declarative-numeric') {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < def.min! || n > def.max!) throw cfgError(where, `${key} ${value}: expected a number in ${def.min}..${def.max}`);
  } else if (def.type === 'boolean') {
    if (value !== 'Yes' && value !== 'No') throw cfgError(where, `${key} ${value}: expected Yes or No`);
  } else if (def.type === 'list') {
    for (const v of value.split(',')) if (!def.values!.includes(v)) throw cfgError(where, `${key} ${value}: "${v}" is not one of ${def.values!.join(', ')}`);
  }
  if (settable.only !== undefined && value !== settable.only) throw cfgError(where, `${key} ${value}: ${settable.why} (${key} ${settable.only})`);
}

/** Check one iSCSI key a target is given outside a config file (the quick mode's --header-digest...). */
export function checkTargetParam(where: string, key: string, value: string): void {
  checkParam(where, key, value);
}

/**
 * Parse ietd.conf syntax:
 *   # comment
 *   IncomingUser user secret        (outside a Target: discovery sessions)
 *   SessionDataBudget 64M / TargetDataBudget 256M / DataTimeout 30   (outside a Target: write data memory)
 *   Target iqn.2026-11.org.example:disk1
 *     Lun 0 Path=/var/tmp/disk.img,Type=fileio,Size=1G[,ReadOnly=Yes][,Thin=Yes][,Removable=Yes][,BlockSize=4096][,Latency=MS]
 *     Lun 1 Type=memory,Size=64M
 *     IncomingUser alice secret12345
 *     OutgoingUser target secret67890
 *     InitiatorName iqn.1993-08.org.debian:01:host      (ACL; repeatable)
 *     TargetReset All | None | iqn.1993-08.org.debian:01:admin   (who may reset the target; repeatable names)
 *     Alias disk1
 *     QueuedCommands 128
 *     HeaderDigest CRC32C,None
 *     MaxBurstLength 262144
 *     NOPInterval 10 / NOPTimeout 5     (inside a Target: its own; before any Target: every target's)
 *     ...any operational key of RFC 7143 section 13
 */
export function parseConfigText(text: string, file = 'config'): TargetServerConfig {
  const cfg: TargetServerConfig = { targets: [] };
  let cur: TargetNodeConfig | undefined;
  /** Where each target's (or, for undefined, discovery's) OutgoingUser and burst keys were given, for later checks. */
  const lineOf = new Map<TargetNodeConfig | undefined, Record<string, string>>();
  const remember = (key: string, where: string) => {
    const m = lineOf.get(cur) ?? {};
    m[key] = where;
    lineOf.set(cur, m);
  };
  const lines = text.split(/\r?\n/);
  if (lines.length > 100_000) throw cfgError(file, 'more than 100000 lines');
  lines.forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [key, ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    const need = (n: number, usage: string) => {
      if (rest.length !== n) throw cfgError(where, `${key} takes ${usage}`);
    };
    switch (key) {
      case 'Target':
        need(1, 'one iSCSI name');
        if (!isIscsiName(arg)) throw cfgError(where, `"${arg}" is not an iSCSI name (iqn.YYYY-MM.reversed.domain[:id], eui. or naa.)`);
        if (cfg.targets.some((t) => t.iqn === arg)) throw cfgError(where, `target ${arg} is defined twice`);
        cur = { iqn: arg, luns: [] };
        cfg.targets.push(cur);
        return;
      case 'IncomingUser':
      case 'OutgoingUser': {
        need(2, 'a user name and a secret');
        const acct = { user: rest[0]!, secret: rest[1]! };
        if (acct.secret.length < 12)
          throw cfgError(where, `${key} ${acct.user}: a CHAP secret must be at least 12 characters (RFC 7143 12.1.3 advises 96 bits or more)`);
        if (key === 'IncomingUser') {
          const users = cur ? (cur.incomingUsers ??= []) : (cfg.discoveryUsers ??= []);
          if (users.some((u) => u.user === acct.user))
            throw cfgError(where, `IncomingUser ${acct.user} is given twice for ${cur ? `target ${cur.iqn}` : 'discovery'}`);
          users.push(acct);
        } else if (cur) {
          if (cur.outgoingUser) throw cfgError(where, `target ${cur.iqn} has two OutgoingUser lines`);
          cur.outgoingUser = acct;
        } else {
          if (cfg.discoveryOutgoingUser) throw cfgError(where, 'discovery has two OutgoingUser lines');
          cfg.discoveryOutgoingUser = acct;
        }
        if (key === 'OutgoingUser') remember(key, where);
        return;
      }
      case 'Address':
        need(1, 'an address');
        cfg.address = arg;
        return;
      case 'Port':
        need(1, 'a port number');
        if (!/^[0-9]{1,5}$/.test(arg) || Number(arg) > 65535) throw cfgError(where, `Port ${arg}: expected 0..65535`);
        cfg.port = Number(arg);
        return;
      case 'SessionDataBudget':
      case 'TargetDataBudget': {
        need(1, 'a size (64M, 1G)');
        const n = parseSize(arg);
        if (n === undefined || n < 1 << 20) throw cfgError(where, `${key} ${arg}: expected a size of at least 1M (64M, 1G)`);
        if (key === 'SessionDataBudget') cfg.sessionDataBudget = n;
        else cfg.targetDataBudget = n;
        return;
      }
      case 'DataTimeout':
      case 'NOPInterval':
      case 'NOPTimeout':
      case 'LoginTimeout':
      case 'MaxSessions': {
        need(1, 'a number');
        if (!/^[0-9]{1,6}$/.test(arg)) throw cfgError(where, `${key} ${arg}: expected a whole number`);
        const n = Number(arg);
        // Inside a Target (as in ietd.conf) they are that target's; before any Target, every target's.
        if (key === 'NOPInterval') (cur ?? cfg).nopInterval = n;
        else if (key === 'NOPTimeout') (cur ?? cfg).nopTimeout = n;
        else if (key === 'LoginTimeout') cfg.loginTimeout = n;
        else if (key === 'DataTimeout') {
          if (n < 1) throw cfgError(where, 'DataTimeout 0: expected at least 1 second');
          cfg.dataTimeout = n;
        } else cfg.maxSessions = n;
        return;
      }
      case 'iSNSServer':
        need(1, 'host[:port]');
        cfg.isns = arg;
        return;
      case 'AuthFailureDelay':
        need(1, 'Yes or No');
        if (cur) throw cfgError(where, 'AuthFailureDelay applies to the whole target server: give it before any Target');
        if (!/^(yes|no)$/i.test(arg)) throw cfgError(where, `AuthFailureDelay ${arg}: expected Yes or No`);
        cfg.authFailureDelay = /^yes$/i.test(arg);
        return;
      case 'iSNSAccessControl':
        need(1, 'Yes or No');
        if (!/^(yes|no)$/i.test(arg)) throw cfgError(where, `iSNSAccessControl ${arg}: expected Yes or No`);
        cfg.isnsAccessControl = /^yes$/i.test(arg);
        return;
    }
    if (!cur) throw cfgError(where, `"${key}" must follow a Target line`);
    switch (key) {
      case 'Lun': {
        const lun = parseLunLine(where, rest);
        if (cur.luns.some((l) => l.lun === lun.lun)) throw cfgError(where, `target ${cur.iqn} defines LUN ${lun.lun} twice`);
        cur.luns.push(lun);
        return;
      }
      case 'Alias':
        if (!arg) throw cfgError(where, 'Alias needs a name');
        cur.alias = arg;
        return;
      case 'InitiatorName':
      case 'AllowInitiator':
        need(1, 'one iSCSI initiator name');
        if (!isIscsiName(arg)) throw cfgError(where, `"${arg}" is not an iSCSI name`);
        (cur.allowInitiators ??= []).push(arg);
        return;
      case 'DenyInitiator':
        need(1, 'one iSCSI initiator name');
        if (!isIscsiName(arg)) throw cfgError(where, `"${arg}" is not an iSCSI name`);
        (cur.denyInitiators ??= []).push(arg);
        return;
      case 'TargetReset': {
        need(1, 'All, None or one iSCSI initiator name');
        const prev = cur.targetReset;
        if (/^(all|none)$/i.test(arg)) {
          if (prev !== undefined) throw cfgError(where, `TargetReset ${arg} for target ${cur.iqn}: it already has TargetReset lines`);
          cur.targetReset = /^all$/i.test(arg) ? 'all' : 'none';
          return;
        }
        if (!isIscsiName(arg)) throw cfgError(where, `TargetReset "${arg}" is neither All, None nor an iSCSI name`);
        if (typeof prev === 'string')
          throw cfgError(where, `TargetReset ${arg} for target ${cur.iqn}: it already has TargetReset ${prev === 'all' ? 'All' : 'None'}`);
        (cur.targetReset = prev ?? []).push(arg);
        return;
      }
      case 'QueuedCommands':
        need(1, 'a number');
        if (!/^[0-9]{1,5}$/.test(arg) || Number(arg) < 1 || Number(arg) > 65536) throw cfgError(where, `QueuedCommands ${arg}: expected 1..65536`);
        cur.queueDepth = Number(arg);
        return;
      default:
        need(1, 'one value');
        checkParam(where, key!, arg);
        (cur.params ??= {})[key!] = arg;
        remember(key!, where);
    }
  });
  for (const t of cfg.targets) {
    const at = lineOf.get(t) ?? {};
    if (t.outgoingUser && !t.incomingUsers?.length)
      throw cfgError(at['OutgoingUser'] ?? file, `target ${t.iqn} has an OutgoingUser but no IncomingUser: mutual CHAP needs both`);
    // RFC 7143 13.14 (a MaxBurstLength given alone brings the default FirstBurstLength down at login).
    const fbl = t.params?.['FirstBurstLength'];
    const mbl = t.params?.['MaxBurstLength'] ?? TARGET_DEFAULT_PARAMS['MaxBurstLength']!;
    if (fbl !== undefined && Number(fbl) > Number(mbl)) {
      throw cfgError(at['FirstBurstLength']!, `target ${t.iqn}: FirstBurstLength ${fbl} exceeds MaxBurstLength ${mbl} (RFC 7143 13.14: it must not)`);
    }
  }
  if (cfg.discoveryOutgoingUser && !cfg.discoveryUsers?.length) {
    throw cfgError(lineOf.get(undefined)?.['OutgoingUser'] ?? file, 'discovery has an OutgoingUser but no IncomingUser: mutual CHAP needs both');
  }
  return cfg;
}

function parseLunLine(where: string, rest: string[]): LunConfig {
  if (rest.length !== 2) throw cfgError(where, 'Lun takes a number and Key=Value,... (Path=...,Type=fileio|memory|sparse,Size=...)');
  const lun = Number(rest[0]);
  if (!/^[0-9]{1,5}$/.test(rest[0]!) || lun > 16383) throw cfgError(where, `LUN "${rest[0]}" is not a number in 0..16383`);
  const kv: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of rest[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw cfgError(where, `"${part}" is not Key=Value`);
    const k = part.slice(0, eq);
    if (Object.hasOwn(kv, k)) throw cfgError(where, `Lun parameter ${k}= is given twice`);
    kv[k] = part.slice(eq + 1);
  }
  const type = kv['Type'] ?? (kv['Path'] ? 'fileio' : undefined);
  const sizeText = kv['Size'];
  const size = sizeText !== undefined ? parseSize(sizeText) : undefined;
  if (sizeText !== undefined && size === undefined) throw cfgError(where, `Size=${sizeText} is not a size such as 64M or 1G`);
  let cfg: LunConfig;
  if (type === 'fileio' || type === 'blockio') {
    if (!kv['Path']) throw cfgError(where, `Type=${type} needs Path=`);
    if (size === undefined) throw cfgError(where, 'a file LUN needs Size= (the file is created or extended to it)');
    cfg = { lun, backing: 'file', path: kv['Path'], size };
  } else if (type === 'memory' || type === 'sparse' || type === 'nullio') {
    if (size === undefined) throw cfgError(where, `Type=${type} needs Size=`);
    cfg = { lun, backing: type === 'memory' ? 'memory' : 'sparse', size };
  } else {
    throw cfgError(where, `Type=${type ?? ''} is not fileio, memory or sparse`);
  }
  const yes = (k: string) => {
    const v = kv[k];
    if (v === undefined) return false;
    if (v !== 'Yes' && v !== 'No') throw cfgError(where, `${k}=${v}: expected Yes or No`);
    return v === 'Yes';
  };
  if (yes('ReadOnly')) cfg.readOnly = true;
  if (yes('Thin')) cfg.thin = true;
  if (yes('Removable')) cfg.removable = true;
  if (kv['BlockSize'] !== undefined) {
    if (kv['BlockSize'] !== '512' && kv['BlockSize'] !== '4096') throw cfgError(where, `BlockSize=${kv['BlockSize']}: expected 512 or 4096`);
    cfg.blockSize = Number(kv['BlockSize']) as 512 | 4096;
  }
  if (kv['ScsiSN'] !== undefined) cfg.serial = kv['ScsiSN'];
  if (kv['Latency'] !== undefined) cfg.latencyMs = latencyOf(kv['Latency'], where, 'Latency');
  const known = new Set(['Path', 'Type', 'Size', 'ReadOnly', 'Thin', 'Removable', 'BlockSize', 'ScsiSN', 'IOMode', 'Latency']);
  for (const k of Object.keys(kv)) if (!known.has(k)) throw cfgError(where, `unknown Lun parameter ${k}= (known: ${[...known].join(', ')})`);
  checkLunSize(cfg, where, `Size=${sizeText}`);
  return cfg;
}

export function readConfigFile(path: string): TargetServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw cfgError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseConfigText(text, path);
}
