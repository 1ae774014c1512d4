/**
 * The command line as users run it (a child process): listing and -V without a target, exit codes 0-4,
 * one-line errors without stack traces for bad input, the embedded default, JUnit XML validated against
 * the Jenkins schema and read back, JSON, --trace (text and a pcap tshark decodes), --expect, --shard.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import type { RunningTarget } from '../../reference-target/index.js';
import { requirePeers } from '../support/peers.js';
import { freePort, run } from '../support/proc.js';
import { REF_IQN, refTarget } from './support/targets.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');
const XSD = resolve(here, '../../../fixtures/junit/jenkins-junit.xsd');

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutMs: number | NodeJS.ProcessEnv = 60_000, cwd?: string): Promise<Out> {
  // cli(args, env) runs with these variables added to the environment
  const env = typeof timeoutMs === 'object' ? { ...process.env, ...timeoutMs } : process.env;
  const ms = typeof timeoutMs === 'number' ? timeoutMs : 60_000;
  return new Promise((res) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: ms, env, maxBuffer: 32 << 20, killSignal: 'SIGKILL', ...(cwd ? { cwd } : {}) },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** A bad-input failure: the exit code, and one line on stderr naming the problem (no stack trace). */
function oneLine(o: Out, code: number, re: RegExp): void {
  assert.equal(o.code, code, `exit code (stderr: ${o.stderr})`);
  const lines = o.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${o.stderr}`);
  assert.match(lines[0]!, /^iscsi-test: /);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(o.stderr, /\n\s+at /, 'no stack trace');
}

describe('iscsi-test command line', function () {
  this.timeout(180_000);
  let target: RunningTarget | undefined;
  let quirky: RunningTarget | undefined;
  let dir: string;

  before(async () => {
    target = await refTarget();
    quirky = await refTarget({ quirks: ['no-lba-range-check'] });
    dir = mkdtempSync(join(tmpdir(), 'iscsi-test-cli-'));
  });
  after(async () => {
    await target?.stop();
    await quirky?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (t?: RunningTarget) => `iscsi://127.0.0.1:${t!.port}/${REF_IQN}/0`;

  describe('without a target', () => {
    for (const args of ['--list --json', '-V --test=SCSI']) {
      it(`${args} | head -c 10 ends quietly with exit 0, no stack trace`, async () => {
        // A real shell pipe (a child's stdio 'pipe' is a socket pair, whose buffer takes the whole output).
        const r = await run('bash', ['-c', `"$0" "$1" ${args} | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`, process.execPath, BIN], { timeoutMs: 20_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /Unhandled|EPIPE|\n\s+at /);
      });
    }

    it('--list prints families, suites and tests as libiscsi does, and needs no URL', async () => {
      const o = await cli(['--list']);
      assert.equal(o.code, 0, o.stderr);
      const lines = o.stdout.trim().split('\n');
      assert.equal(lines[0], 'ALL');
      assert.ok(lines.includes('SCSI.Read10'));
      assert.ok(lines.includes('SCSI.Read10.BeyondEol'));
      assert.ok(lines.includes('iSCSI.iSCSINop.Simple'));
      assert.ok(lines.includes('ALL.ReportLUNs.Simple'), "ALL is the union of the families (libiscsi's ALL lacks ReportLUNs)");
      assert.ok(lines.indexOf('SCSI') > 0 && lines.indexOf('iSCSI') > lines.indexOf('SCSI'));
    });

    it('--list --json gives each test its doc, clause, level, needs and families', async () => {
      const o = await cli(['--list', '--json', '--test=SCSI.Write10']);
      assert.equal(o.code, 0, o.stderr);
      const j = JSON.parse(o.stdout) as { tests: { id: string; doc: string; clause: string; level: string; needs: string[]; families: string[] }[] };
      assert.ok(j.tests.length >= 5);
      for (const t of j.tests) {
        assert.match(t.id, /^SCSI\.Write10\./);
        assert.ok(t.doc.length > 40 && /^SBC-4 5\.40/.test(t.clause) && t.level === 'MUST');
        assert.ok(t.needs.includes('dataloss'));
        assert.deepEqual(t.families, ['SCSI', 'ALL']);
      }
    });

    it('-V prints the documentation of the selection and runs nothing', async () => {
      const o = await cli(['-V', '--test=*.Read10.BeyondEol']);
      assert.equal(o.code, 0, o.stderr);
      assert.match(
        o.stdout,
        /^SCSI\.Read10\.BeyondEol\n {4}MUST, SBC-4 5\.16, SBC-4 4\.5; needs: sbc, capacity; families: SCSI, ALL\n {4}READ\(10\) of 1 to 256 blocks/,
      );
      assert.doesNotMatch(o.stdout, /Target:|Summary:/);
    });

    it('bad usage is exit code 2 with one line: unknown option, bad URL, two URLs, empty selection, unreadable @file, bad --shard/--timeout', async () => {
      oneLine(await cli(['--bogus']), 2, /Unknown argument: bogus/);
      oneLine(await cli(['iscsi://127.0.0.1']), 2, /bad iSCSI URL .*the target name and LUN are missing/);
      oneLine(await cli(['http://x/y/0']), 2, /must start with iscsi:\/\//);
      oneLine(await cli(['iscsi://a/iqn.2000-01.a:b/0', 'iscsi://b/iqn.2000-01.a:b/0']), 2, /one target URL at most/);
      oneLine(await cli(['--test=SCSI.NoSuchSuite']), 2, /--test=SCSI\.NoSuchSuite matches no test/);
      oneLine(await cli(['--test=scsi.read10']), 2, /did you mean SCSI\.Read10\?/);
      oneLine(await cli([`--test=@${join(dir, 'missing.txt')}`]), 2, /cannot read the test-list file \(ENOENT\)/);
      oneLine(await cli(['--shard=3/2']), 2, /--shard=3\/2/);
      oneLine(await cli(['--timeout=soon']), 2, /--timeout=soon/);
      oneLine(await cli(['--silent', '--verbose']), 2, /contradict/);
      oneLine(await cli([`--expect=${join(dir, 'missing.json')}`]), 2, /--expect=.*cannot read the baseline/);
      oneLine(await cli(['--target-stop-command=true', 'iscsi://a/iqn.2000-01.a:b/0']), 2, /--target-stop-command and --target-start-command go together/);
      oneLine(await cli(['--target-stop-command=true', '--target-start-command=true']), 2, /needs the URL of a target/);
    });

    it('a broken suite is exit code 4 with one line naming the file', async () => {
      const sd = join(dir, 'broken');
      mkdirSync(join(sd, 'area'), { recursive: true });
      writeFileSync(join(sd, 'area', 'oops.js'), 'throw new Error("boom");\n');
      oneLine(await cli(['--list', `--suites-dir=${sd}`]), 4, /suite file .*oops\.js failed to load: Error: boom/);
    });
  });

  describe('against a target', () => {
    it('exit code 3 when the target cannot be reached or refuses the login, before any test', async () => {
      const port = await freePort();
      oneLine(await cli([`iscsi://127.0.0.1:${port}/${REF_IQN}/0`]), 3, /cannot reach 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      oneLine(await cli([`iscsi://127.0.0.1:${target!.port}/iqn.2026-11.org.iscsi-test:nobody/0`]), 3, /cannot log in to iqn\.2026-11\.org\.iscsi-test:nobody/);
    });

    it('a CHAP secret in the URL warns that it shows in the process list and names the environment variables; LIBISCSI_CHAP_* do not warn', async () => {
      const port = await freePort();
      const o = await cli([`iscsi://alice%alice-secret-1234@127.0.0.1:${port}/${REF_IQN}/0?target_user=t&target_password=target-secret-5678`]);
      assert.equal(o.code, 3, o.stderr);
      assert.match(
        o.stderr,
        /^iscsi-test: warning: the URL carries a CHAP secret, which every local user can read in the process list; give it in LIBISCSI_CHAP_PASSWORD \(and LIBISCSI_CHAP_TARGET_PASSWORD for mutual CHAP\) instead\n/,
      );
      assert.doesNotMatch(o.stderr + o.stdout, /alice-secret-1234|target-secret-5678/, 'a secret was printed');
      const e = await cli([`iscsi://127.0.0.1:${port}/${REF_IQN}/0`], { LIBISCSI_CHAP_USERNAME: 'alice', LIBISCSI_CHAP_PASSWORD: 'alice-secret-1234' });
      assert.doesNotMatch(e.stderr, /warning/);
    });

    it('exit code 0 when every selected test passes or skips; without --dataloss writes are skipped with that reason', async () => {
      const o = await cli(['--test=SCSI.TestUnitReady,SCSI.Write10.Simple', url(target)]);
      assert.equal(o.code, 0, o.stdout + o.stderr);
      assert.match(o.stdout, /PASS +SCSI\.TestUnitReady\.Simple/);
      assert.match(o.stdout, /SKIP +SCSI\.Write10\.Simple +--dataloss not given/);
      assert.match(o.stdout, /Summary: 1 passed, 0 failed, 1 skipped, 0 errors, 0 warnings/);
    });

    it('without --allow-sanitize no SANITIZE reaches the target (each Sanitize test skips with that reason); with it, SANITIZE is sent', async () => {
      const { Proxy } = await import('./support/proxy.js');
      const proxy = await Proxy.start({ host: '127.0.0.1', port: target!.port });
      try {
        const via = proxy.url(REF_IQN, 0);
        const o = await cli(['--test=SCSI.Sanitize', '--dataloss', via]);
        assert.equal(o.code, 0, o.stdout + o.stderr);
        const lines = o.stdout.split('\n').filter((l) => /SCSI\.Sanitize\./.test(l));
        assert.ok(lines.length >= 5, o.stdout);
        for (const l of lines) assert.match(l, /SKIP +SCSI\.Sanitize\.\S+ +--allow-sanitize not given/);
        assert.equal(proxy.seen.filter((c) => c[0] === 0x48).length, 0, 'a SANITIZE CDB was sent without --allow-sanitize');
        const w = await cli(['--test=SCSI.Sanitize.InvalidServiceAction', '--dataloss', '--allow-sanitize', via], 120_000);
        assert.match(w.stdout, /PASS +SCSI\.Sanitize\.InvalidServiceAction/);
        assert.doesNotMatch(w.stdout, /--allow-sanitize not given/);
        assert.ok(proxy.seen.filter((c) => c[0] === 0x48).length > 0, `no SANITIZE CDB was sent with --allow-sanitize:\n${w.stdout}`);
      } finally {
        await proxy.stop();
      }
    });

    it('exit code 1 when a test fails; the message names what was sent, expected and got', async () => {
      const o = await cli(['--test=SCSI.Read10.BeyondEol,SCSI.TestUnitReady', url(quirky)]);
      assert.equal(o.code, 1, o.stdout + o.stderr);
      assert.match(
        o.stdout,
        /FAIL +SCSI\.Read10\.BeyondEol[^\n]*\n +READ\(10\) LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST\/LBA OUT OF RANGE, got GOOD\n +\(MUST, SBC-4 5\.16, SBC-4 4\.5\)/,
      );
      assert.match(o.stdout, /PASS +SCSI\.TestUnitReady\.Simple/);
    });

    it('--verbose narrates the probe and every command with its outcome; --silent prints only problems and the summary', async () => {
      const v = await cli(['--verbose', '--test=SCSI.ReadCapacity10', url(target)]);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /Probe:\n {4}TEST UNIT READY: cleared CHECK CONDITION UNIT ATTENTION/);
      assert.match(v.stdout, /> READ CAPACITY\(10\) \(expecting GOOD\)\n +< GOOD, 8 bytes/);
      const s = await cli(['--silent', '--test=SCSI.TestUnitReady,SCSI.Read10.BeyondEol', url(quirky)]);
      assert.equal(s.code, 1);
      assert.doesNotMatch(s.stdout, /TestUnitReady|Target:/);
      assert.match(s.stdout, /FAIL +SCSI\.Read10\.BeyondEol/);
      assert.match(s.stdout, /^Summary: 1 passed, 1 failed/m);
    });

    it('with no URL runs against the embedded reference target and says so', async () => {
      const o = await cli(['--test=SCSI.TestUnitReady,SCSI.Write10.Simple']);
      assert.equal(o.code, 0, o.stdout + o.stderr);
      assert.match(o.stdout, /Target: +iscsi:\/\/127\.0\.0\.1:\d+\/iqn\.2026-11\.org\.iscsi-test:embedded\/0 +\(embedded reference target/);
      assert.match(o.stdout, /PASS +SCSI\.Write10\.Simple/, 'dataloss is implied for the embedded target');
    });

    it('--xml writes JUnit XML that validates against the Jenkins schema and reads back: suites, classnames, failure, skipped, properties', async () => {
      const file = join(dir, 'junit.xml');
      const o = await cli([`--xml=${file}`, '--test=SCSI.Read10.BeyondEol,SCSI.TestUnitReady,SCSI.Write10.Simple,*.Inquiry.VersionDescriptors', url(quirky)]);
      assert.equal(o.code, 1, o.stderr);
      const xml = readFileSync(file, 'utf8');
      const v = await validateXML({
        xml: [{ fileName: 'junit.xml', contents: xml }],
        schema: [{ fileName: 'jenkins-junit.xsd', contents: readFileSync(XSD, 'utf8') }],
      });
      assert.ok(v.valid, `schema errors: ${JSON.stringify(v.errors)}`);
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase', 'property'].includes(n) }).parse(
        xml,
      ) as {
        testsuites: {
          tests: string;
          failures: string;
          testsuite: {
            name: string;
            tests: string;
            failures: string;
            skipped: string;
            properties: { property: { name: string; value: string }[] };
            testcase: { classname: string; name: string; failure?: { message: string; '#text': string }; skipped?: { message: string } }[];
          }[];
        };
      };
      const suites = doc.testsuites.testsuite;
      assert.deepEqual(
        suites.map((s) => s.name),
        ['SCSI.Read10', 'SCSI.TestUnitReady', 'SCSI.Write10', 'SCSI.Inquiry'],
      );
      const beyond = suites[0]!.testcase[0]!;
      assert.equal(beyond.classname, 'SCSI.Read10');
      assert.equal(beyond.name, 'BeyondEol');
      assert.equal(beyond.failure!.message, 'READ(10) LBA=131072 LEN=1: expected CHECK CONDITION ILLEGAL REQUEST/LBA OUT OF RANGE, got GOOD');
      assert.match(beyond.failure!['#text'], /> READ\(10\) LBA=131072 LEN=1 \(expecting/, 'the narration goes with the failure');
      assert.equal(suites[0]!.failures, '1');
      const skipped = suites[2]!.testcase[0]!;
      assert.equal(skipped.skipped!.message, '--dataloss not given');
      assert.equal(suites[2]!.skipped, '1');
      const props = Object.fromEntries(suites[0]!.properties.property.map((p) => [p.name, p.value]));
      assert.equal(props['target'], url(quirky));
      assert.equal(props['target.embedded'], 'false');
      assert.equal(props['device.vendor'], 'ISCSITST');
      assert.equal(doc.testsuites.failures, '1');
    });

    it('--xml without FILE before the URL writes junit.xml and still tests the URL', async () => {
      const cwd = join(dir, 'xmlcwd');
      mkdirSync(cwd, { recursive: true });
      const o = await cli(['--test=SCSI.TestUnitReady', '--xml', url(target)], 60_000, cwd);
      assert.equal(o.code, 0, o.stderr);
      assert.doesNotMatch(o.stdout, /embedded/);
      assert.match(readFileSync(join(cwd, 'junit.xml'), 'utf8'), /<testcase classname="SCSI\.TestUnitReady" name="Simple"/);
    });

    it('--json writes the run; --shard splits a selection into disjoint parts', async () => {
      const file = join(dir, 'run.json');
      const o = await cli([`--json=${file}`, '--test=SCSI.ReadCapacity16', '--shard=1/2', url(target)]);
      assert.equal(o.code, 0, o.stderr);
      const j = JSON.parse(readFileSync(file, 'utf8')) as { results: { id: string; verdict: string }[]; counts: { total: number }; info: { shard: string } };
      const o2 = await cli([`--json=${file}2`, '--test=SCSI.ReadCapacity16', '--shard=2/2', url(target)]);
      assert.equal(o2.code, 0, o2.stderr);
      const j2 = JSON.parse(readFileSync(`${file}2`, 'utf8')) as typeof j;
      const a = j.results.map((r) => r.id);
      const b = j2.results.map((r) => r.id);
      assert.deepEqual([...a, ...b].sort(), [
        'SCSI.ReadCapacity16.Alloclen',
        'SCSI.ReadCapacity16.PI',
        'SCSI.ReadCapacity16.Simple',
        'SCSI.ReadCapacity16.Support',
      ]);
      assert.equal(a.filter((x) => b.includes(x)).length, 0);
      assert.equal(j.info.shard, '1/2');
    });

    it('--expect: known failures match the baseline (exit 0); a change fails the run (exit 1); a malformed baseline is exit 2', async () => {
      const base = join(dir, 'base.json');
      const sel = '--test=SCSI.Read10.BeyondEol,SCSI.TestUnitReady';
      writeFileSync(
        base,
        JSON.stringify({
          target: 'reference target with no-lba-range-check',
          expected: { 'SCSI.Read10.BeyondEol': { verdict: 'fail', reason: 'the quirk accepts LBAs past the end', clause: 'SBC-4 4.5' } },
        }),
      );
      const ok = await cli([`--expect=${base}`, sel, url(quirky)]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /Baseline .*: 2 as expected, 0 changed/);
      const changed = await cli([`--expect=${base}`, sel, url(target)]);
      assert.equal(changed.code, 1, changed.stdout);
      assert.match(changed.stdout, /CHANGED SCSI\.Read10\.BeyondEol: expected fail \(the quirk accepts LBAs past the end\), got pass/);
      writeFileSync(base, JSON.stringify({ expected: { 'SCSI.Read10.BeyondEol': { verdict: 'fail' } } }));
      oneLine(await cli([`--expect=${base}`, sel, url(quirky)]), 2, /entry SCSI\.Read10\.BeyondEol has no reason/);
    });

    it('--trace writes the decoded PDUs and a pcap of each failed test, which tshark decodes as iSCSI', async function () {
      const tdir = join(dir, 'trace');
      const o = await cli([`--trace=${tdir}`, '--test=SCSI.Read10.BeyondEol,SCSI.TestUnitReady', url(quirky)]);
      assert.equal(o.code, 1, o.stderr);
      assert.deepEqual(readdirSync(tdir).sort(), ['SCSI.Read10.BeyondEol.pcap', 'SCSI.Read10.BeyondEol.txt']);
      const txt = readFileSync(join(tdir, 'SCSI.Read10.BeyondEol.txt'), 'utf8');
      assert.match(txt, /^SCSI\.Read10\.BeyondEol: FAIL: READ\(10\) LBA=131072 LEN=1: expected/);
      assert.match(txt, />> Login Request/);
      assert.match(txt, />> SCSI Command .*READ\(10\)|>> SCSI Command/);
      assert.match(txt, /<< SCSI Data-In|<< SCSI Response/);
      const { tshark } = requirePeers(this, 'tshark');
      const r = await run(
        tshark!,
        ['-r', join(tdir, 'SCSI.Read10.BeyondEol.pcap'), '-d', `tcp.port==${quirky!.port},iscsi`, '-Y', 'iscsi', '-T', 'fields', '-e', 'iscsi.opcode'],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const ops = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]!.trim());
      assert.ok(ops.includes('0x03') && ops.includes('0x23'), `login request and response decoded: ${ops.slice(0, 10).join(' ')}`);
      assert.ok(ops.includes('0x01'), 'SCSI commands decoded');
      const bad = await run(
        tshark!,
        ['-r', join(tdir, 'SCSI.Read10.BeyondEol.pcap'), '-d', `tcp.port==${quirky!.port},iscsi`, '-Y', '_ws.malformed || tcp.analysis.flags'],
        { timeoutMs: 60_000 },
      );
      assert.equal(bad.stdout.trim(), '', `tshark finds nothing malformed: ${bad.stdout.slice(0, 500)}`);
    });
  });
});
