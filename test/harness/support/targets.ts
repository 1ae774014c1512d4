/**
 * Targets for the harness's own tests: the reference target started in-process (optionally with
 * `--quirk`s, so each conformance test can be shown failing), and the run configuration that points the
 * harness at a URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOGOUT_WAIT_S, startTarget, type RunningTarget } from '../../../reference-target/index.js';
import type { RunConfig, TargetControl, TargetSpec } from '../../../harness/target-under-test.js';
import { DEFAULT_INITIATOR, DEFAULT_INITIATOR_2, targetFromUrl } from '../../../harness/target-under-test.js';
import { ACL_REFUSED_INITIATOR } from '../../../suites/iscsi/_login.js';

export const REF_IQN = 'iqn.2026-11.org.iscsi-test:selftest';

export interface RefOptions {
  quirks?: string[];
  size?: number;
  blockSize?: 512 | 4096;
  readOnly?: boolean;
  removable?: boolean;
  thin?: boolean;
  /** Extra Block Limits (e.g. a MAXIMUM TRANSFER LENGTH). */
  maxTransfer?: number;
  /**
   * LUN 0 as above, plus the standard set the suites' self-tests use: LUN 1 thin (sparse, 256 MiB),
   * LUN 2 removable, LUN 3 read-only (memory, 16 MiB each), LUN 4 thick file and LUN 5 thin file (64 MiB
   * each, in a temporary directory the helper creates and `stop()` removes).
   */
  standardLuns?: boolean;
  /** Register with this iSNS server (host:port), asking for a 10 s Registration Period. */
  isns?: string;
  /** Listen on this port (default: a free one). */
  port?: number;
  /** iSCSI operational keys of the target node (its `params`), e.g. InitialR2T=No for the tests of unsolicited data. */
  params?: Record<string, string>;
  /** Seconds between the node's own NOP-In pings of an idle connection (its NOPInterval; none by default). */
  nopInterval?: number;
  /** The target's MaxSessions (default 1024). */
  maxSessions?: number;
  /** LUN 0's latency in ms (a slow medium, reference-target/scsi/latency.ts). */
  latencyMs?: number;
}

/** What each LUN of `standardLuns` is, for messages. */
export const STANDARD_LUNS: Record<number, string> = {
  0: 'thick',
  1: 'thin',
  2: 'removable',
  3: 'read-only',
  4: 'thick file',
  5: 'thin file',
};

/** The reference target with one memory LUN 0 (64 MiB unless told otherwise). */
export async function refTarget(o: RefOptions = {}): Promise<RunningTarget> {
  const dir = o.standardLuns ? mkdtempSync(join(tmpdir(), 'iscsi-test-ref-')) : undefined;
  const removeDir = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  let t: RunningTarget;
  try {
    t = await startRef(o, dir);
  } catch (e) {
    removeDir();
    throw e;
  }
  if (!dir) return t;
  const stop = t.stop.bind(t);
  return Object.assign(t, {
    stop: async (opts?: { logoutSeconds?: number }) => {
      try {
        await stop(opts);
      } finally {
        removeDir();
      }
    },
  });
}

function startRef(o: RefOptions, dir: string | undefined): Promise<RunningTarget> {
  return startTarget({
    address: '127.0.0.1',
    port: o.port ?? 0,
    quirks: o.quirks ?? [],
    // the self-tests fail CHAP on purpose many times in a row: no growing delay for them
    server: {
      authFailureDelay: false,
      ...(o.maxSessions ? { maxSessions: o.maxSessions } : {}),
      ...(o.isns ? { isns: o.isns, isnsRegistrationPeriod: 10 } : {}),
    },
    targets: [
      {
        iqn: REF_IQN,
        // the name iSCSILoginValues.AclRefused logs in with, refused as its operator is asked to
        denyInitiators: [ACL_REFUSED_INITIATOR],
        ...(o.params ? { params: o.params } : {}),
        ...(o.nopInterval ? { nopInterval: o.nopInterval } : {}),
        luns: [
          {
            lun: 0,
            backing: 'memory',
            size: o.size ?? 64 * 1024 * 1024,
            ...(o.blockSize ? { blockSize: o.blockSize } : {}),
            ...(o.readOnly ? { readOnly: true } : {}),
            ...(o.removable ? { removable: true } : {}),
            ...(o.thin ? { thin: true } : {}),
            ...(o.maxTransfer ? { limits: { maxTransfer: o.maxTransfer } } : {}),
            ...(o.latencyMs ? { latencyMs: o.latencyMs } : {}),
          },
          ...(o.standardLuns
            ? [
                { lun: 1, backing: 'sparse' as const, size: 256 << 20, thin: true },
                { lun: 2, backing: 'memory' as const, size: 16 << 20, removable: true },
                { lun: 3, backing: 'memory' as const, size: 16 << 20, readOnly: true },
                { lun: 4, backing: 'file' as const, path: join(dir!, 'lun4.img'), size: 64 << 20 },
                { lun: 5, backing: 'file' as const, path: join(dir!, 'lun5.img'), size: 64 << 20, thin: true },
              ]
            : []),
        ],
      },
      // A second target that requires CHAP, for the tests that need credentials in the URL (chapUrl).
      ...(o.standardLuns
        ? [{ iqn: REF_CHAP_IQN, luns: [{ lun: 0, backing: 'memory' as const, size: 16 << 20 }], chap: REF_CHAP, mutualChap: REF_CHAP_TARGET }]
        : []),
    ],
  });
}

/** With `standardLuns`: a target that requires CHAP with REF_CHAP (one 16 MiB memory LUN 0). */
export const REF_CHAP_IQN = 'iqn.2026-11.org.iscsi-test:selftest-chap';
export const REF_CHAP = { user: 'selftest', secret: 'selftest-chap-secret' };
/** The CHAP node's own account, for mutual CHAP (its secret differs from REF_CHAP's: RFC 7143 9.2.1). */
export const REF_CHAP_TARGET = { user: 'selftest-target', secret: 'selftest-target-secret' };

/** The URL of REF_CHAP_IQN through `base` (a proxy's or target's iscsi://host:port), with the CHAP credentials. */
export function chapUrl(hostPort: string): string {
  return `iscsi://${REF_CHAP.user}%${REF_CHAP.secret}@${hostPort}/${REF_CHAP_IQN}/0?target_user=${REF_CHAP_TARGET.user}&target_password=${REF_CHAP_TARGET.secret}`;
}

/** A run configuration against this URL (dataloss allowed unless told otherwise). */
export function configFor(url: string, over: Partial<RunConfig> = {}, target: Partial<TargetSpec> = {}): RunConfig {
  return {
    target: { ...targetFromUrl(url, {}), ...target },
    initiatorName: DEFAULT_INITIATOR,
    initiatorName2: DEFAULT_INITIATOR_2,
    dataloss: true,
    sanitize: false,
    strict: false,
    defaultTimeout: 20,
    trace: false,
    loginTimeoutMs: 5000,
    commandTimeoutMs: 15_000,
    maxUnanswered: 3,
    ...over,
  };
}

/**
 * A reference target the harness may stop and start again on the same port (RunConfig.targetControl), as
 * the iSNS family's Deregister test does; `stop()` ends whichever instance is running.
 */
export async function restartableRefTarget(o: RefOptions): Promise<{ current: () => RunningTarget; control: TargetControl; stop: () => Promise<void> }> {
  let t: RunningTarget | undefined = await refTarget(o);
  const first = t;
  const stopAfter = async (logoutSeconds: number) => {
    const running = t;
    t = undefined;
    await running?.stop({ logoutSeconds });
  };
  const stop = () => stopAfter(0);
  return {
    current: () => t ?? first,
    control: {
      how: `the reference target is stopped as on SIGTERM (initiators asked to log out within ${DEFAULT_LOGOUT_WAIT_S} s) and started again on port ${first.port}`,
      stop: () => stopAfter(DEFAULT_LOGOUT_WAIT_S),
      start: async () => {
        t ??= await refTarget({ ...o, port: first.port });
      },
    },
    stop,
  };
}
