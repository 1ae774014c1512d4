/**
 * The test registry: every conformance test is declared once, in the file of its suite, and found by
 * scanning `suites/<area>/` at run time, so adding a test touches that one file.
 *
 * Writing a suite (see README, "Writing a test"):
 *
 * ```ts
 * // suites/scsi/read10.ts: the file name is the suite name in lower case
 * import { defineSuite, LBA_OUT_OF_RANGE, scsi } from '../../harness/api.js';
 *
 * const suite = defineSuite('Read10', {
 *   families: ['SCSI'],          // the test is also in ALL, always
 *   clause: 'SBC-4 5.16',         // default clause of its tests
 *   needs: ['sbc'],               // default needs of its tests
 * });
 *
 * suite.test('BeyondEol', {
 *   doc: 'READ(10) of 1..256 blocks ending one block past the last LBA: each must end in CHECK CONDITION, ILLEGAL REQUEST, LBA OUT OF RANGE.',
 *   level: 'MUST',
 * }, async (t) => {
 *   for (const n of t.lengths(256)) {
 *     await t.command(scsi.read10({ lba: t.dev.blocks + 1 - n, blocks: n }), { expect: LBA_OUT_OF_RANGE });
 *   }
 * });
 *
 * export default suite;
 * ```
 *
 * Rules the registry enforces when it loads (a broken suite stops the run with exit code 4, naming the
 * file): the default export is the suite; its name matches the file name; test names are unique in the
 * suite and free of dots; every test has a doc paragraph, a clause and a level; needs are known ones.
 * Files whose names start with `_` are helpers, not suites.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TestContext } from './test-context.js';
import { ExitError } from './errors.js';
import { isNamedNeed, NAMED_NEEDS, type NamedNeed } from './needs.js';

/** Families a suite may belong to. `ALL` is not declared: it is the union of every family. */
export const FAMILIES = ['SCSI', 'iSCSI', 'iSNS'] as const;
export type Family = (typeof FAMILIES)[number];
/** The virtual family every test belongs to. */
export const ALL = 'ALL';
/** Families in the order `--list` prints them (libiscsi's order). */
export const LIST_ORDER: readonly string[] = [ALL, ...FAMILIES];

export type Level = 'MUST' | 'SHOULD';

/** The command is supported according to REPORT SUPPORTED OPERATION CODES (unknown when RSOC is not). */
export interface OpcodeNeed {
  opcode: number;
  sa?: number;
}
/** The medium has at least this many logical blocks. */
export interface MinBlocksNeed {
  minBlocks: number;
}
/** Any other precondition on the probed facts: `check` returns the skip reason, or undefined when met. */
export interface CustomNeed {
  name: string;
  check: (dev: import('./probe.js').DeviceFacts) => string | undefined;
}
/** What a test needs: a named need (harness/needs.ts, NAMED_NEEDS), a command, a size, or a check of its own. */
export type Need = NamedNeed | OpcodeNeed | MinBlocksNeed | CustomNeed;

/** `needs: [opcode(0x42)]`: skip unless REPORT SUPPORTED OPERATION CODES lists UNMAP. */
export const opcode = (op: number, sa?: number): OpcodeNeed => (sa === undefined ? { opcode: op } : { opcode: op, sa });
/** `needs: [minBlocks(1000)]`. */
export const minBlocks = (n: number): MinBlocksNeed => ({ minBlocks: n });

/** How a need is shown in --list --json and -V. */
export function needName(n: Need): string {
  if (typeof n === 'string') return n;
  if ('opcode' in n) return `opcode(0x${n.opcode.toString(16).padStart(2, '0')}${n.sa !== undefined ? `/0x${n.sa.toString(16)}` : ''})`;
  if ('minBlocks' in n) return `minBlocks(${n.minBlocks})`;
  return n.name;
}

/** The body of a test. It returns when the test passed; the helpers of `t` throw for every other verdict. */
export type TestBody = (t: TestContext) => Promise<void> | void;

export interface SuiteOptions {
  /** The families the suite's tests belong to (besides ALL). */
  families: readonly Family[];
  /** Default clause of the suite's tests. */
  clause?: string;
  /** Needs every test of the suite has (added to each test's own). */
  needs?: readonly Need[];
  /** Default level of the suite's tests (MUST). */
  level?: Level;
  /** The suite's tests have LU-wide side effects (see TestSpec.exclusive). */
  exclusive?: boolean;
}

export interface TestSpec {
  /** One paragraph: what the test sends, what it expects, and why (this is what -V prints). */
  doc: string;
  /** The clause of the standard the test checks, e.g. 'SBC-4 5.16' or 'RFC 7143 11.18'. Default: the suite's. */
  clause?: string;
  /** MUST (a failure fails the run) or SHOULD (a warning unless --strict). Default: the suite's, else MUST. */
  level?: Level;
  /** Preconditions; a test whose needs are not met is skipped with the reason and never run. */
  needs?: readonly Need[];
  /** Override the suite's families. */
  families?: readonly Family[];
  /** Time limit in seconds (default: --timeout, else 60). An explicit --timeout applies to every test. */
  timeout?: number;
  /**
   * Open the test's standard session before the body (default true). Tests of login itself set false and
   * open their own sessions with `t.login()`.
   */
  session?: boolean;
  /**
   * The test changes what other I_T nexuses see of the logical unit (a reservation, PREVENT, a stop or an
   * eject, a reset, a nexus loss that releases a RESERVE (6)...), so `--jobs` runs it alone. Default: the
   * suite's, else true exactly when it needs dataloss, sanitize or twoInitiators.
   */
  exclusive?: boolean;
}

/** A registered test. */
export interface TestDef {
  readonly suite: string;
  readonly name: string;
  /** `Suite.Test`: unique across the registry. */
  readonly key: string;
  readonly doc: string;
  readonly clause: string;
  readonly level: Level;
  readonly needs: readonly Need[];
  readonly families: readonly Family[];
  readonly timeout?: number;
  readonly session: boolean;
  /** Runs alone under --jobs (TestSpec.exclusive). */
  readonly exclusive: boolean;
  readonly run: TestBody;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const CLAUSE = /^(SPC-[0-9]|SBC-[0-9]|SAM-[0-9]|RFC [0-9]+|iSER|SPC|SBC|SAM)/;

class DefinitionError extends Error {}

function validNeed(n: Need, where: string): Need {
  if (typeof n === 'string') {
    if (!isNamedNeed(n)) {
      throw new DefinitionError(`${where}: unknown need "${n}" (known: ${Object.keys(NAMED_NEEDS).join(', ')}, opcode(), minBlocks(), or { name, check })`);
    }
    return n;
  }
  if (n && typeof n === 'object') {
    if ('opcode' in n && Number.isInteger(n.opcode) && n.opcode >= 0 && n.opcode <= 0xff) return n;
    if ('minBlocks' in n && Number.isInteger(n.minBlocks) && n.minBlocks >= 0) return n;
    if ('name' in n && typeof n.name === 'string' && typeof n.check === 'function') return n;
  }
  throw new DefinitionError(`${where}: malformed need ${JSON.stringify(n)}`);
}

/** A suite under construction: `suite.test(...)` adds tests; the module's default export is the suite. */
export class Suite {
  readonly name: string;
  readonly families: readonly Family[];
  readonly clause: string | undefined;
  readonly needs: readonly Need[];
  readonly level: Level;
  readonly exclusive: boolean | undefined;
  readonly tests: TestDef[] = [];
  /** The file it was loaded from (set by the loader). */
  file: string | undefined;

  constructor(name: string, opts: SuiteOptions) {
    if (!NAME.test(name)) throw new DefinitionError(`suite name "${name}" must be letters, digits, _ and - (no dots)`);
    if (!opts || !Array.isArray(opts.families) || opts.families.length === 0)
      throw new DefinitionError(`suite ${name}: families must list at least one of ${FAMILIES.join(', ')}`);
    for (const f of opts.families)
      if (!FAMILIES.includes(f)) throw new DefinitionError(`suite ${name}: unknown family "${f}" (${FAMILIES.join(', ')}; ALL is implied)`);
    if (opts.clause !== undefined && !CLAUSE.test(opts.clause))
      throw new DefinitionError(`suite ${name}: clause "${opts.clause}" should name a standard, e.g. 'SBC-4 5.16' or 'RFC 7143 11.18'`);
    this.name = name;
    this.families = [...opts.families];
    this.clause = opts.clause;
    this.needs = (opts.needs ?? []).map((n) => validNeed(n, `suite ${name}`));
    this.level = opts.level ?? 'MUST';
    this.exclusive = opts.exclusive;
  }

  /** Declare a test. The body receives the test context `t` (harness/context.ts). */
  test(name: string, spec: TestSpec, run: TestBody): this {
    const where = `test ${this.name}.${name}`;
    if (!NAME.test(name)) throw new DefinitionError(`${where}: test name must be letters, digits, _ and - (no dots)`);
    if (this.tests.some((t) => t.name === name)) throw new DefinitionError(`${where}: declared twice`);
    if (!spec || typeof spec.doc !== 'string' || spec.doc.trim().length < 10)
      throw new DefinitionError(`${where}: doc must be a paragraph saying what the test sends and expects`);
    if (typeof run !== 'function') throw new DefinitionError(`${where}: the body must be a function`);
    const clause = spec.clause ?? this.clause;
    if (!clause) throw new DefinitionError(`${where}: no clause (give one on the test or the suite)`);
    if (!CLAUSE.test(clause)) throw new DefinitionError(`${where}: clause "${clause}" should name a standard, e.g. 'SBC-4 5.16' or 'RFC 7143 11.18'`);
    const level = spec.level ?? this.level;
    if (level !== 'MUST' && level !== 'SHOULD') throw new DefinitionError(`${where}: level must be MUST or SHOULD`);
    if (spec.timeout !== undefined && !(spec.timeout > 0 && spec.timeout <= 3600))
      throw new DefinitionError(`${where}: timeout is in seconds, 0 < timeout <= 3600`);
    const families = spec.families ?? this.families;
    for (const f of families) if (!FAMILIES.includes(f)) throw new DefinitionError(`${where}: unknown family "${f}"`);
    const needs = [...this.needs, ...(spec.needs ?? []).map((n) => validNeed(n, where))];
    if (needs.includes('sanitize') && !needs.includes('dataloss')) needs.push('dataloss');
    const def: TestDef = {
      suite: this.name,
      name,
      key: `${this.name}.${name}`,
      doc: spec.doc.trim().replace(/\s+/g, ' '),
      clause,
      level,
      needs,
      families: [...families],
      ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
      session: spec.session ?? true,
      exclusive: spec.exclusive ?? this.exclusive ?? needs.some((n) => n === 'dataloss' || n === 'sanitize' || n === 'twoInitiators'),
      run,
    };
    this.tests.push(def);
    return this;
  }
}

/** Start a suite; export it as the module's default export. */
export function defineSuite(name: string, opts: SuiteOptions): Suite {
  return new Suite(name, opts);
}

/** Every loaded suite and test, in a stable order: suites by name (case-insensitive), tests as declared. */
export class Registry {
  readonly suites: readonly Suite[];
  private readonly byKey = new Map<string, TestDef>();

  constructor(suites: Suite[]) {
    const names = new Map<string, Suite>();
    for (const s of suites) {
      const prev = names.get(s.name);
      if (prev) throw new ExitError(4, `suite ${s.name} is defined twice (${prev.file ?? '?'} and ${s.file ?? '?'})`);
      names.set(s.name, s);
    }
    this.suites = [...suites].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' }) || a.name.localeCompare(b.name));
    for (const s of this.suites) for (const t of s.tests) this.byKey.set(t.key, t);
  }

  /** Every test, suite by suite. */
  get tests(): TestDef[] {
    return this.suites.flatMap((s) => s.tests);
  }

  get(key: string): TestDef | undefined {
    return this.byKey.get(key);
  }

  /** The families a test can be addressed by: its own, then ALL. */
  static familiesOf(t: TestDef): string[] {
    return [...t.families, ALL];
  }

  /**
   * Load every suite under `dirs` (each holding area folders such as scsi/ and iscsi/ with one compiled
   * suite module per file). Errors name the file and carry exit code 4.
   */
  static async load(dirs: readonly string[] = [defaultSuitesDir()]): Promise<Registry> {
    const suites: Suite[] = [];
    for (const dir of dirs) {
      for (const file of suiteFiles(dir)) suites.push(await loadSuite(file));
    }
    return new Registry(suites);
  }
}

/** dist/suites, next to dist/harness. */
export function defaultSuitesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'suites');
}

function suiteFiles(dir: string): string[] {
  let areas: string[];
  try {
    areas = readdirSync(dir).sort();
  } catch (e) {
    throw new ExitError(4, `cannot read the suites folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: string[] = [];
  for (const area of areas) {
    const p = join(dir, area);
    if (!statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p).sort()) {
      if (!f.endsWith('.js') || f.startsWith('_') || f.endsWith('.test.js')) continue;
      out.push(join(p, f));
    }
  }
  return out;
}

async function loadSuite(file: string): Promise<Suite> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    const why = e instanceof DefinitionError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
    throw new ExitError(4, `suite file ${file} failed to load: ${why}`, { cause: e });
  }
  const s = mod.default;
  if (!(s instanceof Suite)) throw new ExitError(4, `suite file ${file} has no default export made by defineSuite()`);
  const expected = basename(file, '.js');
  if (s.name.toLowerCase() !== expected.toLowerCase()) {
    throw new ExitError(4, `suite file ${file} defines suite ${s.name}: the file must be named ${s.name.toLowerCase()}.ts`);
  }
  if (s.tests.length === 0) throw new ExitError(4, `suite ${s.name} (${file}) declares no test`);
  s.file = file;
  return s;
}

export { DefinitionError };
