/**
 * Real peers (tgtd, libiscsi's tools, isnsd, tshark) are found on PATH. Outside CI a test whose peer
 * is missing skips and says why; in CI (`ISCSI_TEST_REQUIRE_PEERS=1`, set by .ci/run) it fails instead,
 * so a missing install step cannot hide behind a skip.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const EXTRA = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

export function which(cmd: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...EXTRA];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export const peersRequired = process.env['ISCSI_TEST_REQUIRE_PEERS'] === '1';

/**
 * Call from a mocha `before`/`it` with its context: returns the paths of the commands, or skips the
 * test (outside CI) / throws (in CI) naming what is missing.
 */
export function requirePeers(ctx: Mocha.Context, ...cmds: string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const c of cmds) {
    const p = which(c);
    if (p) found[c] = p;
    else missing.push(c);
  }
  if (missing.length > 0) {
    const why = `peer not installed: ${missing.join(', ')} (install Debian's tgt / libiscsi-bin / open-isns / tshark / chromium, as .ci/run does)`;
    if (peersRequired) throw new Error(why);
    ctx.skip();
  }
  if (process.getuid && process.getuid() !== 0 && cmds.some((c) => c === 'tgtd' || c === 'dumpcap')) {
    const why = `${cmds.join(', ')} need root here`;
    if (peersRequired) throw new Error(why);
    ctx.skip();
  }
  return found;
}
