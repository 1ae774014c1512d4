/** Selection, listing and registry rules (no target needed). */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSuite, Registry, defaultSuitesDir } from '../../harness/registry.js';
import { everyPair, expandPatterns, globToRegExp, parseShard, select, shard } from '../../harness/select.js';
import { describeText, listJson, listText } from '../../harness/listing.js';
import { ExitError } from '../../harness/errors.js';

const nop = async () => undefined;

function registry(): Registry {
  const r10 = defineSuite('Read10', { families: ['SCSI'], clause: 'SBC-4 5.16' });
  r10.test('Simple', { doc: 'reads at the start and the end' }, nop).test('BeyondEol', { doc: 'reads past the end' }, nop);
  const r12 = defineSuite('Read12', { families: ['SCSI'], clause: 'SBC-4 5.17' });
  r12.test('Simple', { doc: 'reads at the start and the end' }, nop);
  const w10 = defineSuite('Write10', { families: ['SCSI'], clause: 'SBC-4 5.40', needs: ['dataloss'] });
  w10.test('Simple', { doc: 'writes at the start and the end' }, nop);
  const nopSuite = defineSuite('iSCSINop', { families: ['iSCSI'], clause: 'RFC 7143 11.18' });
  nopSuite.test('Simple', { doc: 'ping with data and without' }, nop);
  return new Registry([w10, nopSuite, r12, r10]);
}

const ids = (p: { id: string }[]) => p.map((x) => x.id);
const exit2 = (re: RegExp) => (e: unknown) => e instanceof ExitError && e.exitCode === 2 && re.test(e.message);

describe('selection (--test, --skip, @file, --shard)', () => {
  const reg = registry();

  it('without --test selects every test once, under its own family, suites in order', () => {
    assert.deepEqual(ids(select(reg)), ['SCSI.Read10.Simple', 'SCSI.Read10.BeyondEol', 'SCSI.Read12.Simple', 'SCSI.Write10.Simple', 'iSCSI.iSCSINop.Simple']);
  });

  it('FAMILY, FAMILY.Suite and FAMILY.Suite.Test', () => {
    assert.deepEqual(ids(select(reg, { tests: ['iSCSI'] })), ['iSCSI.iSCSINop.Simple']);
    assert.deepEqual(ids(select(reg, { tests: ['SCSI.Read12'] })), ['SCSI.Read12.Simple']);
    assert.deepEqual(ids(select(reg, { tests: ['ALL.Read10.BeyondEol'] })), ['ALL.Read10.BeyondEol']);
  });

  it('globs per part: SCSI.Read1*, *.Read10.*, ?, [..]', () => {
    assert.deepEqual(ids(select(reg, { tests: ['SCSI.Read1*'] })), ['SCSI.Read10.Simple', 'SCSI.Read10.BeyondEol', 'SCSI.Read12.Simple']);
    assert.deepEqual(ids(select(reg, { tests: ['*.Read10.*'] })), ['SCSI.Read10.Simple', 'SCSI.Read10.BeyondEol']);
    assert.deepEqual(ids(select(reg, { tests: ['*.Read1?.Simple'] })), ['SCSI.Read10.Simple', 'SCSI.Read12.Simple']);
    assert.deepEqual(ids(select(reg, { tests: ['*.Read1[!0].*'] })), ['SCSI.Read12.Simple']);
    assert.ok(globToRegExp('a.b').test('a.b') && !globToRegExp('a.b').test('axb'), 'a dot in a part is literal');
  });

  it('comma lists run in the order given, and a test reached twice runs once (first family wins)', () => {
    assert.deepEqual(ids(select(reg, { tests: ['SCSI.Write10', 'ALL.Read10.Simple', 'SCSI.Read10'] })), [
      'SCSI.Write10.Simple',
      'ALL.Read10.Simple',
      'SCSI.Read10.BeyondEol',
    ]);
    assert.deepEqual(ids(select(reg, { tests: expandPatterns(['ALL,SCSI'], '--test') })).length, 5);
  });

  it('--skip removes tests matched through any family', () => {
    assert.deepEqual(ids(select(reg, { tests: ['SCSI'], skips: ['ALL.Read10.*', '*.Write10'] })), ['SCSI.Read12.Simple']);
  });

  it('a pattern that matches nothing is exit code 2 naming it; a case mistake is spelled right', () => {
    assert.throws(() => select(reg, { tests: ['SCSI.Read99'] }), exit2(/^--test=SCSI\.Read99 matches no test/));
    assert.throws(() => select(reg, { tests: ['scsi.read10'] }), exit2(/names are case-sensitive; did you mean SCSI\.Read10\?/));
    assert.throws(() => select(reg, { tests: ['scsi.read1*'] }), exit2(/did you mean SCSI\.read1\*\?|did you mean SCSI\.Read1\*\?/));
    assert.throws(() => select(reg, { tests: ['Read10'] }), exit2(/the first part is the family .*did you mean \*\.Read10\?/));
    assert.throws(() => select(reg, { skips: ['SCSI.Nope'] }), exit2(/^--skip=SCSI\.Nope matches no test/));
    assert.throws(() => select(reg, { tests: ['SCSI.Read10.Simple.x'] }), exit2(/at most three parts/));
    assert.throws(() => select(reg, { tests: ['SCSI..Simple'] }), exit2(/empty part/));
    assert.throws(() => select(reg, { tests: ['SCSI.Read10'], skips: ['SCSI.Read10'] }), exit2(/selection is empty/));
  });

  it('@file: one pattern (or comma list) a line, # comments; unreadable or empty files are exit code 2', () => {
    const files: Record<string, string> = { list: '# my CI subset\nSCSI.Read10.Simple   # the basic read\n\n*.Write10,iSCSI\n', empty: '# nothing\n' };
    const read = (f: string) => {
      if (!(f in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return files[f]!;
    };
    assert.deepEqual(expandPatterns(['@list', 'SCSI.Read12'], '--test', read), ['SCSI.Read10.Simple', '*.Write10', 'iSCSI', 'SCSI.Read12']);
    assert.throws(() => expandPatterns(['@missing'], '--test', read), exit2(/--test=@missing: cannot read the test-list file \(ENOENT\)/));
    assert.throws(() => expandPatterns(['@empty'], '--test', read), exit2(/holds no pattern/));
    assert.throws(() => expandPatterns([''], '--test', read), exit2(/needs a pattern/));
  });

  it('--shard K/N deals tests round-robin; the shards partition the selection', () => {
    const all = select(reg);
    const parts = [1, 2, 3].map((k) => ids(shard(all, k, 3)));
    assert.deepEqual(parts, [['SCSI.Read10.Simple', 'SCSI.Write10.Simple'], ['SCSI.Read10.BeyondEol', 'iSCSI.iSCSINop.Simple'], ['SCSI.Read12.Simple']]);
    assert.deepEqual(parseShard('2/3'), { k: 2, n: 3 });
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0']) assert.throws(() => parseShard(bad), exit2(/--shard/));
  });
});

describe('--list, --list --json and -V', () => {
  const reg = registry();

  it('--list prints family, suite and test lines as libiscsi does, ALL first', () => {
    const text = listText(everyPair(reg));
    assert.equal(
      text,
      [
        'ALL',
        'ALL.Read10',
        'ALL.Read10.Simple',
        'ALL.Read10.BeyondEol',
        'ALL.Read12',
        'ALL.Read12.Simple',
        'ALL.Write10',
        'ALL.Write10.Simple',
        'ALL.iSCSINop',
        'ALL.iSCSINop.Simple',
        'SCSI',
        'SCSI.Read10',
        'SCSI.Read10.Simple',
        'SCSI.Read10.BeyondEol',
        'SCSI.Read12',
        'SCSI.Read12.Simple',
        'SCSI.Write10',
        'SCSI.Write10.Simple',
        'iSCSI',
        'iSCSI.iSCSINop',
        'iSCSI.iSCSINop.Simple',
        '',
      ].join('\n'),
    );
  });

  it('--list --json gives each test its doc, clause, level, needs, families and whether it runs alone under --jobs', () => {
    const j = JSON.parse(listJson(select(reg, { tests: ['*.Write10'] }))) as { tests: Record<string, unknown>[] };
    assert.deepEqual(j.tests, [
      {
        id: 'SCSI.Write10.Simple',
        family: 'SCSI',
        suite: 'Write10',
        test: 'Simple',
        families: ['SCSI', 'ALL'],
        doc: 'writes at the start and the end',
        clause: 'SBC-4 5.40',
        level: 'MUST',
        needs: ['dataloss'],
        exclusive: true,
      },
    ]);
    const nop = JSON.parse(listJson(select(reg, { tests: ['iSCSI.iSCSINop'] }))) as { tests: { exclusive: boolean }[] };
    assert.equal(nop.tests[0]!.exclusive, false, 'a test that neither writes nor uses two nexuses may run side by side');
  });

  it('-V prints each selected test with its level, clause, needs and doc', () => {
    const t = describeText(select(reg, { tests: ['SCSI.Write10.Simple'] }));
    assert.equal(
      t,
      'SCSI.Write10.Simple\n    MUST, SBC-4 5.40; needs: dataloss; families: SCSI, ALL; runs alone under --jobs (LU-wide side effects)\n    writes at the start and the end\n',
    );
  });
});

describe('registry rules', () => {
  it('refuses malformed declarations, naming the test', () => {
    const s = defineSuite('Good', { families: ['SCSI'], clause: 'SPC-5 TEST UNIT READY' });
    assert.throws(() => s.test('Has.Dot', { doc: 'a doc paragraph here' }, nop), /no dots/);
    assert.throws(() => s.test('NoDoc', { doc: '' }, nop), /Good\.NoDoc: doc must be a paragraph/);
    assert.throws(() => s.test('BadNeed', { doc: 'a doc paragraph here', needs: ['dataloos' as 'dataloss'] }, nop), /unknown need "dataloos"/);
    assert.throws(() => s.test('BadLevel', { doc: 'a doc paragraph here', level: 'MAY' as 'MUST' }, nop), /level must be MUST or SHOULD/);
    assert.throws(() => s.test('BadClause', { doc: 'a doc paragraph here', clause: 'page 12' }, nop), /should name a standard/);
    s.test('Once', { doc: 'a doc paragraph here' }, nop);
    assert.throws(() => s.test('Once', { doc: 'a doc paragraph here' }, nop), /declared twice/);
    assert.throws(() => defineSuite('NoClause', { families: ['SCSI'] }).test('X', { doc: 'a doc paragraph here' }, nop), /no clause/);
    assert.throws(() => defineSuite('Fam', { families: ['ALL' as 'SCSI'] }), /unknown family "ALL".*ALL is implied/);
    const sz = defineSuite('Sz', { families: ['SCSI'], clause: 'SBC-4 5.30' });
    sz.test('S', { doc: 'a doc paragraph here', needs: ['sanitize'] }, nop);
    assert.deepEqual(sz.tests[0]!.needs, ['sanitize', 'dataloss'], 'sanitize implies dataloss');
  });

  it('loads suites from folders at run time and refuses a suite whose file name does not match', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const api = resolve(here, '../../harness/registry.js');
    const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-suites-'));
    try {
      mkdirSync(join(dir, 'extra'));
      const body = (name: string) =>
        `import { defineSuite } from ${JSON.stringify(api)};\nconst s = defineSuite(${JSON.stringify(name)}, { families: ['SCSI'], clause: 'SPC-5 TEST UNIT READY' });\ns.test('One', { doc: 'a doc paragraph here' }, async () => {});\nexport default s;\n`;
      writeFileSync(join(dir, 'extra', 'mysuite.js'), body('MySuite'));
      writeFileSync(join(dir, 'extra', '_helper.js'), 'export const x = 1;\n');
      const reg = await Registry.load([dir]);
      assert.deepEqual(
        reg.tests.map((t) => t.key),
        ['MySuite.One'],
      );
      writeFileSync(join(dir, 'extra', 'other.js'), body('NotOther'));
      await assert.rejects(
        Registry.load([dir]),
        (e: ExitError) => e.exitCode === 4 && /defines suite NotOther: the file must be named notother\.ts/.test(e.message),
      );
      // (A new file name each time: ESM caches modules by URL.)
      rmSync(join(dir, 'extra', 'other.js'));
      writeFileSync(join(dir, 'extra', 'other2.js'), 'export default 42;\n');
      await assert.rejects(Registry.load([dir]), (e: ExitError) => e.exitCode === 4 && /no default export made by defineSuite/.test(e.message));
      rmSync(join(dir, 'extra', 'other2.js'));
      writeFileSync(
        join(dir, 'extra', 'other3.js'),
        `import { defineSuite } from ${JSON.stringify(api)};\nexport default defineSuite('Other', { families: ['SCSI'], clause: 'SPC-5 TEST UNIT READY' }).test('Bad.Name', { doc: 'a doc paragraph here' }, async () => {});\n`,
      );
      await assert.rejects(Registry.load([dir]), (e: ExitError) => e.exitCode === 4 && /failed to load: .*no dots/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the built-in suites load, with libiscsi's names and every test documented", async () => {
    const reg = await Registry.load([defaultSuitesDir()]);
    const keys = reg.tests.map((t) => t.key);
    for (const k of [
      'TestUnitReady.Simple',
      'Inquiry.Standard',
      'Inquiry.AllocLength',
      'Inquiry.EVPD',
      'Inquiry.BlockLimits',
      'Inquiry.MandatoryVPDSBC',
      'Inquiry.SupportedVPD',
      'Inquiry.VPDPageCodesSorted',
      'Inquiry.VersionDescriptors',
      'ReadCapacity10.Simple',
      'ReadCapacity16.Simple',
      'ReadCapacity16.Alloclen',
      'ReadCapacity16.PI',
      'ReadCapacity16.Support',
      'Read6.Simple',
      'Read6.BeyondEol',
      'ModeSense6.AllPages',
      'ModeSense6.Control',
      'ModeSense6.Control-D_SENSE',
      'ModeSense6.Control-SWP',
      'ModeSense6.Residuals',
      'ReportLUNs.Simple',
      'iSCSIcmdsn.iSCSICmdSnTooHigh',
      'iSCSIcmdsn.iSCSICmdSnTooLow',
      'iSCSINop.Simple',
      'iSCSISendTargets.Simple',
    ]) {
      assert.ok(keys.includes(k), `${k} is registered`);
    }
    for (const s of ['Read10', 'Read12', 'Read16'])
      for (const t of ['Simple', 'BeyondEol', 'ZeroBlocks', 'ReadProtect', 'DpoFua']) assert.ok(keys.includes(`${s}.${t}`), `${s}.${t}`);
    for (const s of ['Write10', 'Write12', 'Write16'])
      for (const t of ['Simple', 'BeyondEol', 'ZeroBlocks', 'WriteProtect', 'DpoFua']) assert.ok(keys.includes(`${s}.${t}`), `${s}.${t}`);
    for (const t of reg.tests) {
      if (t.suite.startsWith('Write')) assert.ok(t.needs.includes('dataloss'), `${t.key} writes, so it needs dataloss`);
      assert.ok(t.doc.length > 40, `${t.key} has a doc paragraph`);
    }
  });
});
