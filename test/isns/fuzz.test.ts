/**
 * A seeded random-input fuzz of the iSNS parser and decoders, as the iSCSI codec has: random bytes
 * (half shaped like an iSNSP header so they pass the first checks) and mutations of valid multi-PDU
 * streams, fed in random chunks. Every outcome must be messages or an IsnsError; never a TypeError or
 * RangeError, never a hang. FUZZ_SEED=<n> replays a run; the seed is printed on failure.
 */
import { strict as assert } from 'node:assert';
import {
  decodeHeartbeat,
  decodeResponse,
  decodeTlvs,
  describeMessage,
  encodeMessage,
  Flag,
  Func,
  IsnsError,
  IsnsMessage,
  IsnsParser,
  isResponse,
  requestPayload,
  responsePayload,
  Tag,
  tlv,
  tlvValue,
} from '../../isns/index.js';
import { prng } from '../protocol/iscsi/wire.js';

const SEED = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
type Rnd = () => number;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);
const FUNCS = [...Object.values(Func), ...Object.values(Func).map((f) => f | 0x8000)];

function randomBytes(rnd: Rnd, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(rnd, 256);
  return b;
}

function randomInput(rnd: Rnd): Buffer {
  const b = randomBytes(rnd, int(rnd, 160));
  if (b.length >= 12 && rnd() < 0.5) {
    b.writeUInt16BE(1, 0);
    b.writeUInt16BE(FUNCS[int(rnd, FUNCS.length)]!, 2);
    b.writeUInt16BE(Math.min(b.length - 12, int(rnd, 40)) & ~3, 4);
    b[6] = (b[6]! & 0xf3) | 0x0c;
    b.writeUInt16BE(0, 10);
  }
  return b;
}

const VALID: Buffer[][] = [
  encodeMessage(
    {
      functionId: Func.DevAttrReg,
      flags: Flag.CLIENT,
      transactionId: 1,
      payload: requestPayload([tlv(Tag.EntityId, 'e'), tlv(Tag.Delimiter), tlv(Tag.IscsiName, 'iqn.x:y'), tlv(Tag.PortalIp, '::1')]),
    },
    16,
  ),
  encodeMessage({
    functionId: Func.DevAttrQry | 0x8000,
    flags: Flag.SERVER,
    transactionId: 2,
    payload: responsePayload(0, [tlv(Tag.Timestamp, 9n), tlv(Tag.PgTag, 1)]),
  }),
  encodeMessage(
    { functionId: Func.SCN, flags: Flag.SERVER, transactionId: 3, payload: requestPayload([tlv(Tag.IscsiName, 'iqn.a'), tlv(Tag.IscsiScnBitmap, 8)]) },
    8,
  ),
];

function mutated(rnd: Rnd): Buffer {
  const pieces: Buffer[] = [];
  const starts: number[] = [];
  let at = 0;
  for (let k = 0, n = 1 + int(rnd, 3); k < n; k++) {
    for (const p of VALID[int(rnd, VALID.length)]!) {
      starts.push(at);
      pieces.push(p);
      at += p.length;
    }
  }
  let b = Buffer.from(Buffer.concat(pieces));
  for (let m = 0, n = 1 + int(rnd, 3); m < n && b.length > 0; m++) {
    const s = starts[int(rnd, starts.length)]!;
    switch (int(rnd, 5)) {
      case 0:
        b[int(rnd, b.length)] ^= 1 + int(rnd, 255);
        break;
      case 1:
        b = b.subarray(0, int(rnd, b.length));
        break;
      case 2: // PDU length
        if (s + 6 <= b.length) b.writeUInt16BE(int(rnd, 2) ? int(rnd, 0x10000) : (b.readUInt16BE(s + 4) + 4) & 0xffff, s + 4);
        break;
      case 3: // a TLV length inside the payload
        if (s + 20 <= b.length) b.writeUInt32BE(int(rnd, 2) ? int(rnd, 0x100000000) : int(rnd, 64), s + 16);
        break;
      default: // flags and sequence
        if (s + 12 <= b.length) b.writeUInt32BE(int(rnd, 0x100000000), s + 8 - int(rnd, 2) * 2);
    }
  }
  return b;
}

/** Decode a message as a client or server would: every TLV value, the status, the heartbeat. */
function consume(m: IsnsMessage): void {
  describeMessage(m);
  try {
    const tlvs =
      m.functionId === Func.Heartbeat ? (decodeHeartbeat(m.payload), []) : isResponse(m.functionId) ? decodeResponse(m.payload).tlvs : decodeTlvs(m.payload);
    for (const t of tlvs) {
      try {
        tlvValue(t);
      } catch (e) {
        if (!IsnsError.is(e, 'ISNS_E_TLV')) throw e;
      }
    }
  } catch (e) {
    if (!(e instanceof IsnsError)) throw e;
  }
}

function feed(input: Buffer, rnd: Rnd): void {
  const p = new IsnsParser(consume, (e) => assert.ok(e instanceof IsnsError), { maxMessage: 4096, maxPending: 4 });
  for (let at = 0; at < input.length;) {
    const n = 1 + int(rnd, 48);
    p.push(input.subarray(at, at + n));
    at += n;
  }
}

describe('isns fuzz (seeded; FUZZ_SEED replays)', function () {
  this.timeout(20_000);
  function loop(label: string, n: number, make: (rnd: Rnd) => Buffer): void {
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      const rnd = prng((SEED ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
      try {
        feed(make(rnd), rnd);
      } catch (e) {
        assert.fail(`${label}: FUZZ_SEED=${SEED} iteration ${i}: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
    const ms = Date.now() - started;
    assert.ok(ms < 4000, `${label}: ${n} inputs took ${ms} ms (FUZZ_SEED=${SEED})`);
  }

  it('20,000 random inputs: messages or IsnsError only, in bounded time', () => loop('random', 20_000, randomInput));
  it('20,000 mutated valid multi-PDU streams: messages or IsnsError only', () => loop('mutated', 20_000, mutated));
});
