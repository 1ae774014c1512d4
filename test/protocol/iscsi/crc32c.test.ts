/**
 * CRC32C digests (RFC 7143 13.1) against the RFC 3720 Appendix B.4 examples, incremental computation,
 * and digests placed in framed PDUs (RFC 7143 11.1: header digest after BHS+AHS, data digest after the
 * padded data segment).
 *
 * Byte order of a digest on the wire. B.4 prints each CRC as four bytes in the same layout as its
 * data ("Byte: 0 1 2 3"), i.e. in wire order: 32 zero bytes give "aa 36 91 8a". Every CRC32C
 * (reflected, poly 0x82F63B78, as computed by refCrc32c below and by crc32c.ts) yields the number
 * 0x8A9136AA for that input: its least significant byte 0xaa is the first byte on the wire. So the
 * digest is sent least significant byte first, unlike every other multi-byte field of RFC 7143 (big
 * endian, 11.1). The other four vectors agree (0x62A8AB43 -> 43 ab a8 62, ...), and the B.4 Read (10)
 * PDU is itself a SCSI Command header, so its header digest must follow byte 47 as 56 3a 96 d9.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import {
  crc32c,
  crc32cImplementation,
  crc32cUpdate,
  crc32cUpdateJs,
  NATIVE_MIN,
  dataDigest,
  encodePdu,
  framePdu,
  Opcode,
  Pdu,
  readDigest,
  TaskAttr,
  writeDigest,
} from '../../../protocol/iscsi/index.js';
import { diagrams, extCdbAhs } from './diagrams.js';
import { frame, prng, refCrc32c, wire } from './wire.js';

const incrementing = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const decrementing = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));
const read10Pdu = wire()
  .hex('01 c0 00 00  00 00 00 00  00 00 00 00  00 00 00 00')
  .hex('14 00 00 00  00 00 04 00  00 00 00 14  00 00 00 18')
  .hex('28 00 00 00  00 00 00 00  02 00 00 00  00 00 00 00')
  .build();

/** RFC 3720 Appendix B.4, "CRC Examples": input and the CRC as the appendix prints it (wire order). */
const B4: Array<[string, Buffer, string]> = [
  ['32 bytes of zeroes', Buffer.alloc(32, 0x00), 'aa 36 91 8a'],
  ['32 bytes of ones (0xff)', Buffer.alloc(32, 0xff), '43 ab a8 62'],
  ['32 bytes of incrementing 00..1f', incrementing, '4e 79 dd 46'],
  ['32 bytes of decrementing 1f..00', decrementing, '5c db 3f 11'],
  ['an iSCSI SCSI Read (10) command PDU', read10Pdu, '56 3a 96 d9'],
];
const wireHex = (s: string) => s.replace(/ /g, '');

describe('protocol/iscsi CRC32C digests (RFC 7143 13.1)', () => {
  describe('RFC 3720 Appendix B.4 examples', () => {
    for (const [name, input, onWire] of B4) {
      it(`${name}: digest bytes ${onWire}`, () => {
        // The test's own bitwise CRC agrees with the appendix (so it can stand as the oracle below).
        assert.equal(wire().u32le(refCrc32c(input)).toHex(), wireHex(onWire));
        // The module: value, and its bytes as written to the wire and read back.
        assert.equal(writeDigest(crc32c(input)).toString('hex'), wireHex(onWire));
        assert.equal(readDigest(Buffer.from(wireHex(onWire), 'hex')), crc32c(input));
      });
    }
    it('the CRC-32C check value: "123456789" -> 0xe3069283', () => {
      assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
      assert.equal(refCrc32c(Buffer.from('123456789')), 0xe3069283);
      assert.equal(crc32c(Buffer.alloc(0)), 0);
    });
  });

  it('matches the bitwise reference for every length 0..80 (the 8-byte loop and its tail)', () => {
    const rnd = prng(7);
    for (let n = 0; n <= 80; n++) {
      const b = Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
      assert.equal(crc32c(b), refCrc32c(b), `length ${n}`);
    }
  });

  it('crc32cUpdate incremental equals one-shot at every split point', () => {
    const rnd = prng(11);
    const inputs = [...B4.map((v) => v[1]), Buffer.from(Array.from({ length: 77 }, () => Math.floor(rnd() * 256)))];
    for (const b of inputs) {
      const whole = crc32c(b);
      for (let i = 0; i <= b.length; i++) {
        assert.equal(crc32cUpdate(crc32cUpdate(0, b.subarray(0, i)), b.subarray(i)), whole, `split at ${i}`);
        // The same through start/end on the one buffer, and as pieces.
        assert.equal(crc32cUpdate(crc32cUpdate(0, b, 0, i), b, i, b.length), whole, `start/end at ${i}`);
        assert.equal(crc32c(b.subarray(0, i), b.subarray(i)), whole, `pieces at ${i}`);
      }
      // Three pieces at every pair of split points of the 32-byte examples.
      if (b.length === 32) {
        for (let i = 0; i <= 32; i++) {
          for (let j = i; j <= 32; j++) assert.equal(crc32c(b.subarray(0, i), b.subarray(i, j), b.subarray(j)), whole);
        }
      }
    }
  });

  it('dataDigest covers the zero padding to 4 bytes (RFC 7143 13.1), over pieces', () => {
    for (let n = 1; n <= 9; n++) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => 0x40 + i));
      const padded = wire().append(data).pad4().build();
      assert.equal(dataDigest([data], n), refCrc32c(padded), `length ${n}`);
      assert.equal(dataDigest([data.subarray(0, 1), data.subarray(1)], n), refCrc32c(padded), `length ${n} in pieces`);
    }
  });

  describe('framed PDUs with HeaderDigest and DataDigest (RFC 7143 11.1)', () => {
    it('the B.4 Read (10) PDU with HeaderDigest=CRC32C: digest 56 3a 96 d9 right after byte 47', () => {
      const pdu: Pdu = {
        opcode: Opcode.SCSI_COMMAND,
        final: true,
        read: true,
        write: false,
        attr: TaskAttr.UNTAGGED,
        lun: 0n,
        itt: 0x14000000,
        expectedDataTransferLength: 0x400,
        cmdSN: 0x14,
        expStatSN: 0x18,
        cdb: read10Pdu.subarray(32),
      };
      const framed = encodePdu(pdu, { headerDigest: true, dataDigest: true });
      assert.equal(framed.length, 52);
      assert.equal(framed.subarray(0, 48).toString('hex'), read10Pdu.toString('hex'));
      assert.equal(framed.subarray(48).toString('hex'), '563a96d9');
    });

    const opts = [
      { headerDigest: false, dataDigest: false },
      { headerDigest: true, dataDigest: false },
      { headerDigest: false, dataDigest: true },
      { headerDigest: true, dataDigest: true },
    ];
    for (const o of opts) {
      for (const n of [0, 1, 2, 3, 4, 5]) {
        it(`NOP-Out with ${n} data bytes, HeaderDigest=${o.headerDigest ? 'CRC32C' : 'None'} DataDigest=${o.dataDigest ? 'CRC32C' : 'None'}`, () => {
          const data = Buffer.from(Array.from({ length: n }, (_, i) => 0xc0 + i));
          const fields = { lun: 1n, itt: 0x1234, ttt: 0xffffffff, cmdSN: 3, expStatSN: 4 };
          const pdu: Pdu = { opcode: Opcode.NOP_OUT, ...fields, data };
          const handBuilt = diagrams.nopOut({ ...fields, data });
          const expected = frame(handBuilt.subarray(0, 48), data, { header: o.headerDigest, data: o.dataDigest });
          // Layout: 48 + (4) + n + pad + (4, only when there is a data segment).
          const pad = (4 - (n % 4)) % 4;
          assert.equal(expected.length, 48 + (o.headerDigest ? 4 : 0) + n + pad + (o.dataDigest && n > 0 ? 4 : 0));
          assert.equal(encodePdu(pdu, o).toString('hex'), expected.toString('hex'));
        });
      }
    }

    it('the header digest covers the AHS too (11.1: BHS and AHS)', () => {
      const cdb = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
      const fields = { final: true, read: true, write: false, attr: 1, lun: 0n, itt: 5, edtl: 512, cmdSN: 1, expStatSN: 1, cdb };
      const handBuilt = diagrams.scsiCommand({ ...fields, ahs: [extCdbAhs(cdb)], data: Buffer.from('abc') });
      const header = handBuilt.subarray(0, 48 + 20);
      const pdu: Pdu = {
        opcode: Opcode.SCSI_COMMAND,
        final: true,
        read: true,
        write: false,
        attr: 1,
        lun: 0n,
        itt: 5,
        expectedDataTransferLength: 512,
        cmdSN: 1,
        expStatSN: 1,
        cdb,
        data: Buffer.from('abc'),
      };
      const expected = frame(header, Buffer.from('abc'), { header: true, data: true });
      assert.equal(encodePdu(pdu, { headerDigest: true, dataDigest: true }).toString('hex'), expected.toString('hex'));
      assert.equal(expected.subarray(68, 72).toString('hex'), wire().u32le(refCrc32c(header)).toHex());
    });

    it('framePdu passes the data segment through without copying it', () => {
      const data = Buffer.from('0123456789');
      const pieces = framePdu(
        { opcode: Opcode.NOP_OUT, lun: 0n, itt: 1, ttt: 0xffffffff, cmdSN: 0, expStatSN: 0, data },
        { headerDigest: true, dataDigest: true },
      );
      assert.ok(pieces.includes(data));
    });
  });

  describe('the two implementations (our slicing-by-8 and the optional native one) agree', () => {
    it(`every length around NATIVE_MIN (${NATIVE_MIN}) and up to 64 KiB, whole and split at random points, gives the independent reference's CRC (implementation here: ${crc32cImplementation})`, () => {
      const rnd = prng(7);
      const buf = Buffer.from(Array.from({ length: 65536 + 7 }, () => Math.floor(rnd() * 256)));
      const lengths = [0, 1, 3, 47, 48, NATIVE_MIN - 1, NATIVE_MIN, NATIVE_MIN + 1, 4096, 8192 + 3, 65536];
      for (const n of lengths) {
        const start = n % 7;
        const piece = buf.subarray(start, start + n);
        const want = refCrc32c(piece);
        assert.equal(crc32cUpdate(0, buf, start, start + n), want, `length ${n} at ${start}`);
        assert.equal(crc32cUpdateJs(0, buf, start, start + n), want, `length ${n} at ${start} (js)`);
        const cut = Math.floor(rnd() * (n + 1));
        assert.equal(crc32cUpdate(crc32cUpdate(0, piece, 0, cut), piece, cut), want, `length ${n} split at ${cut}`);
      }
    });

    it('ISCSI_TEST_CRC32C=js selects our own implementation', () => {
      const url = new URL('../../../protocol/iscsi/crc32c.js', import.meta.url).href;
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `import(${JSON.stringify(url)}).then((m) => process.stdout.write(m.crc32cImplementation))`],
        { env: { ...process.env, ISCSI_TEST_CRC32C: 'js' }, encoding: 'utf8' },
      );
      assert.equal(out, 'js');
    });

    it('in CI (npm ci installs the optional @node-rs/crc32) the native implementation is the one used', function () {
      if (!process.env['CI']) this.skip();
      assert.equal(crc32cImplementation, 'native');
    });
  });
});
