/**
 * `iscsi-test isns SERVER[:PORT] [--luns] [--json]`: the targets an iSNS server (RFC 4171) shows this
 * initiator, with their portals and portal group tags; with `--luns`, each target's LUNs as `discover
 * --luns` lists them (a login through its first portal). A target named this way can be tested with
 * the URL isns://SERVER[:PORT]/IQN/LUN.
 */
import { IscsiError } from '../protocol/errors.js';
import { ExitError } from '../harness/errors.js';
import { isnsTargets } from '../harness/isns-discovery.js';
import { DEFAULT_INITIATOR } from '../harness/target-under-test.js';
import { LOGIN_OPTIONS, onePositional, parseToolArgs, timeoutMs, toJson, ToolIo, urlArg } from './common.js';
import { lunsOf, render, TargetFacts } from './discover.js';

export const ISNS_SYNOPSIS = 'isns SERVER[:PORT] [--luns] [--json]';

export async function isnsTool(argv: string[], io: ToolIo): Promise<number> {
  const { values, positionals } = parseToolArgs('isns', argv, { ...LOGIN_OPTIONS, luns: { type: 'boolean', short: 's' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out.write(
      `usage: iscsi-test ${ISNS_SYNOPSIS}\n  SERVER: the iSNS server (port 3205 by default). --luns: each target's LUNs with type, ` +
        `identification, size and provisioning.\n  Test a target found so with the URL isns://SERVER[:PORT]/IQN/LUN.\n`,
    );
    return 0;
  }
  const server = onePositional('isns', positionals, 'the iSNS server (HOST[:PORT])', ISNS_SYNOPSIS);
  const limit = timeoutMs('isns', values.timeout);
  const initiator = values['initiator-name'] ?? DEFAULT_INITIATOR;
  const found = await isnsTargets(server, initiator, limit);
  const targets: (TargetFacts & { alias?: string })[] = found.map((t) => ({
    name: t.name,
    ...(t.alias ? { alias: t.alias } : {}),
    portals: t.portals.map((p) => `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}${p.tpgt !== undefined ? `,${p.tpgt}` : ''}`),
  }));
  if (values.luns) {
    for (const t of targets) {
      const first = t.portals[0];
      if (!first) {
        t.error = 'the iSNS server knows no portal of this target';
        continue;
      }
      try {
        t.luns = await lunsOf(urlArg(first.replace(/,\d+$/, ''), io.env, { portal: true }), t.name, values['initiator-name'], limit);
      } catch (e) {
        if (!(e instanceof ExitError) && !(e instanceof IscsiError)) throw e;
        t.error = e.message;
      }
    }
  }
  const where = `isns://${server}`;
  io.out.write(values.json ? toJson({ isns: where, targets }) : render(where, targets));
  return targets.some((t) => t.error) ? 1 : 0;
}
