/**
 * The everyday tools around a conformance run, as subcommands of iscsi-test: `discover`, `inquiry`,
 * `capacity`, `sense`, `cdb`, `perf`, and `report` (the HTML report or matrix of saved --json runs). One table names them; bin/iscsi-test.ts hands its arguments here
 * when the first one is a tool's name (no URL starts with a bare word, so the harness's own arguments are
 * never mistaken for one). Exit codes are the harness's: 0 done, 1 the target refused a command the tool
 * needed, 2 bad usage (an unknown option, a bad URL, malformed hex), 3 the portal did not answer or the
 * login was refused, 4 internal error.
 */
import { IscsiError } from '../protocol/errors.js';
import { CAPACITY_SYNOPSIS, capacityTool } from './capacity.js';
import { ToolFailure, ToolIo } from './common.js';
import { CDB_SYNOPSIS, cdbTool, SENSE_SYNOPSIS, senseTool } from './decode.js';
import { DISCOVER_SYNOPSIS, discoverTool } from './discover.js';
import { INQUIRY_SYNOPSIS, inquiryTool } from './inquiry.js';
import { ISNS_SYNOPSIS, isnsTool } from './isns.js';
import { PERF_SYNOPSIS, perfTool } from './perf.js';
import { REPORT_SYNOPSIS, reportTool } from './report.js';

export type { ToolIo } from './common.js';

interface Tool {
  synopsis: string;
  run(argv: string[], io: ToolIo): Promise<number>;
}

export const TOOLS: Readonly<Record<string, Tool>> = {
  discover: { synopsis: DISCOVER_SYNOPSIS, run: discoverTool },
  isns: { synopsis: ISNS_SYNOPSIS, run: isnsTool },
  inquiry: { synopsis: INQUIRY_SYNOPSIS, run: inquiryTool },
  capacity: { synopsis: CAPACITY_SYNOPSIS, run: capacityTool },
  sense: { synopsis: SENSE_SYNOPSIS, run: senseTool },
  cdb: { synopsis: CDB_SYNOPSIS, run: cdbTool },
  perf: { synopsis: PERF_SYNOPSIS, run: perfTool },
  report: { synopsis: REPORT_SYNOPSIS, run: reportTool },
};

/** The tool a command line starts with, if it does. */
export function toolFor(first: string | undefined): Tool | undefined {
  return first !== undefined && Object.hasOwn(TOOLS, first) ? TOOLS[first] : undefined;
}

/** The tools' synopses, for iscsi-test --help. */
export function toolsUsage(): string {
  return Object.values(TOOLS)
    .map((t) => `  $0 ${t.synopsis}`)
    .join('\n');
}

/** Run a tool; data the target sent that cannot be decoded is its failure (exit 1), named. */
export async function runTool(tool: Tool, argv: string[], io: ToolIo): Promise<number> {
  try {
    return await tool.run(argv, io);
  } catch (e) {
    if (IscsiError.is(e, 'SCSI_E_DECODE')) throw new ToolFailure(`the target's data cannot be decoded: ${e.message}`);
    throw e;
  }
}
