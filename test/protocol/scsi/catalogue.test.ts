/**
 * The command catalogue as a codec, tested as mqtt-packet tests its packets: decode rows (wire bytes
 * written here from the CDB tables of SBC-4 / SPC-5, never produced by the encoder), the mirror (encoding
 * the decoded values gives the same bytes back), and checks that every field layout of the catalogue has a
 * row, that fields never overlap, and that truncated or unknown CDBs fail with SCSI_E_DECODE.
 */
import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, h, prng } from './helpers.js';

type Values = Record<string, number | bigint>;

/** [wire bytes, the command's name, its non-zero field values (every other keyed field must be 0)]. */
const ROWS: [string, string, Values][] = [
  // SPC-5
  ['00 00 00 00 00 04', 'TEST UNIT READY', { control: 4 }],
  ['03 01 00 00 fc 00', 'REQUEST SENSE', { desc: 1, alloc: 252 }],
  ['12 01 b0 10 00 00', 'INQUIRY', { evpd: 1, page: 0xb0, alloc: 0x1000 }],
  ['15 13 00 00 18 00', 'MODE SELECT(6)', { pf: 1, rtd: 1, sp: 1, paramLen: 0x18 }],
  ['16 00 00 00 00 00', 'RESERVE(6)', {}],
  ['17 00 00 00 00 00', 'RELEASE(6)', {}],
  ['1a 08 48 ff 20 00', 'MODE SENSE(6)', { dbd: 1, pc: 1, page: 8, subpage: 0xff, alloc: 0x20 }],
  ['55 10 00 00 00 00 00 01 00 00', 'MODE SELECT(10)', { pf: 1, paramLen: 0x100 }],
  ['5a 18 ca 01 00 00 00 12 34 00', 'MODE SENSE(10)', { llbaa: 1, dbd: 1, pc: 3, page: 0x0a, subpage: 1, alloc: 0x1234 }],
  ['5e 03 00 00 00 00 00 01 00 00', 'PERSISTENT RESERVE IN READ FULL STATUS', { alloc: 0x100 }],
  ['5e 1f 00 00 00 00 00 00 08 00', 'PERSISTENT RESERVE IN SA 0x1f', { alloc: 8 }],
  ['5f 07 f5 00 00 01 02 03 04 00', 'PERSISTENT RESERVE OUT REGISTER AND MOVE', { scope: 0xf, type: 5, paramLen: 0x01020304 }],
  ['83 00 00 00 00 00 00 00 00 00 00 00 00 40 00 00', 'EXTENDED COPY(LID1)', { paramLen: 0x40 }],
  ['83 10 00 00 00 00 00 00 00 00 00 00 02 00 00 00', 'POPULATE TOKEN', { paramLen: 0x200 }],
  ['84 00 05 00 00 00 00 00 00 00 00 00 00 60 00 00', 'RECEIVE COPY STATUS(LID1)', { listId: 5, alloc: 0x60 }],
  ['84 05 01 02 03 04 00 00 00 00 00 00 01 00 00 00', 'RECEIVE COPY STATUS(LID4)', { listId: 0x01020304, alloc: 0x100 }],
  ['84 03 00 00 00 00 00 00 00 00 00 00 00 2c 00 00', 'RECEIVE COPY OPERATING PARAMETERS', { alloc: 44 }],
  ['a0 00 02 00 00 00 00 00 00 10 00 00', 'REPORT LUNS', { select: 2, alloc: 16 }],
  ['a3 0c 82 9e 00 10 00 00 02 00 00 00', 'REPORT SUPPORTED OPERATION CODES', { rctd: 1, options: 2, op: 0x9e, sa: 0x10, alloc: 0x200 }],
  ['a3 2a 00 00 00 00 00 00 00 40 00 00', 'REPORT TARGET PORT GROUPS', { format: 1, alloc: 0x40 }],
  ['a3 0f 00 00 00 00 00 00 00 0c 00 00', 'REPORT TIMESTAMP', { alloc: 12 }],
  // SBC-3 / SBC-4
  ['08 1f ff ff 00 00', 'READ(6)', { lba: 0x1fffff, blocks: 256 }],
  ['0a 01 23 45 07 80', 'WRITE(6)', { lba: 0x12345, blocks: 7, control: 0x80 }],
  ['1b 01 00 01 36 00', 'START STOP UNIT', { immed: 1, powerConditionModifier: 1, powerCondition: 3, noFlush: 1, loej: 1 }],
  ['1e 00 00 00 03 00', 'PREVENT ALLOW MEDIUM REMOVAL', { prevent: 3 }],
  ['25 00 00 00 00 00 00 00 00 00', 'READ CAPACITY(10)', {}],
  ['28 fc 01 02 03 04 3f 05 06 00', 'READ(10)', { rdprotect: 7, dpo: 1, fua: 1, rarc: 1, lba: 0x01020304, group: 63, blocks: 0x0506 }],
  ['2a 28 00 00 00 64 00 00 08 00', 'WRITE(10)', { wrprotect: 1, fua: 1, lba: 100, blocks: 8 }],
  ['2e b2 00 00 00 07 00 00 01 00', 'WRITE AND VERIFY(10)', { wrprotect: 5, dpo: 1, bytchk: 1, lba: 7, blocks: 1 }],
  ['2f 52 00 00 00 05 00 00 06 00', 'VERIFY(10)', { vrprotect: 2, dpo: 1, bytchk: 1, lba: 5, blocks: 6 }],
  ['34 02 00 00 00 01 00 00 02 00', 'PRE-FETCH(10)', { immed: 1, lba: 1, blocks: 2 }],
  ['35 02 00 00 00 10 00 00 20 00', 'SYNCHRONIZE CACHE(10)', { immed: 1, lba: 0x10, blocks: 0x20 }],
  ['37 00 1d 00 00 00 00 00 04 00', 'READ DEFECT DATA(10)', { reqPlist: 1, reqGlist: 1, format: 5, alloc: 4 }],
  ['41 38 00 00 00 20 00 00 40 00', 'WRITE SAME(10)', { wrprotect: 1, anchor: 1, unmap: 1, lba: 0x20, blocks: 0x40 }],
  ['42 01 00 00 00 00 02 00 18 00', 'UNMAP', { anchor: 1, group: 2, paramLen: 24 }],
  ['48 a1 00 00 00 00 00 00 08 00', 'SANITIZE OVERWRITE', { immed: 1, ause: 1, paramLen: 8 }],
  ['88 70 01 02 03 04 05 06 07 08 09 0a 0b 0c 11 00', 'READ(16)', { rdprotect: 3, dpo: 1, lba: 0x0102030405060708n, blocks: 0x090a0b0c, group: 0x11 }],
  ['89 08 00 00 00 00 00 00 12 34 00 00 00 ff 01 00', 'COMPARE AND WRITE', { fua: 1, lba: 0x1234n, blocks: 255, group: 1 }],
  ['8a 08 00 00 00 00 00 1f ff ff 00 00 00 01 00 00', 'WRITE(16)', { fua: 1, lba: 2097151n, blocks: 1 }],
  ['8b 30 00 00 00 00 00 00 00 09 00 00 00 02 00 00', 'ORWRITE(16)', { orprotect: 1, dpo: 1, lba: 9n, blocks: 2 }],
  ['8e 06 11 22 33 44 55 66 77 88 00 00 00 03 00 00', 'WRITE AND VERIFY(16)', { bytchk: 3, lba: 0x1122334455667788n, blocks: 3 }],
  ['8f 00 00 00 00 01 00 00 00 00 00 01 00 00 01 00', 'VERIFY(16)', { lba: 0x100000000n, blocks: 0x10000, group: 1 }],
  ['90 00 00 00 00 00 00 00 00 01 00 00 00 02 00 00', 'PRE-FETCH(16)', { lba: 1n, blocks: 2 }],
  ['91 02 ff ff ff ff ff ff ff ff 00 00 00 00 00 00', 'SYNCHRONIZE CACHE(16)', { immed: 1, lba: 0xffffffffffffffffn }],
  ['93 09 00 00 00 00 00 00 00 01 00 00 00 00 00 00', 'WRITE SAME(16)', { unmap: 1, ndob: 1, lba: 1n }],
  ['9c 08 00 00 00 00 00 00 01 00 00 10 ff ff 03 00', 'WRITE ATOMIC(16)', { fua: 1, lba: 0x100n, atomicBoundary: 0x10, blocks: 0xffff, group: 3 }],
  ['9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00', 'READ CAPACITY(16)', { alloc: 32 }],
  ['9e 12 00 00 00 00 00 00 10 00 00 00 00 18 01 00', 'GET LBA STATUS', { lba: 0x1000n, alloc: 24, reportType: 1 }],
  ['9e 11 00 00 00 00 00 00 00 00 00 00 02 00 00 00', 'READ LONG(16)', { alloc: 0x200 }],
  ['a8 08 ff ff ff ff ff ff ff ff 00 04', 'READ(12)', { fua: 1, lba: 0xffffffff, blocks: 0xffffffff, control: 4 }],
  ['aa 10 00 00 00 10 00 00 00 20 05 00', 'WRITE(12)', { dpo: 1, lba: 0x10, blocks: 0x20, group: 5 }],
  ['ae 00 00 00 00 00 00 00 00 01 00 00', 'WRITE AND VERIFY(12)', { blocks: 1 }],
  ['af 04 00 00 00 01 00 00 00 01 00 00', 'VERIFY(12)', { bytchk: 2, lba: 1, blocks: 1 }],
  ['b7 0c 00 00 00 10 00 01 00 00 00 00', 'READ DEFECT DATA(12)', { reqGlist: 1, format: 4, addressDescriptorIndex: 0x10, alloc: 0x10000 }],
];

/** The values a decode must give: every keyed field, 0 unless the row names it. */
function expectedValues(entry: S.CdbEntry, v: Values): Values {
  const out: Values = {};
  for (const f of entry.fields) if (f.key) out[f.key] = v[f.key] ?? (f.bits > 48 ? 0n : 0);
  out.control = v.control ?? 0;
  return out;
}

describe('scsi/catalogue: decode and mirror rows', () => {
  for (const [hex, name, values] of ROWS) {
    it(`${name}: ${hex}`, () => {
      const bytes = h(hex);
      const d = S.decodeCdb(bytes);
      assert.equal(d.name, name);
      for (const k of Object.keys(values)) assert.ok(k === 'control' || d.entry.fields.some((f) => f.key === k), `${name} has no field ${k}`);
      assert.deepEqual({ ...d.values }, expectedValues(d.entry, values));
      // the mirror: the decoded values encode to the same bytes
      const { control, ...fields } = d.values;
      assertBytes(S.encodeCdb(d.entry, { ...fields, control }, d.name, d.sa), bytes);
      assert.equal(S.lookupCdb(bytes), d.entry);
    });
  }

  it('every field layout of the catalogue has a row', () => {
    const covered = new Set(ROWS.map(([hex]) => S.decodeCdb(h(hex)).entry.fields));
    for (const e of S.CATALOGUE) {
      if (e.fields.length === 0) continue;
      assert.ok(covered.has(e.fields), `no decode row for ${e.name} (a new command needs a row here)`);
    }
  });
});

describe('scsi/catalogue: random values survive encode then decode', () => {
  it('every command with a fixed length, 40 seeded value sets each', () => {
    const rnd = prng(0xca7a);
    for (const e of S.CATALOGUE) {
      if (e.length === undefined) continue;
      for (let i = 0; i < 40; i++) {
        const sa = e.sa ?? (e.serviceActions ? Math.floor(rnd() * 32) : undefined);
        const own = S.catalogueEntry(e.op, sa)!;
        const o: Values = {};
        for (const f of own.fields) {
          if (!f.key) continue;
          if (f.zeroIs !== undefined) o[f.key] = 1 + Math.floor(rnd() * f.zeroIs);
          else if (f.bits > 48) o[f.key] = (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
          else o[f.key] = Math.floor(rnd() * 2 ** f.bits);
        }
        o.control = Math.floor(rnd() * 256);
        const cdb = S.encodeCdb(e, o, e.name, sa);
        assert.equal(cdb.length, e.length);
        const d = S.decodeCdb(cdb);
        assert.equal(d.entry, own);
        assert.deepEqual({ ...d.values }, expectedValues(own, o), `${e.name} [${S.hexBytes(cdb)}]`);
        assert.equal(d.sa, sa);
      }
    }
  });
});

describe('scsi/catalogue: the table itself', () => {
  it('no two fields of a command overlap, none reaches the CONTROL byte, none claims the SERVICE ACTION', () => {
    for (const e of S.CATALOGUE) {
      if (e.length === undefined) continue;
      const used = new Array<number>(e.length).fill(0);
      used[0] = 0xff;
      used[e.length - 1] = 0xff;
      if (e.serviceActions || e.sa !== undefined) used[1] = 0x1f;
      for (const f of e.fields) {
        S.fieldMask(f).forEach((m, i) => {
          assert.ok(f.byte + i < e.length!, `${e.name} ${f.name} runs past the CDB`);
          assert.equal(used[f.byte + i]! & m, 0, `${e.name} ${f.name} overlaps another field at byte ${f.byte + i}`);
          used[f.byte + i]! |= m;
        });
      }
    }
  });

  it('each length agrees with the group code of its operation code, each key is unique within its command', () => {
    for (const e of S.CATALOGUE) {
      assert.equal(e.length, S.cdbLength(e.op), e.name);
      const keys = e.fields.flatMap((f) => (f.key ? [f.key] : []));
      assert.equal(new Set(keys).size, keys.length, `${e.name}: a key twice`);
      if (e.transfer.dir !== 'none' && 'field' in e.transfer)
        assert.ok(keys.includes(e.transfer.field), `${e.name}: transfer length field ${e.transfer.field} missing`);
    }
  });

  it('names every operation code in Op, and medium-changing and mandatory commands as the standards do', () => {
    for (const [k, op] of Object.entries(S.Op)) assert.ok(S.catalogueEntry(op), k);
    const medium = S.CATALOGUE.filter((e) => e.medium && e.sa === undefined).map((e) => e.name);
    for (const n of [
      'WRITE(10)',
      'WRITE SAME(16)',
      'UNMAP',
      'MODE SELECT(6)',
      'PERSISTENT RESERVE OUT',
      'FORMAT UNIT',
      'WRITE BUFFER',
      'VARIABLE LENGTH',
      'SANITIZE',
    ])
      assert.ok(medium.includes(n), n);
    const mandatory = S.CATALOGUE.filter((e) => e.mandatory)
      .map((e) => e.name)
      .sort();
    assert.deepEqual(mandatory, [
      'INQUIRY',
      'READ CAPACITY(10)',
      'READ CAPACITY(16)',
      'READ(10)',
      'READ(16)',
      'REPORT LUNS',
      'REQUEST SENSE',
      'TEST UNIT READY',
    ]);
  });
});

describe('scsi/catalogue: facts tests take from it', () => {
  const reserved: [number, [number, number][]][] = [
    // byte 1 bit 3 reserved (bit 0 obsolete), byte 6 bit 6 reserved (bit 7 restricted for MMC-6)
    [
      S.Op.VERIFY_10,
      [
        [1, 0x08],
        [6, 0x40],
        [9, 0x38],
      ],
    ],
    [
      S.Op.VERIFY_16,
      [
        [1, 0x09],
        [14, 0xc0],
        [15, 0x38],
      ],
    ],
    [
      S.Op.WRITE_AND_VERIFY_10,
      [
        [1, 0x08],
        [6, 0xc0],
        [9, 0x38],
      ],
    ],
    [
      S.Op.COMPARE_AND_WRITE,
      [
        [1, 0x05],
        [10, 0xff],
        [11, 0xff],
        [12, 0xff],
        [14, 0xc0],
        [15, 0x38],
      ],
    ],
    [
      S.Op.ORWRITE_16,
      [
        [1, 0x05],
        [14, 0xc0],
        [15, 0x38],
      ],
    ],
    [
      S.Op.WRITE_ATOMIC_16,
      [
        [1, 0x07],
        [14, 0xc0],
        [15, 0x38],
      ],
    ],
    [
      S.Op.TEST_UNIT_READY,
      [
        [1, 0xff],
        [2, 0xff],
        [3, 0xff],
        [4, 0xff],
        [5, 0x38],
      ],
    ],
  ];
  for (const [op, want] of reserved) {
    it(`reserved bits of ${S.opcodeName(op)}`, () =>
      assert.deepEqual(
        S.reservedBits(S.catalogueEntry(op)!),
        want.map(([byte, mask]) => ({ byte, mask })),
      ));
  }

  it('LBA command shapes: limits of the LBA and length fields and their bytes', () => {
    const pick = (op: number) => {
      const s = S.lbaCdbShape(op);
      return [s.name, s.size, s.maxLba, s.maxBlocks, s.lbaByte, s.lenByte, s.groupByte];
    };
    assert.deepEqual(pick(S.Op.READ_6), ['READ(6)', 6, 0x1fffffn, 256, 1, 4, undefined]);
    assert.deepEqual(pick(S.Op.WRITE_10), ['WRITE(10)', 10, 0xffffffffn, 0xffff, 2, 7, 6]);
    assert.deepEqual(pick(S.Op.VERIFY_12), ['VERIFY(12)', 12, 0xffffffffn, 0xffffffff, 2, 6, 10]);
    assert.deepEqual(pick(S.Op.WRITE_SAME_16), ['WRITE SAME(16)', 16, 0xffffffffffffffffn, 0xffffffff, 2, 10, 14]);
    assert.deepEqual(pick(S.Op.COMPARE_AND_WRITE), ['COMPARE AND WRITE', 16, 0xffffffffffffffffn, 0xff, 2, 13, 14]);
    assert.equal(S.lbaCdbShape(S.Op.PRE_FETCH_10).clause, S.SBC4.PRE_FETCH_10);
    assert.throws(() => S.lbaCdbShape(S.Op.INQUIRY), /no field lba/);
  });
});

describe('scsi/catalogue: what a CDB moves', () => {
  const rows: [string, number, { dir: string; bytes: number } | undefined][] = [
    ['28 00 00 00 00 00 00 00 08 00', 512, { dir: 'in', bytes: 4096 }],
    ['08 00 00 00 00 00', 512, { dir: 'in', bytes: 256 * 512 }],
    ['2a 00 00 00 00 00 00 00 02 00', 4096, { dir: 'out', bytes: 8192 }],
    ['89 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00', 512, { dir: 'out', bytes: 2048 }],
    ['12 00 00 00 60 00', 512, { dir: 'in', bytes: 96 }],
    ['25 00 00 00 00 00 00 00 00 00', 512, { dir: 'in', bytes: 8 }],
    ['00 00 00 00 00 00', 512, { dir: 'none', bytes: 0 }],
    ['42 00 00 00 00 00 00 00 18 00', 512, { dir: 'out', bytes: 24 }],
    ['2f 02 00 00 00 00 00 00 01 00', 512, undefined],
    ['93 01 00 00 00 00 00 00 00 00 00 00 00 01 00 00', 512, undefined],
  ];
  for (const [hex, bs, want] of rows) {
    it(`${S.describeCdb(h(hex))} (block ${bs})`, () => assert.deepEqual(S.cdbTransfer(S.decodeCdb(h(hex)), bs), want));
  }
});

describe('scsi/catalogue: decodeCdb refuses what it cannot decode', () => {
  const rows: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /empty/],
    ['unknown operation code', h('c0 00 00 00 00 00'), /OPCODE 0xc0 is not in the command catalogue/],
    ['variable length', h('7f 00 00 00 00 00 00 18'), /VARIABLE LENGTH has a variable length/],
    ['short READ(10)', h('28 00 00 00'), /READ\(10\) needs 10 bytes, got 4/],
    ['short READ CAPACITY(16)', h('9e 10'), /READ CAPACITY\(16\) needs 16 bytes, got 2/],
  ];
  for (const [label, cdb, re] of rows) it(label, () => assertThrowsCode(() => S.decodeCdb(cdb), 'SCSI_E_DECODE', re));

  it('every prefix of every row decodes or throws SCSI_E_DECODE, and longer CDBs decode as their command', () => {
    for (const [hex] of ROWS) {
      const full = h(hex);
      for (let n = 0; n < full.length; n++) assertThrowsCode(() => S.decodeCdb(full.subarray(0, n)), 'SCSI_E_DECODE');
      assert.deepEqual(S.decodeCdb(Buffer.concat([full, h('ff ff')])).values, S.decodeCdb(full).values);
    }
  });
});
