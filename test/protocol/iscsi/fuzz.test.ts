/**
 * A bounded random-input fuzz of the PDU parser and decoders, in the manner of mqtt-packet's fuzzer:
 * random bytes (some shaped like a BHS so they get past the first checks) and mutations of valid
 * hand-built streams (flipped bytes, truncation, inflated lengths, inserted bytes), fed in random
 * chunks. Every outcome must be PDUs or an IscsiError with a parser code; never a TypeError or a
 * RangeError, never a hang.
 *
 * The seed changes per run and is printed on failure; FUZZ_SEED=<n> replays a run.
 */
import { strict as assert } from 'node:assert';
import { decodePdu, decodeText, describePdu, Opcode, PduParser } from '../../../protocol/iscsi/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import { diagrams, extCdbAhs, splitPdu } from './diagrams.js';
import { frame, prng } from './wire.js';

const ALLOWED = new Set(['ISCSI_E_PROTOCOL', 'ISCSI_E_DIGEST', 'ISCSI_E_CLOSED']);
const SEED = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const OPCODES = Object.values(Opcode) as number[];

type Rnd = () => number;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);

function randomBytes(rnd: Rnd, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(rnd, 256);
  return b;
}

/** Random bytes; half the time with a plausible BHS (known opcode, small AHS and data lengths). */
function randomInput(rnd: Rnd): Buffer {
  const b = randomBytes(rnd, int(rnd, 200));
  if (b.length >= 48 && rnd() < 0.5) {
    b[0] = (b[0]! & 0x40) | OPCODES[int(rnd, OPCODES.length)]!;
    b[4] = int(rnd, 4);
    b[5] = 0;
    b[6] = 0;
    b[7] = int(rnd, 48);
  }
  return b;
}

const MAX32 = 0xffffffff;
const cdb = Buffer.from(Array.from({ length: 24 }, (_, i) => i));
const VALID = [
  diagrams.scsiCommand({
    final: true,
    read: true,
    write: false,
    attr: 1,
    lun: 1n,
    itt: 1,
    edtl: 8,
    cmdSN: 1,
    expStatSN: 1,
    cdb,
    ahs: [extCdbAhs(cdb)],
    data: Buffer.from('xyz'),
  }),
  diagrams.textRequest({ final: true, cont: false, lun: 0n, itt: 2, ttt: MAX32, cmdSN: 2, expStatSN: 2, data: Buffer.from('SendTargets=All\0') }),
  diagrams.nopIn({ lun: 0n, itt: MAX32, ttt: 7, statSN: 1, expCmdSN: 1, maxCmdSN: 2 }),
  diagrams.dataOut({ final: true, lun: 1n, itt: 1, ttt: 9, expStatSN: 1, dataSN: 0, offset: 0, data: Buffer.from('12345') }),
  diagrams.loginResponse({
    T: true,
    C: false,
    csg: 1,
    nsg: 3,
    vmax: 0,
    vactive: 0,
    isid: 1,
    tsih: 1,
    itt: 3,
    statSN: 1,
    expCmdSN: 1,
    maxCmdSN: 1,
    cls: 0,
    detail: 0,
    data: Buffer.from('a=b\0'),
  }),
].map(splitPdu);

/** A valid stream with some digests, mutated one to four times. */
function mutatedInput(rnd: Rnd, d: { header: boolean; data: boolean }): Buffer {
  const starts: number[] = [];
  const pieces: Buffer[] = [];
  let at = 0;
  for (let k = 0, n = 1 + int(rnd, 4); k < n; k++) {
    const p = VALID[int(rnd, VALID.length)]!;
    const f = frame(p.header, p.data, d);
    starts.push(at);
    pieces.push(f);
    at += f.length;
  }
  let b = Buffer.concat(pieces);
  for (let m = 0, n = 1 + int(rnd, 4); m < n && b.length > 0; m++) {
    const start = starts[int(rnd, starts.length)]!;
    switch (int(rnd, 6)) {
      case 0: // flip a byte anywhere
        b[int(rnd, b.length)] ^= 1 + int(rnd, 255);
        break;
      case 1: // truncate
        b = b.subarray(0, int(rnd, b.length));
        break;
      case 2: // inflate DataSegmentLength of a PDU
        if (start + 8 <= b.length) b.writeUIntBE(int(rnd, 2) ? int(rnd, 0x1000000) : b.readUIntBE(start + 5, 3) + 1 + int(rnd, 8), start + 5, 3);
        break;
      case 3: // inflate or change TotalAHSLength
        if (start + 5 <= b.length) b[start + 4] = int(rnd, 2) ? int(rnd, 256) : b[start + 4]! + 1;
        break;
      case 4: // insert random bytes
        {
          const i = int(rnd, b.length + 1);
          b = Buffer.concat([b.subarray(0, i), randomBytes(rnd, 1 + int(rnd, 8)), b.subarray(i)]);
        }
        break;
      default: // corrupt an AHS length inside the header
        if (start + 50 <= b.length) b.writeUInt16BE(int(rnd, 0x10000), start + 48);
    }
  }
  return b;
}

/** Feed one input in random chunks and decode what comes out as the initiator and target would. */
function run(input: Buffer, rnd: Rnd, d: { header: boolean; data: boolean }): number {
  let pdus = 0;
  const p = new PduParser({ headerDigest: d.header, dataDigest: d.data, maxDataSegmentLength: rnd() < 0.5 ? 512 : 0xffffff }, (raw) => {
    const pdu = decodePdu(raw.header, raw.data);
    describePdu(pdu);
    if (pdu.opcode === Opcode.TEXT_REQUEST || pdu.opcode === Opcode.TEXT_RESPONSE || pdu.opcode === Opcode.LOGIN_RESPONSE) {
      try {
        decodeText(pdu.data ?? Buffer.alloc(0));
      } catch (e) {
        if (!IscsiError.is(e, 'ISCSI_E_PROTOCOL')) throw e;
      }
    }
    pdus++;
  });
  try {
    for (let at = 0; at < input.length;) {
      const n = 1 + int(rnd, 64);
      p.push(input.subarray(at, at + n));
      at += n;
    }
    p.end();
  } catch (e) {
    if (!(e instanceof IscsiError) || !ALLOWED.has(e.code)) throw e;
  }
  return pdus;
}

describe('protocol/iscsi fuzz (seeded; FUZZ_SEED replays)', function () {
  this.timeout(20_000);

  function loop(label: string, n: number, body: (rnd: Rnd) => void): void {
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      const rnd = prng((SEED ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
      try {
        body(rnd);
      } catch (e) {
        assert.fail(`${label}: FUZZ_SEED=${SEED} iteration ${i}: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
    const ms = Date.now() - started;
    assert.ok(ms < 3000, `${label}: ${n} inputs took ${ms} ms (FUZZ_SEED=${SEED})`);
  }

  it('20,000 random inputs: PDUs or ISCSI_E_PROTOCOL/DIGEST/CLOSED, nothing else, in bounded time', () => {
    loop('random', 20_000, (rnd) => run(randomInput(rnd), rnd, { header: rnd() < 0.3, data: rnd() < 0.3 }));
  });

  it('5,000 mutations of valid streams (flip, truncate, inflate lengths, insert)', () => {
    let delivered = 0;
    loop('mutation', 5_000, (rnd) => {
      const d = { header: rnd() < 0.5, data: rnd() < 0.5 };
      delivered += run(mutatedInput(rnd, d), rnd, d);
    });
    // The mutations are light enough that many PDUs still get through (the fuzz reaches the decoders).
    assert.ok(delivered > 1000, `only ${delivered} PDUs delivered`);
  });

  it('5,000 random text data segments: pairs or ISCSI_E_PROTOCOL', () => {
    const alphabet = Buffer.from('ab=\0\0X-.#_9 =\xff');
    loop('text', 5_000, (rnd) => {
      const b = Buffer.from(Array.from({ length: int(rnd, 40) }, () => alphabet[int(rnd, alphabet.length)]!));
      try {
        for (const [k, v] of decodeText(b)) assert.ok(k.length > 0 && typeof v === 'string');
      } catch (e) {
        if (!IscsiError.is(e, 'ISCSI_E_PROTOCOL')) throw e;
      }
    });
  });
});
