/**
 * A target node: its name, LUNs (one SCSI device server), CHAP accounts, initiator ACL and iSCSI
 * limits.
 */
import type { TargetNodeConfig } from './config.js';
import { TARGET_DEFAULT_PARAMS } from './config.js';
import type { Quirks } from './quirks.js';
import { createDeviceServer, DeviceServer } from './scsi/index.js';

export class TargetNode {
  readonly config: TargetNodeConfig;
  readonly device: DeviceServer;
  /** The limits this node negotiates with (defaults overridden by the configuration). */
  readonly params: Readonly<Record<string, string>>;
  readonly queueDepth: number;
  /** A further admission check (iSNS access control from discovery domains), when configured. */
  accessCheck: ((initiatorName: string) => boolean) | undefined;

  constructor(config: TargetNodeConfig, quirks: Quirks) {
    this.config = config;
    this.params = { ...TARGET_DEFAULT_PARAMS, ...(config.params ?? {}) };
    this.queueDepth = config.queueDepth ?? 128;
    this.device = createDeviceServer({
      targetName: config.iqn,
      luns: config.luns,
      quirks,
      ...(config.sanitizeDurationMs !== undefined ? { sanitizeDurationMs: config.sanitizeDurationMs } : {}),
    });
  }

  /** Whether this initiator may reset the whole target (TARGET WARM/COLD RESET; TargetReset, default all). */
  mayResetTarget(initiatorName: string): boolean {
    const who = this.config.targetReset ?? 'all';
    return who === 'all' || (who !== 'none' && who.includes(initiatorName));
  }

  allows(initiatorName: string): boolean {
    const acl = this.config.allowInitiators;
    if (this.config.denyInitiators?.includes(initiatorName)) return false;
    return (!acl || acl.length === 0 || acl.includes(initiatorName)) && (this.accessCheck?.(initiatorName) ?? true);
  }
}
