/**
 * The reference target's public entry: start it in-process (the harness's embedded default, tests,
 * benchmarks) or from bin/iscsi-target.
 */
import type { Account, TargetNodeConfig, TargetServerConfig } from './config.js';
import type { LunConfig } from './scsi/index.js';
import { TargetServer } from './server.js';

export type { Account, TargetNodeConfig, TargetServerConfig } from './config.js';
export { checkTargetParam, isIscsiName, parseConfigText, readConfigFile, parseLunSpec, parseSize, TARGET_DEFAULT_PARAMS } from './config.js';
export type { LunConfig } from './scsi/index.js';
export { allQuirks } from './quirks.js';
export { DEFAULT_LOGOUT_WAIT_S, TargetServer } from './server.js';

export interface StartTargetOptions {
  /** Listen address (default 127.0.0.1). */
  address?: string;
  /** Port (0 = a free port; default 0). */
  port?: number;
  targets: (Omit<TargetNodeConfig, 'luns'> & {
    luns: LunConfig[];
    /** One-way CHAP account (IncomingUser). */
    chap?: Account;
    /** The target's own account for mutual CHAP (OutgoingUser). */
    mutualChap?: Account;
  })[];
  quirks?: string[];
  log?: (line: string) => void;
  /** Other server settings (NOP-In interval, login timeout, discovery CHAP...). */
  server?: Omit<TargetServerConfig, 'targets' | 'address' | 'port' | 'quirks'>;
}

export interface RunningTarget {
  address: string;
  port: number;
  iqns: string[];
  server: TargetServer;
  /** iscsi://address:port/iqn/lun for the first target (or the one named). */
  url(lun?: number, iqn?: string): string;
  /** Stop; with `logoutSeconds`, ask initiators to log out first and wait that long for them. */
  stop(opts?: { logoutSeconds?: number }): Promise<void>;
}

export async function startTarget(opts: StartTargetOptions): Promise<RunningTarget> {
  const cfg: TargetServerConfig = {
    ...(opts.server ?? {}),
    address: opts.address ?? '127.0.0.1',
    port: opts.port ?? 0,
    quirks: opts.quirks ?? [],
    targets: opts.targets.map(({ chap, mutualChap, ...t }) => ({
      ...t,
      ...(chap ? { incomingUsers: [...(t.incomingUsers ?? []), chap] } : {}),
      ...(mutualChap ? { outgoingUser: mutualChap } : {}),
    })),
  };
  const server = new TargetServer({ ...cfg, ...(opts.log ? { log: opts.log } : {}) });
  await server.listen();
  const host = server.address.includes(':') ? `[${server.address}]` : server.address;
  return {
    address: server.address,
    port: server.port,
    iqns: cfg.targets.map((t) => t.iqn),
    server,
    url: (lun = 0, iqn = cfg.targets[0]!.iqn) => `iscsi://${host}:${server.port}/${iqn}/${lun}`,
    stop: (o) => server.stop(o),
  };
}
