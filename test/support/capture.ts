/**
 * A wire capture of the project's own loopback port with dumpcap, decoded afterwards by tshark (an
 * independent iSCSI dissector). dumpcap rather than tshark for capturing: tshark -i lo drops packets
 * under load (../shared/reference/peers.md).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, start, Started, stop, waitExit } from './proc.js';
import { which } from './peers.js';
import * as net from 'node:net';

function knock(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.end());
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}

export interface DecodedPdu {
  frame: number;
  src: string;
  srcPort: number;
  dstPort: number;
  opcode: number;
  opcodeName: string;
  malformed: boolean;
  /** Highest expert severity on the frame (tshark's _ws.expert.severity), if any. */
  expertSeverity?: number;
  expertMessages: string[];
  /** The SCSI command or response of this PDU, when tshark names one. */
  info: string;
}

export class Capture {
  readonly file: string;
  private readonly dir: string;
  private readonly proc: Started;
  readonly port: number;

  private constructor(dir: string, file: string, port: number, proc: Started) {
    this.dir = dir;
    this.file = file;
    this.port = port;
    this.proc = proc;
  }

  /** Start capturing TCP on `port` over loopback; resolves once dumpcap reports it is capturing. */
  static async start(port: number): Promise<Capture> {
    const dumpcap = which('dumpcap');
    if (!dumpcap) throw new Error('dumpcap is not installed (Debian package tshark / wireshark-common)');
    const dir = mkdtempSync(join(tmpdir(), 'iscsi-test-cap-'));
    const file = join(dir, 'wire.pcapng');
    const proc = start(dumpcap, ['-i', 'lo', '-f', `tcp port ${port}`, '-B', '512', '-w', file]);
    const c = new Capture(dir, file, port, proc);
    const until = Date.now() + 10_000;
    // dumpcap says "Capturing on" before its filter is attached: knock on the port (a TCP connect
    // and close, no payload) until it reports packets, so nothing of the run is missed. Bounded: 10 s.
    while (!/Packets: [1-9]/.test(proc.output())) {
      if (proc.child.exitCode !== null) throw new Error(`dumpcap exited: ${proc.output()}`);
      if (Date.now() > until) throw new Error(`dumpcap did not start capturing: ${proc.output()}`);
      if (/Capturing on/i.test(proc.output())) await knock(port);
      await new Promise((r) => setTimeout(r, 100));
    }
    return c;
  }

  /** Stop capturing (SIGINT to the PID we started, so dumpcap closes the file properly). */
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 300));
    await stop(this.proc.child, ['SIGINT', 'SIGKILL'], 5000);
    await waitExit(this.proc.child, 1000);
  }

  get size(): number {
    return statSync(this.file).size;
  }

  /** Decode every iSCSI PDU tshark finds (two-pass, with the port forced to be decoded as iSCSI). */
  async decode(): Promise<DecodedPdu[]> {
    const tshark = which('tshark');
    if (!tshark) throw new Error('tshark is not installed');
    const r = await run(
      tshark,
      [
        '-r',
        this.file,
        '-2',
        '-n',
        '-d',
        `tcp.port==${this.port},iscsi`,
        '-o',
        'iscsi.target_ports:' + this.port,
        '-o',
        'iscsi.bogus_pdu_max_data_len:16777215',
        '-o',
        'tcp.desegment_tcp_streams:TRUE',
        '-o',
        'iscsi.desegment_iscsi_messages:TRUE',
        '-Y',
        'iscsi',
        '-T',
        'fields',
        '-E',
        'separator=\t',
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=|',
        '-e',
        'frame.number',
        '-e',
        'ip.src',
        '-e',
        'tcp.srcport',
        '-e',
        'tcp.dstport',
        '-e',
        'iscsi.opcode',
        '-e',
        '_ws.malformed',
        '-e',
        '_ws.expert.severity',
        '-e',
        '_ws.expert.message',
        '-e',
        '_ws.col.Info',
      ],
      { timeoutMs: 120_000 },
    );
    if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
    const out: DecodedPdu[] = [];
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      const [frame, src, sp, dp, ops, malformed, sev, msgs, info] = line.split('\t');
      // A frame can carry several PDUs: one entry per opcode.
      const opcodes = (ops ?? '').split('|').filter(Boolean);
      const sevs = (sev ?? '')
        .split('|')
        .filter(Boolean)
        .map((x) => Number(x));
      for (const op of opcodes) {
        const n = Number(op);
        const d: DecodedPdu = {
          frame: Number(frame),
          src: src ?? '',
          srcPort: Number(sp),
          dstPort: Number(dp),
          opcode: n,
          opcodeName: op,
          malformed: !!malformed,
          expertMessages: (msgs ?? '').split('|').filter(Boolean),
          info: info ?? '',
        };
        if (sevs.length) d.expertSeverity = Math.max(...sevs);
        out.push(d);
      }
    }
    return out;
  }

  /**
   * Frames sent to `dstPort` whose TCP payload tshark did not decode as (part of) an iSCSI PDU: a
   * broken length or a garbled header shows up here and nowhere else (two-pass, with reassembly).
   */
  async undecodedPayload(dstPort: number): Promise<{ frame: number; len: number }[]> {
    const r = await run(
      which('tshark')!,
      [
        '-r',
        this.file,
        '-2',
        '-n',
        '-d',
        `tcp.port==${this.port},iscsi`,
        '-o',
        'iscsi.target_ports:' + this.port,
        '-o',
        'iscsi.bogus_pdu_max_data_len:16777215',
        '-Y',
        // A retransmitted segment repeats bytes tshark already placed from the first copy: loopback TCP
        // retransmits when the receiver's window fills on a loaded machine, and that is not the initiator's doing.
        `tcp.dstport==${dstPort} && tcp.len>0 && !iscsi && !tcp.reassembled_in && !tcp.analysis.retransmission && !tcp.analysis.spurious_retransmission`,
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        'tcp.len',
      ],
      { timeoutMs: 120_000 },
    );
    if (r.code !== 0) throw new Error(`tshark failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [f, n] = l.split('\t');
        return { frame: Number(f), len: Number(n) };
      });
  }

  /** tshark's expert-info summary (for failure messages). */
  async expertSummary(): Promise<string> {
    const r = await run(which('tshark')!, ['-r', this.file, '-2', '-n', '-d', `tcp.port==${this.port},iscsi`, '-q', '-z', 'expert'], { timeoutMs: 120_000 });
    return r.stdout;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
