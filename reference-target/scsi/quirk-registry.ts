/**
 * `--quirk NAME` switches make the reference target misbehave on purpose, so the harness can prove
 * that each of its tests catches the defect it is about. Each quirk is declared once, by the layer that
 * honours it (scsi/quirks.ts for the device server, the iSCSI side's files for the transport), with what
 * it breaks; the layers ask `quirks.has(name)`. The registry lives here, in the lower layer, so that the
 * SCSI device server needs nothing from the iSCSI side above it.
 */

export interface QuirkDef {
  name: string;
  layer: 'iscsi' | 'scsi' | 'isns';
  /** What the target does wrong with this quirk on. */
  effect: string;
}

const defs: QuirkDef[] = [];

/** Declare a quirk (called at module load by the layer that implements it). */
export function defineQuirk(name: string, layer: QuirkDef['layer'], effect: string): string {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`quirk name "${name}" must be lower-case words joined by -`);
  if (defs.some((d) => d.name === name)) throw new Error(`quirk ${name} declared twice`);
  defs.push({ name, layer, effect });
  return name;
}

export function allQuirks(): readonly QuirkDef[] {
  return [...defs].sort((a, b) => a.name.localeCompare(b.name));
}

export class Quirks {
  private readonly set: ReadonlySet<string>;
  constructor(names: Iterable<string> = []) {
    const s = new Set<string>();
    for (const n of names) s.add(n);
    this.set = s;
  }
  has(name: string): boolean {
    return this.set.has(name);
  }
  get names(): string[] {
    return [...this.set];
  }
  /** Names not declared by any layer (to report a typo in --quirk). */
  unknown(): string[] {
    return this.names.filter((n) => !defs.some((d) => d.name === n));
  }
}

export const NO_QUIRKS = new Quirks();
