/**
 * The iSNS family against Debian's tgtd as a real iSNS client (tgtadm's iSNSServerIP, iSNSServerPort and
 * iSNS=On), with the harness playing the iSNS server: verdicts committed in fixtures/expect/tgtd.json
 * (and tgtd-thin.json: iSNS does not depend on the LUN). tgtd connects to its iSNS server only when iSNS
 * is switched on and does not retry, so it is switched on once the harness listens, as a user would do.
 * Deregister's stop and start are tgtadm iSNS Off and On. The same run is captured, and tshark (an
 * independent iSNS dissector) must decode every iSNSP PDU of it without a malformed one; so must a run
 * against the reference target's program, which Deregister stops by SIGTERM and starts again by shell
 * commands, as an operator would.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Capture } from '../support/capture.js';
import { requirePeers, which } from '../support/peers.js';
import { freePort, run, waitForPort } from '../support/proc.js';
import { Tgtd } from '../support/tgtd.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');
const TARGET_BIN = resolve(here, '../../bin/iscsi-target.js');
const EXPECT = resolve(here, '../../../fixtures/expect');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 300_000, maxBuffer: 32 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Every iSNSP PDU tshark finds on the port: function ID and whether it is malformed. */
async function decodeIsns(cap: Capture, port: number): Promise<{ frame: number; func: string; malformed: boolean }[]> {
  const r = await run(
    which('tshark')!,
    [
      '-r',
      cap.file,
      '-2',
      '-n',
      '-d',
      `tcp.port==${port},isns`,
      '-Y',
      'isns || _ws.malformed',
      '-T',
      'fields',
      '-E',
      'separator=\t',
      '-e',
      'frame.number',
      '-e',
      'isns.functionid',
      '-e',
      '_ws.malformed',
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [frame, func, malformed] = l.split('\t');
      return { frame: Number(frame), func: func ?? '', malformed: !!malformed };
    });
}

describe('the iSNS family against tgtd and the reference target, captured and decoded by tshark', function () {
  this.timeout(400_000);
  let dir: string;
  before(function () {
    requirePeers(this, 'tgtd', 'tgtadm', 'dumpcap', 'tshark');
    dir = mkdtempSync(join(tmpdir(), 'iscsi-test-tgtd-isns-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const baseline of ['tgtd.json', 'tgtd-thin.json']) {
    it(`tgtd: iscsi-test --test=iSNS --isns-server 127.0.0.1:PORT --expect=fixtures/expect/${baseline}: every verdict as committed; tshark decodes the iSNS traffic, none malformed`, async () => {
      const tgtd = await Tgtd.start();
      const port = await freePort();
      const cap = await Capture.start(port);
      try {
        const json = join(dir, `isns-${baseline}`);
        // Deregister switches tgtd's iSNS client off (tgtadm iSNS Off) and on again: tgtd stays up for the other tests.
        const iSNS = (value: string) => tgtd.admCommand('--op', 'update', '--mode', 'sys', '--name', 'iSNS', '--value', value);
        const running = cli([
          '--test=iSNS',
          '--isns-server',
          `127.0.0.1:${port}`,
          `--target-stop-command=${iSNS('Off')}`,
          `--target-start-command=${iSNS('On')}`,
          `--expect=${resolve(EXPECT, baseline)}`,
          `--json=${json}`,
          tgtd.url(1),
        ]);
        await waitForPort('127.0.0.1', port, 30_000);
        for (const [name, value] of [
          ['iSNSServerIP', '127.0.0.1'],
          ['iSNSServerPort', String(port)],
          ['iSNSAccessControl', 'Off'],
          ['iSNS', 'On'],
        ]) {
          await tgtd.adm('--op', 'update', '--mode', 'sys', '--name', name!, '--value', value!);
        }
        const o = await running;
        const report = JSON.parse(readFileSync(json, 'utf8')) as {
          results: { id: string; verdict: string }[];
          baseline: { changed: unknown[]; matched: number };
        };
        assert.equal(o.code, 0, `verdicts changed against the baseline (exit ${o.code}):\n${o.stdout}\n${o.stderr}`);
        assert.equal(report.results.length, 7);
        assert.equal(report.baseline.matched, report.results.length);
      } finally {
        await cap.stop();
        await tgtd.stop();
      }
      const pdus = await decodeIsns(cap, port);
      assert.ok(
        pdus.some((p) => p.func === '1'),
        `tshark saw a DevAttrReg from tgtd (${pdus.length} iSNS frames)`,
      );
      assert.deepEqual(
        pdus.filter((p) => p.malformed).map((p) => p.frame),
        [],
        'malformed iSNS frames',
      );
    });
  }

  it('reference target (the program, stopped by SIGTERM and started again for Deregister): the iSNS family passes; tshark decodes its iSNS traffic, none malformed', async () => {
    const port = await freePort();
    const tport = await freePort();
    const cap = await Capture.start(port);
    const iqn = 'iqn.2026-11.org.iscsi-test:isns-capture';
    const pidFile = join(dir, 'iscsi-target.pid');
    const argv = [process.execPath, TARGET_BIN, '-f', '-a', '127.0.0.1', '-p', String(tport), '--target', iqn, '--isns', `127.0.0.1:${port}`];
    // The harness stops and starts the program itself, as an operator's commands would: by the PID it wrote.
    const startCommand = `${argv.join(' ')} </dev/null >>${join(dir, 'iscsi-target.log')} 2>&1 & echo $! >${pidFile}`;
    const stopCommand = `p=$(cat ${pidFile}); kill -TERM $p; while kill -0 $p 2>/dev/null; do sleep 0.1; done`;
    const pid = () => Number(readFileSync(pidFile, 'utf8'));
    try {
      const started = await run('/bin/sh', ['-c', startCommand], { timeoutMs: 10_000 });
      assert.equal(started.code, 0, started.stderr);
      await waitForPort('127.0.0.1', tport, 10_000);
      const first = pid();
      const o = await cli([
        '--test=iSNS',
        '--isns-server',
        `127.0.0.1:${port}`,
        `--target-stop-command=${stopCommand}`,
        `--target-start-command=${startCommand}`,
        `iscsi://127.0.0.1:${tport}/${iqn}/0`,
      ]);
      assert.equal(o.code, 0, o.stdout + o.stderr);
      assert.match(o.stdout, /Summary: 7 passed, 0 failed, 0 skipped/);
      assert.notEqual(pid(), first, 'Deregister stopped the program and started another');
    } finally {
      try {
        process.kill(pid(), 'SIGTERM');
      } catch {
        /* already gone */
      }
      await cap.stop();
    }
    const pdus = await decodeIsns(cap, port);
    assert.ok(
      pdus.some((p) => p.func === '1') && pdus.some((p) => p.func === '32769'),
      `tshark saw DevAttrReg and DevAttrRegRsp (${pdus.map((p) => p.func).join(',')})`,
    );
    assert.deepEqual(
      pdus.filter((p) => p.malformed).map((p) => p.frame),
      [],
      'malformed iSNS frames',
    );
  });
});
