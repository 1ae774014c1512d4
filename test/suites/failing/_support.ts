/**
 * Shared pieces of the defect tables in this folder: each file (not starting with _) exports a default
 * Record<'Suite.Test', Case> naming, for each test of its suites, a defect the test must catch.
 */
import { Asc, Op, SenseKey } from '../../../protocol/scsi/index.js';
import type { Verdict } from '../../../harness/results.js';
import { sense, type ProxyRule, type Reply } from '../../harness/support/proxy.js';

export interface Case {
  /** Reference-target quirks that plant the defect. */
  quirks?: string[];
  /** Proxy rules that plant the defect (a fresh set for each run). */
  rules?: () => ProxyRule[];
  /** The verdict the test must reach (default fail). */
  verdict?: Verdict;
  /** What the message must say. */
  message?: RegExp;
  /** LUN of the reference target to run on (default 0: a 64 MiB memory LUN; see test/harness/support/targets.ts). */
  lun?: number;
  /** Run against the reference target's CHAP-protected node, with the credentials in the URL. */
  chap?: boolean;
  /**
   * iSCSI keys the reference target's node is configured with (e.g. InitialR2T=No, which it does not offer by
   * default): the test runs with them here, and must pass against the unquirked target with them too.
   */
  params?: Record<string, string>;
  /** The node's NOPInterval (its own NOP-In pings, which it sends only when configured to), likewise. */
  nopInterval?: number;
  /** The target's MaxSessions (sessions at once; 1024 by default), likewise. */
  maxSessions?: number;
  /** LUN 0's latency in ms (commands that move blocks held that long, reference-target/scsi/latency.ts), likewise. */
  latencyMs?: number;
}

/** How a case configures the reference target's node (undefined: as it is). */
export type NodeSettings = Pick<Case, 'params' | 'nopInterval' | 'maxSessions' | 'latencyMs'>;
export const nodeOf = (c: Case): NodeSettings | undefined =>
  c.params || c.nopInterval || c.maxSessions || c.latencyMs
    ? {
        ...(c.params ? { params: c.params } : {}),
        ...(c.nopInterval ? { nopInterval: c.nopInterval } : {}),
        ...(c.maxSessions ? { maxSessions: c.maxSessions } : {}),
        ...(c.latencyMs ? { latencyMs: c.latencyMs } : {}),
      }
    : undefined;

export type Cases = Record<string, Case>;

export const CC = (key: number, asc: number): Reply => ({ status: 2, sense: sense(key, asc) });
export const INVALID_CDB = () => CC(SenseKey.ILLEGAL_REQUEST, Asc.INVALID_FIELD_IN_CDB);
export const isStdInquiry = (c: Buffer) => c[0] === Op.INQUIRY && (c[1]! & 1) === 0;
export const isVpd = (page: number) => (c: Buffer) => c[0] === Op.INQUIRY && (c[1]! & 1) === 1 && c[2] === page;
export const isModeSense = (page: number) => (c: Buffer) => c[0] === Op.MODE_SENSE_6 && (c[2]! & 0x3f) === page;
export const isRc16 = (c: Buffer) => c[0] === Op.SERVICE_ACTION_IN_16 && (c[1]! & 0x1f) === 0x10;
/** The first mode page's byte `at` (after the 4-byte header and the block descriptors). */
export const pageByte = (d: Buffer, at: number) => 4 + d[3]! + at;
