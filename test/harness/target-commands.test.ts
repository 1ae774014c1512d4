/** --target-stop-command / --target-start-command: shell commands run bounded; a failure is a harness error naming the command. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../../harness/errors.js';
import { commandTargetControl } from '../../harness/target-commands.js';

describe('commandTargetControl', function () {
  this.timeout(10_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'iscsi-test-control-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the stop command, then the start command, through the shell', async () => {
    const f = join(dir, 'log');
    const c = commandTargetControl(`echo stopped >> ${f}`, `echo started >> ${f}`);
    await c.stop();
    await c.start();
    assert.equal(readFileSync(f, 'utf8'), 'stopped\nstarted\n');
    assert.match(c.how, /--target-stop-command "echo stopped/);
  });

  it('a command that fails is a HarnessError with its exit status and what it printed', async () => {
    const c = commandTargetControl('echo no such target >&2; exit 3', 'true');
    await assert.rejects(
      c.stop(),
      (e: unknown) => e instanceof HarnessError && /--target-stop-command ".*" ended with exit status 3: no such target/.test(e.message),
    );
  });

  it('a start command that leaves a daemon behind ends when the shell does', async () => {
    const pidFile = join(dir, 'daemon.pid');
    const c = commandTargetControl('true', `sleep 30 & echo $! > ${pidFile}`);
    const t0 = Date.now();
    await c.start();
    assert.ok(Date.now() - t0 < 2000);
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
  });

  it('a command that hangs is killed at its limit, with what it started', async () => {
    const c = commandTargetControl('true', 'sleep 30 & sleep 30', 300);
    const t0 = Date.now();
    await assert.rejects(c.start(), (e: unknown) => e instanceof HarnessError && /did not finish within 0.3 s/.test(e.message));
    assert.ok(Date.now() - t0 < 2000);
  });
});
