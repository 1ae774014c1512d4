/**
 * The progress line: drawn on a terminal only (a fake TTY stream here, a real pseudo-terminal through
 * script(1) below), with done/total, elapsed time and failures so far; console lines never share its line;
 * nothing of it in piped output.
 */
import { strict as assert } from 'node:assert';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunInfo, TestResult } from '../../harness/results.js';
import { elapsedText, ProgressLine } from '../../reporters/progress.js';
import { which } from '../support/peers.js';
import { run } from '../support/proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/iscsi-test.js');

class FakeTty {
  isTTY = true;
  columns = 60;
  chunks: string[] = [];
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
  /** What a terminal would show: each \r returns to the start of the line, ESC[K erases the rest. */
  screen(): string[] {
    const lines: string[] = [''];
    for (const ch of this.chunks.join('').replace(/\x1b\[K/g, '\u0000')) {
      if (ch === '\n') lines.push('');
      else if (ch === '\r') lines[lines.length - 1] = '\u0001' + lines[lines.length - 1]!.replace(/^\u0001/, '');
      else if (ch === '\u0000') lines[lines.length - 1] = '\u0001';
      else lines[lines.length - 1] = lines[lines.length - 1]!.startsWith('\u0001') ? ch : lines[lines.length - 1]! + ch;
    }
    return lines.map((l) => l.replace(/^\u0001/, ''));
  }
}

const info = (planned: number) => ({ planned }) as RunInfo;
const result = (id: string, verdict: TestResult['verdict']) => ({ id, verdict }) as TestResult;

describe('progress line', () => {
  it('is drawn only on a terminal, and not with TERM=dumb', () => {
    assert.equal(ProgressLine.on({ write: () => true }, {}), undefined);
    assert.equal(ProgressLine.on({ write: () => true, isTTY: false }, {}), undefined);
    assert.equal(ProgressLine.on({ write: () => true, isTTY: true }, { TERM: 'dumb' }), undefined);
    assert.ok(ProgressLine.on({ write: () => true, isTTY: true }, { TERM: 'xterm' }));
  });

  it('shows done/total, elapsed and failures so far, and the test running', () => {
    const tty = new FakeTty();
    let now = 0;
    const p = new ProgressLine(tty, () => now, 60_000);
    p.start(info(3));
    assert.equal(tty.chunks.length, 0, 'nothing before the first test');
    p.testStart('SCSI.Read10.Simple');
    assert.equal(p.text(), '[0/3] 0:00  SCSI.Read10.Simple');
    now = 65_000;
    p.testEnd(result('SCSI.Read10.Simple', 'fail'));
    assert.equal(p.text(), '[1/3] 1:05, 1 failed');
    p.testStart('SCSI.Read10.BeyondEol');
    p.testEnd(result('SCSI.Read10.BeyondEol', 'error'));
    p.testStart('SCSI.Read10.ZeroBlocks');
    p.testEnd(result('SCSI.Read10.ZeroBlocks', 'pass'));
    assert.equal(p.text(), '[3/3] 1:05, 2 failed');
    p.end();
    assert.equal(tty.screen().at(-1), '', 'the line is erased at the end');
  });

  it('console lines go above it, never onto its line', () => {
    const tty = new FakeTty();
    const p = new ProgressLine(tty, () => 0, 60_000);
    p.start(info(2));
    p.testStart('SCSI.A.One');
    p.through.write('  PASS  SCSI.A.One\n');
    p.testEnd(result('SCSI.A.One', 'pass'));
    p.through.write('  PASS  SCSI.A.Two\n');
    p.end();
    p.through.write('Summary\n');
    assert.deepEqual(tty.screen(), ['  PASS  SCSI.A.One', '  PASS  SCSI.A.Two', 'Summary', '']);
  });

  it('is cut to the terminal width', () => {
    const tty = new FakeTty();
    tty.columns = 20;
    const p = new ProgressLine(tty, () => 0, 60_000);
    p.start(info(300));
    p.testStart('SCSI.WriteSame16.UnmapUntilEnd');
    assert.equal(p.text().length, 19);
    assert.ok(p.text().endsWith('…'));
    p.end();
  });

  it('formats elapsed time as m:ss or h:mm:ss', () => {
    assert.equal(elapsedText(0), '0:00');
    assert.equal(elapsedText(59_999), '0:59');
    assert.equal(elapsedText(3_723_000), '1:02:03');
  });

  it('in a real run: drawn under a pseudo-terminal (script), absent when the output is a pipe', async function () {
    this.timeout(120_000);
    if (!which('script')) this.skip();
    const sel = '--test=SCSI.Read10.Simple,SCSI.Read10.ZeroBlocks';
    const tty = await run('script', ['-qec', `"${process.execPath}" "${BIN}" ${sel}`, '/dev/null'], { timeoutMs: 90_000 });
    assert.equal(tty.code, 0, tty.stdout + tty.stderr);
    assert.match(tty.stdout, /[\r\n]\[1\/2\] \d+:\d\d/);
    assert.match(tty.stdout, /\r\x1b\[K {2}PASS {2}SCSI\.Read10\.ZeroBlocks/);
    assert.match(tty.stdout, /Summary: 2 passed/);
    const piped = await run(process.execPath, [BIN, sel], { timeoutMs: 90_000 });
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stdout, /\x1b|\r|\[\d+\/2\]/);
    const off = await run('script', ['-qec', `"${process.execPath}" "${BIN}" --no-progress ${sel}`, '/dev/null'], { timeoutMs: 90_000 });
    assert.doesNotMatch(off.stdout, /\x1b\[K|\[\d+\/2\]/, '--no-progress');
  });
});
