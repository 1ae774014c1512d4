/**
 * The streaming parser (PduParser): input split anywhere gives the same PDUs, limits and digests are
 * checked as RFC 7143 asks, and the data segment is a slice of the input when it can be. Every stream
 * here is hand-built (diagrams.ts, wire.ts), never made by the encoder.
 */
import { strict as assert } from 'node:assert';
import { PduParser, RawPdu } from '../../../protocol/iscsi/index.js';
import { IscsiError } from '../../../protocol/errors.js';
import { ahsWire, diagrams, extCdbAhs, splitPdu } from './diagrams.js';
import { frame, prng, refCrc32c, wire } from './wire.js';

const MAX32 = 0xffffffff;
const bytes = (n: number, first = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (first + i) & 0xff));

/** Unframed hand-built PDUs: AHS, padding, zero-length data, a header-sized data segment. */
const cdb32 = bytes(32, 0x80);
const PDUS: Buffer[] = [
  diagrams.scsiCommand({
    final: true,
    read: false,
    write: true,
    attr: 1,
    lun: 1n,
    itt: 1,
    edtl: 5,
    cmdSN: 1,
    expStatSN: 1,
    cdb: cdb32,
    ahs: [extCdbAhs(cdb32)],
    data: bytes(5, 0x10),
  }),
  diagrams.nopIn({ lun: 0n, itt: MAX32, ttt: 0x10, statSN: 2, expCmdSN: 2, maxCmdSN: 9 }),
  diagrams.dataIn({
    F: true,
    S: true,
    status: 0,
    lun: 1n,
    itt: 1,
    ttt: MAX32,
    statSN: 3,
    expCmdSN: 2,
    maxCmdSN: 9,
    dataSN: 0,
    offset: 0,
    residual: 0,
    data: bytes(1, 0x20),
  }),
  diagrams.textResponse({ final: true, cont: false, lun: 0n, itt: 2, ttt: MAX32, statSN: 4, expCmdSN: 2, maxCmdSN: 9, data: Buffer.from('a=b\0') }),
  diagrams.nopOut({ lun: 0n, itt: 3, ttt: MAX32, cmdSN: 2, expStatSN: 5, data: bytes(2, 0x30) }),
  diagrams.reject({ reason: 9, statSN: 5, expCmdSN: 2, maxCmdSN: 9, sn: 0, data: diagrams.nopOut({ lun: 0n, itt: 3, ttt: MAX32, cmdSN: 2, expStatSN: 5 }) }),
  // A NOP-Out with an AHS of a vendor type and no data.
  (() => {
    const a = ahsWire(61, Buffer.from([1, 2, 3, 4, 5, 6]));
    const b = Buffer.from(diagrams.nopOut({ lun: 0n, itt: 4, ttt: MAX32, cmdSN: 3, expStatSN: 5 }));
    b[4] = a.length / 4;
    return Buffer.concat([b, a.build()]);
  })(),
  diagrams.loginResponse({
    T: true,
    C: false,
    csg: 1,
    nsg: 3,
    vmax: 0,
    vactive: 0,
    isid: 1,
    tsih: 1,
    itt: 5,
    statSN: 6,
    expCmdSN: 3,
    maxCmdSN: 9,
    cls: 0,
    detail: 0,
    data: bytes(3, 0x40),
  }),
];
const PARTS = PDUS.map(splitPdu);

type Digests = { header: boolean; data: boolean };
const DIGESTS: Digests[] = [
  { header: false, data: false },
  { header: true, data: false },
  { header: false, data: true },
  { header: true, data: true },
];
const streamOf = (d: Digests): Buffer => Buffer.concat(PARTS.map((p) => frame(p.header, p.data, d)));
const expected = PARTS.map((p) => ({ header: p.header.toString('hex'), data: p.data.toString('hex') }));

const seen = (raw: RawPdu) => {
  const o: { header: string; data: string; dataDigestError?: unknown } = { header: raw.header.toString('hex'), data: raw.data.toString('hex') };
  if (raw.dataDigestError) o.dataDigestError = raw.dataDigestError;
  return o;
};

function parseChunks(chunks: Buffer[], d: Digests, max = 65536) {
  const out: ReturnType<typeof seen>[] = [];
  const p = new PduParser({ headerDigest: d.header, dataDigest: d.data, maxDataSegmentLength: max }, (raw) => out.push(seen(raw)));
  for (const c of chunks) p.push(c);
  p.end();
  assert.ok(p.idle);
  assert.equal(p.buffered, 0);
  assert.equal(p.count, out.length);
  return out;
}

const isCode = (code: string) => (e: unknown) => IscsiError.is(e) && e.code === code;

describe('protocol/iscsi PduParser (RFC 7143 11.1 framing)', () => {
  describe('split input gives the same PDUs as one push', () => {
    for (const d of DIGESTS) {
      const name = `HeaderDigest=${d.header ? 'CRC32C' : 'None'} DataDigest=${d.data ? 'CRC32C' : 'None'}`;
      it(`${name}: one push, every two-way split, byte by byte, and seeded random chunkings`, () => {
        const s = streamOf(d);
        assert.deepStrictEqual(parseChunks([s], d), expected);
        for (let i = 0; i <= s.length; i++) {
          assert.deepStrictEqual(parseChunks([s.subarray(0, i), s.subarray(i)], d), expected, `split at ${i}`);
        }
        assert.deepStrictEqual(
          parseChunks(
            Array.from(s, (b) => Buffer.from([b])),
            d,
          ),
          expected,
          'byte by byte',
        );
        const rnd = prng(0x5eed);
        for (let k = 0; k < 100; k++) {
          const chunks: Buffer[] = [];
          for (let at = 0; at < s.length;) {
            const n = 1 + Math.floor(rnd() * 64);
            chunks.push(s.subarray(at, at + n));
            at += n;
          }
          assert.deepStrictEqual(parseChunks(chunks, d), expected, `random chunking ${k}`);
        }
      });
    }
  });

  describe('limits', () => {
    it('RFC 7143 13.12: DataSegmentLength of MaxRecvDataSegmentLength+1 is ISCSI_E_PROTOCOL naming the length, before the data arrives', () => {
      const pdu = diagrams.dataIn({
        status: 0,
        lun: 0n,
        itt: 1,
        ttt: MAX32,
        statSN: 0,
        expCmdSN: 0,
        maxCmdSN: 0,
        dataSN: 0,
        offset: 0,
        residual: 0,
        data: Buffer.alloc(8193),
      });
      const p = new PduParser({ maxDataSegmentLength: 8192 }, () => assert.fail('no PDU expected'));
      let err: unknown;
      try {
        p.push(pdu.subarray(0, 48)); // the BHS only
      } catch (e) {
        err = e;
      }
      assert.ok(isCode('ISCSI_E_PROTOCOL')(err), String(err));
      assert.match((err as Error).message, /8193/);
      assert.match((err as Error).message, /8192/);
      assert.equal((err as IscsiError).details['dataSegmentLength'], 8193);
      // The failure sticks: later input throws the same error; end() does not throw again.
      assert.throws(
        () => p.push(pdu.subarray(48)),
        (e: unknown) => e === err,
      );
      p.end();
    });

    it('a DataSegmentLength of exactly MaxRecvDataSegmentLength is accepted', () => {
      const data = bytes(512);
      const pdu = diagrams.dataIn({ status: 0, lun: 0n, itt: 1, ttt: MAX32, statSN: 0, expCmdSN: 0, maxCmdSN: 0, dataSN: 0, offset: 0, residual: 0, data });
      const out: RawPdu[] = [];
      new PduParser({ maxDataSegmentLength: 512 }, (r) => out.push(r)).push(pdu);
      assert.equal(out.length, 1);
      assert.deepStrictEqual(out[0]!.data, data);
    });

    it('a new limit set inside onPdu applies from the next PDU', () => {
      const a = diagrams.nopIn({ lun: 0n, itt: 1, ttt: MAX32, statSN: 0, expCmdSN: 0, maxCmdSN: 0, data: bytes(600) });
      const p = new PduParser({ maxDataSegmentLength: 1024 }, () => {
        p.maxDataSegmentLength = 512;
      });
      assert.throws(() => p.push(Buffer.concat([a, a])), isCode('ISCSI_E_PROTOCOL'));
      assert.equal(p.count, 1);
    });
  });

  describe('digests', () => {
    const two = PARTS.slice(0, 2);
    it('RFC 7143 13.1: a header digest mismatch is ISCSI_E_DIGEST (fatal), with both values', () => {
      for (const at of [0, 20, 47, 48 + 19, 48 + 20, 48 + 23]) {
        const s = frame(two[0]!.header, two[0]!.data, { header: true });
        s[at] ^= 0x01; // a header byte (or, from 68 on, a digest byte)
        const p = new PduParser({ headerDigest: true, maxDataSegmentLength: 8192 }, () => assert.fail('no PDU expected'));
        let err: unknown;
        try {
          p.push(s);
        } catch (e) {
          err = e;
        }
        assert.ok(isCode('ISCSI_E_DIGEST')(err), `flip at ${at}: ${String(err)}`);
        const d = (err as IscsiError).details;
        assert.notEqual(d['expected'], d['received']);
        assert.equal(d['received'], s.readUInt32LE(68));
      }
    });

    it('a data digest mismatch delivers the PDU with dataDigestError, and parsing goes on', () => {
      const first = frame(two[0]!.header, two[0]!.data, { header: true, data: true });
      const second = frame(two[1]!.header, two[1]!.data, { header: true, data: true });
      // Data starts after BHS(48) + AHS(20) + header digest(4).
      first[72] ^= 0x80;
      const out: RawPdu[] = [];
      const p = new PduParser({ headerDigest: true, dataDigest: true, maxDataSegmentLength: 8192 }, (r) => out.push(r));
      p.push(Buffer.concat([first, second]));
      p.end();
      assert.equal(out.length, 2);
      const sent = first.readUInt32LE(first.length - 4);
      assert.deepStrictEqual(out[0]!.dataDigestError, { expected: refCrc32c(first.subarray(72, 80)), received: sent });
      assert.equal(out[0]!.data.toString('hex'), first.subarray(72, 77).toString('hex'));
      assert.equal(out[1]!.dataDigestError, undefined);
      assert.equal(out[1]!.header.toString('hex'), two[1]!.header.toString('hex'));
    });

    it('13.1: the data digest covers the padding bytes as sent (non-zero padding, digest over it, is no error)', () => {
      const { header, data } = splitPdu(diagrams.nopOut({ lun: 0n, itt: 1, ttt: MAX32, cmdSN: 0, expStatSN: 0, data: bytes(5) }));
      const padded = wire().append(data).hex('aa bb cc').build();
      const s = wire().append(header).append(padded).u32le(refCrc32c(padded)).build();
      const out: RawPdu[] = [];
      new PduParser({ dataDigest: true, maxDataSegmentLength: 8192 }, (r) => out.push(r)).push(s);
      assert.equal(out.length, 1);
      assert.equal(out[0]!.dataDigestError, undefined);
      assert.deepStrictEqual(out[0]!.data, data);
    });

    it('digests switched on inside onPdu apply from the next PDU, even in the same chunk (end of login)', () => {
      const login = frame(PARTS[7]!.header, PARTS[7]!.data, {});
      const ffp = Buffer.concat([
        frame(PARTS[0]!.header, PARTS[0]!.data, { header: true, data: true }),
        frame(PARTS[1]!.header, PARTS[1]!.data, { header: true, data: true }),
      ]);
      const s = Buffer.concat([login, ffp]);
      // i = s.length: the whole stream in one chunk; every other i: split there.
      for (let i = 0; i <= s.length; i++) {
        const out: RawPdu[] = [];
        const p = new PduParser({ maxDataSegmentLength: 8192 }, (r) => {
          out.push(r);
          if (out.length === 1) {
            p.headerDigest = true;
            p.dataDigest = true;
          }
        });
        p.push(s.subarray(0, i));
        p.push(s.subarray(i));
        p.end();
        assert.deepStrictEqual(out.map(seen), [expected[7], expected[0], expected[1]], `split at ${i}`);
      }
    });
  });

  describe('end of stream', () => {
    it('end() inside a PDU (at every byte of it) is ISCSI_E_CLOSED counting the bytes received; between PDUs it is not', () => {
      const d = { header: true, data: true };
      const one = frame(PARTS[0]!.header, PARTS[0]!.data, d);
      for (let cut = 0; cut <= one.length; cut++) {
        const p = new PduParser({ headerDigest: true, dataDigest: true, maxDataSegmentLength: 8192 }, () => undefined);
        p.push(one.subarray(0, cut));
        if (cut === 0 || cut === one.length) p.end();
        else {
          assert.equal(p.buffered, cut, `buffered at cut ${cut}`);
          assert.throws(
            () => p.end(),
            (e: unknown) => isCode('ISCSI_E_CLOSED')(e) && (e as Error).message.includes(`(${cut} bytes`),
            `cut at ${cut}`,
          );
        }
      }
    });
    it('the ISCSI_E_CLOSED message names the PDU it was inside and how much of it came', () => {
      const p = new PduParser({ maxDataSegmentLength: 8192 }, () => undefined);
      p.push(PDUS[0]!.subarray(0, 60));
      assert.throws(
        () => p.end(),
        (e: unknown) => isCode('ISCSI_E_CLOSED')(e) && /SCSI Command/.test((e as Error).message) && /\b60 bytes/.test((e as Error).message),
      );
    });
  });

  describe('no copies', () => {
    it('a PDU lying in one chunk: header and data are slices of it (data.buffer === chunk.buffer)', () => {
      const s = Buffer.concat([Buffer.alloc(3), streamOf({ header: false, data: true })]).subarray(3);
      const out: RawPdu[] = [];
      new PduParser({ dataDigest: true, maxDataSegmentLength: 8192 }, (r) => out.push(r)).push(s);
      assert.equal(out.length, PDUS.length);
      for (const r of out) {
        if (r.data.length > 0) assert.equal(r.data.buffer, s.buffer);
      }
      // The first PDU's data segment starts after its 48 + 20 header bytes.
      assert.equal(out[0]!.data.byteOffset, s.byteOffset + 68);
      // A header without AHS is a slice too.
      assert.equal(out[1]!.header.buffer, s.buffer);
    });
    it('a data segment split across chunks is still delivered whole', () => {
      const s = PDUS[0]!;
      const out: RawPdu[] = [];
      const p = new PduParser({ maxDataSegmentLength: 8192 }, (r) => out.push(r));
      p.push(s.subarray(0, 70));
      assert.equal(p.buffered, 70);
      assert.equal(p.idle, false);
      p.push(s.subarray(70));
      assert.deepStrictEqual(out[0]!.data, PARTS[0]!.data);
    });
  });

  it('a throwing onPdu handler fails the parser: the error propagates, later pushes throw ISCSI_E_PROTOCOL', () => {
    const p = new PduParser({ maxDataSegmentLength: 8192 }, () => {
      throw new TypeError('handler bug');
    });
    assert.throws(() => p.push(PDUS[1]!), TypeError);
    assert.throws(
      () => p.push(PDUS[1]!),
      (e: unknown) => isCode('ISCSI_E_PROTOCOL')(e) && /handler bug/.test((e as Error).message),
    );
  });
});

describe('protocol/iscsi PduParser with reuseInput (the caller reuses its read buffer)', () => {
  it('delivers the right data, with digests, wherever the input splits, though the buffer is overwritten between pushes', () => {
    // A Data-In with a 5-byte data segment (3 bytes of padding), header and data digests.
    const data = Buffer.from('hello');
    const pdu = Buffer.concat([frameDataIn(data)]);
    for (let cut = 1; cut < pdu.length; cut++) {
      const got: { data: Buffer; bad: boolean }[] = [];
      const p = new PduParser({ maxDataSegmentLength: 8192, headerDigest: true, dataDigest: true, reuseInput: true }, (raw: RawPdu) => {
        got.push({ data: Buffer.from(raw.data), bad: !!raw.dataDigestError });
      });
      const buf = Buffer.alloc(pdu.length);
      pdu.copy(buf, 0, 0, cut);
      p.push(buf.subarray(0, cut));
      buf.fill(0xee);
      pdu.copy(buf, 0, cut);
      p.push(buf.subarray(0, pdu.length - cut));
      assert.equal(got.length, 1, `cut at ${cut}`);
      assert.equal(got[0]!.bad, false, `cut at ${cut}: data digest reported bad`);
      assert.equal(got[0]!.data.toString(), 'hello', `cut at ${cut}`);
    }
  });
});

/** A SCSI Data-In with header and data digests, built field by field (RFC 7143 11.7.1, 11.2.1). */
function frameDataIn(data: Buffer): Buffer {
  const bhs = Buffer.alloc(48);
  bhs[0] = 0x25;
  bhs[1] = 0x80;
  bhs.writeUIntBE(data.length, 5, 3);
  bhs.writeUInt32BE(0x10, 16);
  bhs.writeUInt32BE(0xffffffff, 20);
  const pad = Buffer.alloc((4 - (data.length % 4)) % 4);
  const hd = Buffer.alloc(4);
  hd.writeUInt32LE(refCrc32c(bhs));
  const dd = Buffer.alloc(4);
  dd.writeUInt32LE(refCrc32c(Buffer.concat([data, pad])));
  return Buffer.concat([bhs, hd, data, pad, dd]);
}

describe('protocol/iscsi PduParser with copyHeaders (the caller keeps data slices, not headers)', () => {
  it('hands on the data segment as slices of the input and the header as a copy, wherever the input splits', () => {
    const data = Buffer.from('hello');
    const pdu = frameDataIn(data);
    for (let cut = 1; cut < pdu.length; cut++) {
      // Chunks of their own, as socket reads are (Buffer.from would share the pool with the parser's copies).
      const a = Buffer.allocUnsafeSlow(cut);
      const b = Buffer.allocUnsafeSlow(pdu.length - cut);
      pdu.copy(a, 0, 0, cut);
      pdu.copy(b, 0, cut);
      const got: RawPdu[] = [];
      const p = new PduParser({ maxDataSegmentLength: 8192, headerDigest: true, dataDigest: true, copyHeaders: true }, (raw: RawPdu) => got.push(raw));
      p.push(a);
      p.push(b);
      assert.equal(got.length, 1, `cut at ${cut}`);
      const raw = got[0]!;
      assert.ok(raw.data.equals(data) && !raw.dataDigestError, `cut at ${cut}`);
      assert.ok(raw.header.buffer !== a.buffer && raw.header.buffer !== b.buffer, `cut at ${cut}: the header is a slice of the input`);
      for (const part of raw.parts) assert.ok(part.buffer === a.buffer || part.buffer === b.buffer, `cut at ${cut}: a data part was copied`);
    }
  });
});

describe('protocol/iscsi PduParser with placeData (the data segment read straight into the caller’s buffer)', () => {
  /** Feed `pdu` in reads of `step` bytes, each into directBuffer() when the parser offers it (as the initiator's socket does). */
  function readPlaced(pdu: Buffer, step: number, dest: Buffer): RawPdu[] {
    const got: RawPdu[] = [];
    const p = new PduParser(
      { maxDataSegmentLength: 65536, headerDigest: true, dataDigest: true, reuseInput: true, placeData: (_h, n) => dest.subarray(0, n) },
      (raw: RawPdu) => got.push(raw),
    );
    const readBuffer = Buffer.alloc(step);
    // Bounded: every pass consumes at least one byte of pdu.
    for (let at = 0; at < pdu.length;) {
      const into = p.directBuffer() ?? readBuffer;
      const n = Math.min(step, into.length, pdu.length - at);
      pdu.copy(into, 0, at, at + n);
      if (into === readBuffer) p.push(readBuffer.subarray(0, n));
      else p.pushDirect(n);
      at += n;
    }
    p.end();
    return got;
  }

  it('13.1: a data segment read into the caller’s buffer is checked against the data digest over data and padding, wherever the reads split', () => {
    // 5001 bytes: long enough for the native CRC where installed, with 3 bytes of padding.
    const data = bytes(5001, 7);
    const good = frameDataIn(data);
    const bad = Buffer.from(good);
    bad[52 + 4000] ^= 0x20; // a data byte (BHS 48 + header digest 4)
    for (const step of [1, 13, 52, 600, 4096, 5001, good.length]) {
      const dest = Buffer.alloc(data.length);
      const ok = readPlaced(good, step, dest);
      assert.equal(ok.length, 1, `reads of ${step}`);
      assert.equal(ok[0]!.dataDigestError, undefined, `reads of ${step}: digest reported bad`);
      assert.ok(dest.equals(data), `reads of ${step}: placed data differs`);
      const wrong = readPlaced(bad, step, Buffer.alloc(data.length));
      assert.deepStrictEqual(
        wrong[0]!.dataDigestError,
        { expected: refCrc32c(Buffer.concat([bad.subarray(52, 52 + data.length), Buffer.alloc(3)])), received: good.readUInt32LE(good.length - 4) },
        `reads of ${step}`,
      );
    }
  });
});
