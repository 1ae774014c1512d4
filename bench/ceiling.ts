/**
 * The loopback ceiling the target's 1 MiB figure is set against (issue 14: >= 0.65x of it): what one TCP
 * stream carries over 127.0.0.1 on this machine, in the same bench run. iperf3 where it is installed (a C
 * sender and receiver, the figure the issue quotes); otherwise a plain Node stream writing 1 MiB buffers
 * into a socket whose other end discards them, which is the most a Node target could send over one
 * connection. The figure says which one it is.
 */
import * as net from 'node:net';
import { freePort, run, start, stop, waitExit, waitForPort } from '../test/support/proc.js';
import { which } from '../test/support/peers.js';

export interface Ceiling {
  mibps: number;
  how: string;
}

async function iperf3(bin: string, seconds: number): Promise<Ceiling> {
  const port = await freePort();
  // Not -1 (one client): waitForPort's probe would be that client. The finally stops it by its PID.
  const server = start(bin, ['-s', '-B', '127.0.0.1', '-p', String(port)]);
  try {
    await waitForPort('127.0.0.1', port, 10_000);
    const r = await run(bin, ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-l', '1M', '-J'], { timeoutMs: (seconds + 20) * 1000 });
    const bps = (JSON.parse(r.stdout) as { end?: { sum_received?: { bits_per_second?: number } } }).end?.sum_received?.bits_per_second;
    if (typeof bps !== 'number') throw new Error(`iperf3 printed no received rate (exit ${r.code}): ${r.stdout.slice(-500)}${r.stderr.slice(-500)}`);
    return { mibps: bps / 8 / 1048576, how: 'iperf3, one stream, 1 MiB writes' };
  } finally {
    await stop(server.child, ['SIGTERM', 'SIGKILL'], 3000);
  }
}

/**
 * One Node TCP stream for `seconds` (bounded): this process writes 1 MiB buffers as fast as the socket
 * drains, a second Node process (as a target and its initiator are) reads and discards them and prints
 * how many bytes came.
 */
async function nodeStream(seconds: number): Promise<Ceiling> {
  const port = await freePort();
  const sink =
    // Each connection's byte count on its end (waitForPort's probe is one of 0 bytes); the stream's ends it.
    "const n=require('net');const s=n.createServer(c=>{let b=0;c.on('data',d=>b+=d.length);c.on('end',()=>{if(b>0){process.stdout.write(String(b));s.close();}})});" +
    `s.listen(${port},'127.0.0.1');`;
  const receiver = start(process.execPath, ['-e', sink]);
  try {
    await waitForPort('127.0.0.1', port, 10_000);
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    const sock = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    const started = process.hrtime.bigint();
    const until = Date.now() + seconds * 1000;
    await new Promise<void>((done) => {
      const pump = () => {
        while (Date.now() < until) if (!sock.write(chunk)) return void sock.once('drain', pump);
        done();
      };
      pump();
    });
    await new Promise<void>((r) => sock.end(r));
    const ended = await waitExit(receiver.child, 10_000);
    // 'exit' can come before the last of its stdout is read: give the pipe a moment (bounded).
    for (let i = 0; i < 20 && !receiver.output().trim(); i++) await new Promise((r) => setTimeout(r, 50));
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const got = Number(receiver.output().trim());
    if (!ended || !Number.isFinite(got)) throw new Error(`the receiving Node process printed no byte count: ${receiver.output().slice(-300)}`);
    return { mibps: got / secs / 1048576, how: 'Node to Node, one TCP stream, 1 MiB writes (iperf3 is not installed)' };
  } finally {
    await stop(receiver.child, ['SIGTERM', 'SIGKILL'], 3000);
  }
}

export async function loopbackCeiling(seconds: number): Promise<Ceiling> {
  const bin = which('iperf3');
  return bin ? iperf3(bin, seconds) : nodeStream(seconds);
}
