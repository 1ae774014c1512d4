/**
 * iSCSI URLs as libiscsi writes them:
 *   iscsi://[user[%password]@]host[:port]/target-iqn/lun[?arg=value&...]
 * with IPv6 hosts in brackets, the target name percent-decoded, and the arguments target_user,
 * target_password (mutual CHAP), header_digest, data_digest (crc32c | none). libiscsi's environment
 * variables LIBISCSI_CHAP_USERNAME / _PASSWORD / _TARGET_USERNAME / _TARGET_PASSWORD supply CHAP
 * credentials the URL leaves out. A portal URL (no target, no LUN) is accepted for discovery.
 */
import { IscsiError } from '../../protocol/errors.js';

export type DigestChoice = 'None' | 'CRC32C' | 'CRC32C,None' | 'None,CRC32C';

export interface IscsiUrl {
  host: string;
  port: number;
  /** Absent in a portal (discovery) URL. */
  target?: string;
  lun?: number;
  chap?: { user: string; secret: string };
  /** Mutual CHAP: the target's name and secret. */
  targetChap?: { user: string; secret: string };
  headerDigest?: DigestChoice;
  dataDigest?: DigestChoice;
  /** The URL as given, with any password replaced by ***. */
  display: string;
}

const bad = (url: string, why: string): IscsiError => new IscsiError('ISCSI_E_URL', `bad iSCSI URL "${redact(url)}": ${why}`);

/** user%password (or user:password) with the password replaced by ***. */
function hideSecret(userinfo: string): string {
  const sep = userinfo.includes('%') ? userinfo.indexOf('%') : userinfo.indexOf(':');
  return sep < 0 ? userinfo : `${userinfo.slice(0, sep + 1)}***`;
}

/**
 * The URL with its CHAP passwords replaced by ***, for messages and `display`. It must hold for
 * malformed URLs too: a missing "@host" leaves user%password where the host should be, and a '?'
 * inside a password moves the rest of it into the query.
 */
export function redact(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^]*)$/.exec(url)!;
  const scheme = m[1] ?? '';
  const body = m[2]!;
  const q = body.indexOf('?');
  let pre = q >= 0 ? body.slice(0, q) : body;
  let query = q >= 0 ? body.slice(q) : '';
  const at = pre.lastIndexOf('@');
  if (at >= 0) {
    pre = hideSecret(pre.slice(0, at)) + pre.slice(at);
  } else {
    const slash = pre.indexOf('/');
    const authority = slash >= 0 ? pre.slice(0, slash) : pre;
    // No host name holds '%' (an IPv6 zone does, inside brackets), and a port is digits: this may be
    // user%password or user:password with no @host.
    if (!authority.startsWith('[') && (authority.includes('%') || /^[^:]+:.*[^0-9]/.test(authority))) {
      const qa = query.lastIndexOf('@');
      if (qa >= 0) {
        pre = hideSecret(pre);
        query = query.slice(qa);
      } else {
        pre = hideSecret(authority) + pre.slice(authority.length);
      }
    }
  }
  return scheme + pre + query.replace(/(target_password=)[^&]*/gi, '$1***');
}

function digestArg(url: string, name: string, v: string): DigestChoice {
  const m: Record<string, DigestChoice> = {
    none: 'None',
    crc32c: 'CRC32C',
    'crc32c,none': 'CRC32C,None',
    'none,crc32c': 'None,CRC32C',
  };
  const d = m[v.toLowerCase()];
  if (!d) throw bad(url, `${name}=${v}: expected crc32c, none, crc32c,none or none,crc32c`);
  return d;
}

function decodeComponent(url: string, what: string, s: string, secret = false): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(url, secret ? `${what} has a malformed %-escape` : `${what} "${s}" has a malformed %-escape`);
  }
}

export function parseIscsiUrl(url: string, env: NodeJS.ProcessEnv = process.env, opts: { requireLun?: boolean } = {}): IscsiUrl {
  const m = /^iscsi:\/\/(.*)$/i.exec(url);
  if (!m) throw bad(url, 'it must start with iscsi://');
  let rest = m[1]!;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  // userinfo: everything before the last '@' ahead of the query. A password may hold '@', '/' or ':';
  // a host, a target name and a LUN never hold '@'. (A '?' cannot be told from the query's.)
  let chap: IscsiUrl['chap'];
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : undefined;
  if (at >= 0) rest = rest.slice(at + 1);
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const hostport = authority;
  if (userinfo !== undefined) {
    // As libiscsi: '%' separates user and password; ':' only when there is no '%', since a CHAP name
    // is often an IQN, which holds ':' (iqn.2026-11.org.example:host%secret).
    const sep = userinfo.includes('%') ? userinfo.indexOf('%') : userinfo.indexOf(':');
    if (sep < 0) throw bad(url, 'a CHAP user needs a password: user%password@host');
    const user = userinfo.slice(0, sep);
    const secret = userinfo.slice(sep + 1);
    if (!user) throw bad(url, 'the CHAP user name is empty');
    if (!secret) throw bad(url, 'the CHAP password is empty');
    chap = { user, secret };
  }
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw bad(url, 'IPv6 address is missing its closing ]');
    host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after && !after.startsWith(':')) throw bad(url, `unexpected "${after}" after the IPv6 address`);
    portText = after ? after.slice(1) : undefined;
    if (!/^[0-9a-fA-F:.]+(%[A-Za-z0-9_.-]+)?$/.test(host) || !host.includes(':')) throw bad(url, `"${host}" is not an IPv6 address`);
  } else {
    const colon = hostport.indexOf(':');
    if (colon >= 0 && hostport.indexOf(':', colon + 1) >= 0) throw bad(url, 'an IPv6 address must be written in brackets, as [::1]');
    host = colon >= 0 ? hostport.slice(0, colon) : hostport;
    portText = colon >= 0 ? hostport.slice(colon + 1) : undefined;
    if (!/^[A-Za-z0-9.-]+$/.test(host)) {
      // Never echo what may be user%password standing where the host should be.
      if (at < 0 && (hostport.includes('%') || (portText !== undefined && !/^[0-9]*$/.test(portText)))) {
        throw bad(url, `the host is missing: CHAP credentials must be followed by @host${query.includes('@') ? " (and a password cannot hold '?')" : ''}`);
      }
      throw bad(url, host ? `"${host}" is not a host name or address` : 'the host is missing');
    }
  }
  let port = 3260;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      // A port that is not digits may be the password of user:password with no @host: do not echo it.
      throw bad(
        url,
        /^[0-9]*$/.test(portText)
          ? `port "${portText}" is not a number in 1..65535`
          : `the port after ":" is not a number in 1..65535${at < 0 ? ' (or user:password lacks its @host)' : ''}`,
      );
    }
    port = Number(portText);
  }
  const out: IscsiUrl = { host, port, display: redact(url) };
  const parts = path ? path.split('/') : [];
  if (parts.length > 0 && parts[parts.length - 1] === '' && parts.length === 1) parts.pop();
  if (parts.length > 2) throw bad(url, 'the path must be /target-iqn/lun');
  if (parts.length >= 1) {
    const t = decodeComponent(url, 'target name', parts[0]!);
    if (!t) throw bad(url, 'the target name is empty');
    if (!/^(iqn\.|eui\.|naa\.)/i.test(t)) throw bad(url, `"${t}" is not an iSCSI name (iqn., eui. or naa.)`);
    out.target = t;
  }
  if (parts.length === 2) {
    if (!/^[0-9]{1,5}$/.test(parts[1]!) || Number(parts[1]) > 16383) throw bad(url, `LUN "${parts[1]}" is not a number in 0..16383`);
    out.lun = Number(parts[1]);
  } else if (opts.requireLun) {
    throw bad(url, parts.length === 0 ? 'the target name and LUN are missing: iscsi://host[:port]/target-iqn/lun' : 'the LUN is missing: .../target-iqn/lun');
  }
  let tuser: string | undefined;
  let tpass: string | undefined;
  if (query) {
    for (const kv of query.split('&')) {
      if (!kv) continue;
      const eq = kv.indexOf('=');
      if (eq < 0) throw bad(url, `argument "${kv}" has no value`);
      const k = kv.slice(0, eq);
      const v = decodeComponent(url, k, kv.slice(eq + 1), k === 'target_password');
      switch (k) {
        case 'target_user':
          tuser = v;
          break;
        case 'target_password':
          tpass = v;
          break;
        case 'header_digest':
          out.headerDigest = digestArg(url, k, v);
          break;
        case 'data_digest':
          out.dataDigest = digestArg(url, k, v);
          break;
        default:
          throw bad(url, `unknown argument "${k}" (known: target_user, target_password, header_digest, data_digest)`);
      }
    }
  }
  if (!chap && env['LIBISCSI_CHAP_USERNAME']) {
    const secret = env['LIBISCSI_CHAP_PASSWORD'];
    if (!secret) throw bad(url, 'LIBISCSI_CHAP_USERNAME is set but LIBISCSI_CHAP_PASSWORD is not');
    chap = { user: env['LIBISCSI_CHAP_USERNAME'], secret };
  }
  if (chap) out.chap = chap;
  tuser ??= env['LIBISCSI_CHAP_TARGET_USERNAME'];
  tpass ??= env['LIBISCSI_CHAP_TARGET_PASSWORD'];
  if (tuser !== undefined || tpass !== undefined) {
    if (!tuser || !tpass) throw bad(url, 'mutual CHAP needs both target_user and target_password');
    if (!out.chap) throw bad(url, 'mutual CHAP (target_user) needs the initiator CHAP user%password too');
    out.targetChap = { user: tuser, secret: tpass };
  }
  return out;
}

/** Format a host for display and for net.connect messages. */
/**
 * The warning for a URL that carries a CHAP secret (password or target_password), or undefined: a secret
 * on the command line is visible to every local user in the process list; the environment is not.
 */
export function secretOnCommandLine(url: string, program: string): string | undefined {
  if (redact(url) === url) return undefined;
  return (
    `${program}: warning: the URL carries a CHAP secret, which every local user can read in the process list; give it in LIBISCSI_CHAP_PASSWORD ` +
    `(and LIBISCSI_CHAP_TARGET_PASSWORD for mutual CHAP) instead`
  );
}

export const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
