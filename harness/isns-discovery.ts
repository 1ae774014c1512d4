/**
 * Finding targets through an iSNS server (RFC 4171): every Storage Node of type Target the server shows
 * the harness's initiator name, each with the portals of its portal groups (address, port, tag), or of
 * its entity when it registered no portal group. `isns://HOST[:PORT]/IQN/LUN` names a target found so.
 */
import { IsnsClient } from '../isns/client.js';
import { Func, NodeType, Status, Tag } from '../isns/constants.js';
import { IsnsError } from '../isns/errors.js';
import { Tlv, tlvValue } from '../isns/tlv.js';
import { ExitError, usageError } from './errors.js';

export interface IsnsPortal {
  address: string;
  port: number;
  /** Portal Group Tag; undefined when the target registered no portal group for this portal. */
  tpgt?: number;
}
export interface IsnsTarget {
  name: string;
  alias?: string;
  portals: IsnsPortal[];
}

/** Split HOST[:PORT] of an iSNS server, [v6]:port allowed; port 3205 by default. */
export function parseIsnsAddress(spec: string, what = '--isns'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:/\[\]]+))(?::(\d{1,5}))?$/.exec(spec);
  const port = m?.[3] !== undefined ? Number(m[3]) : 3205;
  if (!m || port < 1 || port > 65535) throw usageError(`${what} ${spec}: expected HOST[:PORT] of an iSNS server`);
  return { host: m[1] ?? m[2]!, port };
}

/** Objects of a response's operating attributes: a new object starts at each `first` tag. */
function objects(tlvs: Tlv[], first: number): Map<number, unknown>[] {
  const at = tlvs.findIndex((t) => t.tag === Tag.Delimiter);
  const out: Map<number, unknown>[] = [];
  for (const t of tlvs.slice(at + 1)) {
    if (t.tag === first || out.length === 0) out.push(new Map());
    try {
      out[out.length - 1]!.set(t.tag, tlvValue(t));
    } catch {
      /* an attribute we cannot read is left out of the listing */
    }
  }
  return out;
}

export async function isnsTargets(server: string, initiatorName: string, timeoutMs = 10_000): Promise<IsnsTarget[]> {
  const { host, port } = parseIsnsAddress(server);
  const c = new IsnsClient({ host, port, timeoutMs, connectTimeoutMs: timeoutMs });
  const fail = (what: string, e: unknown): never => {
    throw new ExitError(3, `iSNS server ${server}: ${what}: ${e instanceof IsnsError ? e.message : String(e)}`);
  };
  try {
    // Every node of type Target the server shows this initiator (its discovery domains decide).
    const q = c
      .transaction(Func.DevAttrQry)
      .add(Tag.IscsiName, initiatorName)
      .add(Tag.IscsiNodeType, NodeType.Target)
      .delimiter()
      .add(Tag.IscsiName)
      .add(Tag.IscsiNodeType)
      .add(Tag.IscsiAlias);
    const r = await c.send(q).catch((e) => fail('querying targets', e));
    if (r.status === Status.NoSuchEntry) return [];
    if (r.status !== Status.Successful) fail('querying targets', `status ${r.statusName}`);
    const targets: IsnsTarget[] = [];
    for (const o of objects(r.tlvs, Tag.IscsiName)) {
      const name = o.get(Tag.IscsiName);
      const type = o.get(Tag.IscsiNodeType);
      if (typeof name !== 'string' || typeof type !== 'number' || !(type & NodeType.Target)) continue;
      const alias = o.get(Tag.IscsiAlias);
      targets.push({
        name,
        ...(typeof alias === 'string' ? { alias } : {}),
        portals: await portalsOf(c, initiatorName, name).catch((e) => fail(`portals of ${name}`, e)),
      });
    }
    return targets;
  } finally {
    c.stop();
  }
}

async function portalsOf(c: IsnsClient, source: string, name: string): Promise<IsnsPortal[]> {
  const pg = await c.send(
    c.transaction(Func.DevAttrQry).add(Tag.IscsiName, source).add(Tag.IscsiName, name).delimiter().add(Tag.PgPortalIp).add(Tag.PgPortalPort).add(Tag.PgTag),
  );
  const out: IsnsPortal[] = [];
  if (pg.status === Status.Successful) {
    for (const o of objects(pg.tlvs, Tag.PgPortalIp)) {
      const address = o.get(Tag.PgPortalIp);
      const port = o.get(Tag.PgPortalPort);
      const tag = o.get(Tag.PgTag);
      if (typeof address === 'string' && typeof port === 'number' && tag !== null)
        out.push({ address, port: port & 0xffff, ...(typeof tag === 'number' ? { tpgt: tag } : {}) });
    }
  }
  if (out.length) return out;
  const p = await c.send(c.transaction(Func.DevAttrQry).add(Tag.IscsiName, source).add(Tag.IscsiName, name).delimiter().add(Tag.PortalIp).add(Tag.PortalPort));
  for (const o of objects(p.tlvs, Tag.PortalIp)) {
    const address = o.get(Tag.PortalIp);
    const port = o.get(Tag.PortalPort);
    if (typeof address === 'string' && typeof port === 'number') out.push({ address, port: port & 0xffff });
  }
  return out;
}

/**
 * `isns://HOST[:PORT]/IQN/LUN` (credentials and query as in iscsi:// URLs) to the iscsi:// URL of the
 * target's first portal the iSNS server knows. Exit 2 for a malformed URL, 3 when the target is not found.
 */
export async function resolveIsnsUrl(url: string, initiatorName: string): Promise<string> {
  const m = /^isns:\/\/(?:([^@/]*)@)?([^/]+)\/([^/]+)\/(\d+)(\?.*)?$/.exec(url);
  if (!m) throw usageError(`${url}: expected isns://[user%password@]HOST[:PORT]/TARGET-IQN/LUN`);
  const [, cred, server, iqn, lun, query] = m;
  const targets = await isnsTargets(server!, initiatorName);
  const t = targets.find((x) => x.name === iqn);
  if (!t)
    throw new ExitError(
      3,
      `iSNS server ${server} does not show target ${iqn} to ${initiatorName} (it shows ${targets.map((x) => x.name).join(', ') || 'no target'})`,
    );
  const p = t.portals[0];
  if (!p) throw new ExitError(3, `iSNS server ${server} knows no portal of target ${iqn}`);
  const host = p.address.includes(':') ? `[${p.address}]` : p.address;
  return `iscsi://${cred ? `${cred}@` : ''}${host}:${p.port}/${iqn}/${lun}${query ?? ''}`;
}
