/**
 * SendTargets discovery (RFC 7143 13.3, Appendix C): log in with SessionType=Discovery, ask
 * SendTargets=All, log out.
 */
import { ConnectionHooks } from './connection.js';
import { ChapCredentials } from './login.js';
import { DiscoveredTarget, Session } from './session.js';
import { DigestChoice } from './url.js';

export interface DiscoveryOptions {
  host: string;
  port: number;
  initiatorName: string;
  chap?: ChapCredentials;
  targetChap?: ChapCredentials;
  headerDigest?: DigestChoice;
  dataDigest?: DigestChoice;
  timeoutMs?: number;
  trace?: boolean;
}

export async function discover(o: DiscoveryOptions, hooks: ConnectionHooks = {}): Promise<DiscoveredTarget[]> {
  const s = await Session.open({ ...o, sessionType: 'Discovery' }, hooks);
  try {
    return await s.sendTargets('All', o.timeoutMs);
  } finally {
    await s.close();
  }
}
