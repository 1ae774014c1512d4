/**
 * The iSNS codec against bytes written independently from RFC 4171's diagrams (the Wire builder of the
 * iSCSI codec tests, never the encoder under test), the RFC's tables of function IDs and status codes
 * written out again here, input split at every byte, and every malformed case the brief names.
 */
import { strict as assert } from 'node:assert';
import {
  ATTRIBUTES,
  attributeName,
  decodeHeartbeat,
  decodeResponse,
  decodeTlvs,
  delimiter,
  describeMessage,
  encodeMessage,
  Flag,
  Func,
  functionName,
  heartbeatPayload,
  IsnsError,
  IsnsMessage,
  IsnsParser,
  parseMessages,
  requestPayload,
  responsePayload,
  Status,
  statusName,
  Tag,
  tlv,
  tlvValue,
} from '../../isns/index.js';
import { wire } from '../protocol/iscsi/wire.js';

/** RFC 4171 5.1.2 header, field by field. */
function header(w: ReturnType<typeof wire>, f: { func: number; len: number; flags: number; xid: number; seq: number }) {
  return w.at(0).u16(1).u16(f.func).u16(f.len).u16(f.flags).u16(f.xid).u16(f.seq).at(12);
}

const IQN = 'iqn.2026-01.org.example:disk1'; // 29 characters: NUL makes 30, padded to 32

describe('isns codec: bytes from the RFC 4171 diagrams', () => {
  it('DevAttrReg: header, string/u32/IP TLVs with NUL and padding, Delimiter', () => {
    const tlvs = [
      tlv(Tag.EntityId, 'ent'),
      delimiter(),
      tlv(Tag.EntityId, 'ent'),
      tlv(Tag.EntityProtocol, 2),
      tlv(Tag.PortalIp, '127.0.0.1'),
      tlv(Tag.PortalPort, 3260),
      tlv(Tag.IscsiName, IQN),
      tlv(Tag.IscsiNodeType, 1),
      tlv(Tag.PgTag, 1),
    ];
    const body = wire()
      .u32(1)
      .u32(4)
      .ascii('ent')
      .u8(0) // Entity Identifier "ent\0"
      .u32(0)
      .u32(0) // Delimiter
      .u32(1)
      .u32(4)
      .ascii('ent')
      .u8(0)
      .u32(2)
      .u32(4)
      .u32(2) // Entity Protocol iSCSI
      .u32(16)
      .u32(16)
      .zeros(10)
      .u8(0xff)
      .u8(0xff)
      .u8(127)
      .u8(0)
      .u8(0)
      .u8(1) // IPv4-mapped
      .u32(17)
      .u32(4)
      .u32(3260)
      .u32(32)
      .u32(32)
      .ascii(IQN)
      .zeros(3) // 29 + NUL + 2 pad
      .u32(33)
      .u32(4)
      .u32(1)
      .u32(51)
      .u32(4)
      .u32(1)
      .build();
    const expected = Buffer.concat([header(wire(), { func: 1, len: body.length, flags: 0x8000 | 0x1000 | 0x0800 | 0x0400, xid: 7, seq: 0 }).build(), body]);
    const pdus = encodeMessage({ functionId: Func.DevAttrReg, flags: Flag.CLIENT | Flag.REPLACE, transactionId: 7, payload: requestPayload(tlvs) });
    assert.equal(pdus.length, 1);
    assert.equal(pdus[0]!.toString('hex'), expected.toString('hex'));
    const [m] = parseMessages(expected);
    assert.deepEqual(decodeTlvs(m!.payload).map(tlvValue), ['ent', null, 'ent', 2, '127.0.0.1', 3260, IQN, 1, 1]);
    assert.equal(m!.flags, Flag.CLIENT | Flag.REPLACE);
  });

  it('a response: 4-byte status, then TLVs; a string exactly filling 4 bytes takes 4 more for its NUL', () => {
    const bytes = Buffer.concat([
      header(wire(), { func: 0x8002, len: 4 + 16 + 8 + 24, flags: 0x4000 | 0x0c00, xid: 9, seq: 0 }).build(),
      wire().u32(9).u32(32).u32(8).ascii('abcd').zeros(4).u32(0).u32(0).u32(6).u32(16).u64(0x0102030405060708n).zeros(8).build(),
    ]);
    // Registration Period (tag 6) is 4 bytes: a 16-byte value is malformed and said so.
    const [m] = parseMessages(bytes);
    const r = decodeResponse(m!.payload);
    assert.equal(r.status, Status.NoSuchEntry);
    assert.equal(statusName(r.status), 'NoSuchEntry');
    assert.equal(tlvValue(r.tlvs[0]!), 'abcd');
    assert.equal(r.tlvs[1]!.tag, 0);
    assert.throws(
      () => tlvValue(r.tlvs[2]!),
      (e: unknown) => IsnsError.is(e, 'ISNS_E_TLV') && /Registration Period: expected 4 bytes, got 16/.test(e.message),
    );
    assert.equal(responsePayload(9, [tlv(Tag.IscsiName, 'abcd'), delimiter()]).toString('hex'), m!.payload.subarray(0, 4 + 16 + 8).toString('hex'));
  });

  it('IPv6 addresses and 64-bit values', () => {
    const t = tlv(Tag.PortalIp, 'fe80::1:2');
    assert.equal(t.value.toString('hex'), wire().u16(0xfe80).zeros(10).u16(1).u16(2).toHex());
    assert.equal(tlvValue(t), 'fe80::1:2');
    assert.equal(tlvValue(tlv(Tag.PortalIp, '[::1]')), '::1');
    assert.equal(tlvValue(tlv(Tag.PortalIp, '::ffff:10.0.0.1')), '10.0.0.1');
    assert.equal(tlv(Tag.Timestamp, 5n).value.toString('hex'), wire().u64(5n).toHex());
    for (const bad of ['1.2.3', '1::2::3', 'x', '1:2:3:4:5:6:7:8:9', ''])
      assert.throws(
        () => tlv(Tag.PortalIp, bad),
        (e: unknown) => IsnsError.is(e, 'ISNS_E_RANGE'),
      );
  });

  it('every attribute of the table round-trips through its type', () => {
    const sample = { none: null, string: 'x-y', u32: 0xfedcba98, u64: 0x1122334455667788n, ip: '192.0.2.9', opaque: Buffer.from([1, 2, 3, 4, 5]) };
    for (const a of ATTRIBUTES) {
      const t = tlv(a.tag, sample[a.type]);
      const back = decodeTlvs(Buffer.concat([wire().u32(a.tag).u32(t.value.length).build(), t.value]));
      const v = tlvValue(back[0]!);
      if (a.type === 'opaque') assert.equal((v as Buffer).subarray(0, 5).toString('hex'), '0102030405', a.name);
      else assert.deepEqual(v, sample[a.type], a.name);
    }
  });

  it('function IDs and status codes carry the RFC 4171 names', () => {
    const funcs: [number, string][] = [
      [1, 'DevAttrReg'],
      [2, 'DevAttrQry'],
      [3, 'DevGetNext'],
      [4, 'DevDereg'],
      [5, 'SCNReg'],
      [6, 'SCNDereg'],
      [7, 'SCNEvent'],
      [8, 'SCN'],
      [9, 'DDReg'],
      [10, 'DDDereg'],
      [11, 'DDSReg'],
      [12, 'DDSDereg'],
      [13, 'ESI'],
      [14, 'Heartbeat'],
      [0x11, 'RqstDomId'],
      [0x12, 'RlseDomId'],
      [0x13, 'GetDomId'],
    ];
    for (const [id, name] of funcs) {
      assert.equal(functionName(id), name);
      if (id !== 14) assert.equal(functionName(id | 0x8000), `${name}Rsp`);
    }
    assert.equal(functionName(0x800e), 'function 0x800e');
    const statuses = [
      'Successful',
      'UnknownError',
      'MessageFormatError',
      'InvalidRegistration',
      undefined,
      'InvalidQuery',
      'SourceUnknown',
      'SourceAbsent',
      'SourceUnauthorized',
      'NoSuchEntry',
      'VersionNotSupported',
      'InternalError',
      'Busy',
      'OptionNotUnderstood',
      'InvalidUpdate',
      'MessageNotSupported',
      'SCNEventRejected',
      'SCNRegistrationRejected',
      'AttributeNotImplemented',
      'FcDomainIdNotAvailable',
      'FcDomainIdNotAllocated',
      'ESINotAvailable',
      'InvalidDeregistration',
      'RegistrationFeatureNotSupported',
    ];
    statuses.forEach((n, code) => assert.equal(statusName(code), n ?? `status ${code}`));
    assert.equal(attributeName(33), 'iSCSI Node Type');
    assert.equal(attributeName(999), 'attribute 999');
  });

  it('Heartbeat: server address, TCP and UDP ports, interval, counter', () => {
    const p = heartbeatPayload({ address: '10.1.2.3', tcpPort: 3205, udpPort: 3206, interval: 30, counter: 4 });
    assert.equal(p.toString('hex'), wire().zeros(10).u16(0xffff).u8(10).u8(1).u8(2).u8(3).u16(3205).u16(3206).u32(30).u32(4).toHex());
    assert.deepEqual(decodeHeartbeat(p), { address: '10.1.2.3', tcpPort: 3205, udpPort: 3206, interval: 30, counter: 4 });
    assert.match(
      describeMessage({ functionId: Func.Heartbeat, flags: 0x4000, transactionId: 1, payload: p }),
      /Heartbeat xid=1 server=10.1.2.3:3205 interval=30 counter=4/,
    );
  });
});

describe('isns codec: multi-PDU messages and split input', () => {
  const tlvs = Array.from({ length: 6 }, (_, i) => tlv(Tag.IscsiName, `iqn.2026-01.test:n${i}`));
  const msg: IsnsMessage = { functionId: Func.DevAttrQry | 0x8000, flags: Flag.SERVER, transactionId: 0xfffe, payload: responsePayload(0, tlvs) };

  it('a payload longer than a PDU is split with First/Last flags and sequence IDs 0, 1, 2...', () => {
    const pdus = encodeMessage(msg, 16);
    assert.equal(pdus.length, Math.ceil(msg.payload.length / 16));
    pdus.forEach((p, i) => {
      assert.equal(p.readUInt16BE(10), i, 'sequence ID');
      assert.equal(p.readUInt16BE(6), 0x4000 | (i === 0 ? 0x0400 : 0) | (i === pdus.length - 1 ? 0x0800 : 0), `flags of PDU ${i}`);
      assert.equal(p.readUInt16BE(8), 0xfffe);
    });
    const [back] = parseMessages(Buffer.concat(pdus));
    assert.deepEqual(decodeResponse(back!.payload).tlvs.map(tlvValue), tlvs.map(tlvValue));
  });

  it('the same messages come out whatever byte the input is split at', () => {
    const stream = Buffer.concat([...encodeMessage(msg, 8), ...encodeMessage({ ...msg, transactionId: 1 })]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const got: IsnsMessage[] = [];
      const p = new IsnsParser(
        (m) => got.push(m),
        (e) => assert.fail(e.message),
      );
      p.push(stream.subarray(0, cut));
      p.push(stream.subarray(cut));
      assert.equal(got.length, 2, `cut at ${cut}`);
      assert.ok(got[0]!.payload.equals(msg.payload) && got[1]!.payload.equals(msg.payload), `cut at ${cut}`);
    }
    const got: IsnsMessage[] = [];
    const p = new IsnsParser(
      (m) => got.push(m),
      (e) => assert.fail(e.message),
    );
    for (const b of stream) p.push(Buffer.from([b]));
    assert.equal(got.length, 2, 'byte by byte');
  });

  it('interleaved messages of two transactions are joined each by its own ID', () => {
    const a = encodeMessage({ ...msg, transactionId: 1 }, 16);
    const b = encodeMessage({ ...msg, transactionId: 2 }, 16);
    const mixed: Buffer[] = [];
    for (let i = 0; i < a.length; i++) mixed.push(a[i]!, b[i]!);
    assert.deepEqual(
      parseMessages(Buffer.concat(mixed)).map((m) => m.transactionId),
      [1, 2],
    );
  });
});

describe('isns codec: bad input gives a typed error naming what was wrong', () => {
  const good = encodeMessage({ functionId: Func.DevAttrQry, flags: Flag.CLIENT, transactionId: 3, payload: requestPayload([tlv(Tag.IscsiName, 'x')]) })[0]!;
  const code = (c: string, re: RegExp) => (e: unknown) => IsnsError.is(e) && e.code === c && re.test(e.message);

  it('wrong version, unaligned or impossible PDU length: ISNS_E_PDU and the parser stops', () => {
    const v2 = Buffer.from(good);
    v2.writeUInt16BE(2, 0);
    assert.throws(() => parseMessages(v2), code('ISNS_E_PDU', /version 2 is not 1/));
    const odd = Buffer.from(good);
    odd.writeUInt16BE(6, 4);
    assert.throws(() => parseMessages(odd), code('ISNS_E_PDU', /length 6 is not a multiple of 4/));
    const huge = Buffer.from(good);
    huge.writeUInt16BE(65535, 4);
    assert.throws(() => parseMessages(huge), code('ISNS_E_PDU', /length 65535/));
  });

  it('a truncated PDU, a truncated header: ISNS_E_PDU with the bytes left over', () => {
    assert.throws(() => parseMessages(good.subarray(0, good.length - 1)), code('ISNS_E_PDU', /ends inside a PDU/));
    assert.throws(() => parseMessages(good.subarray(0, 5)), code('ISNS_E_PDU', /5 bytes left over/));
  });

  it('a TLV running past the payload, an unaligned TLV length, a cut TLV header: ISNS_E_TLV naming the attribute', () => {
    assert.throws(() => decodeTlvs(wire().u32(32).u32(12).zeros(8).build()), code('ISNS_E_TLV', /iSCSI Name at byte 0: length 12 runs past the payload/));
    assert.throws(() => decodeTlvs(wire().u32(33).u32(3).zeros(4).build()), code('ISNS_E_TLV', /iSCSI Node Type at byte 0: length 3/));
    assert.throws(() => decodeTlvs(wire().u32(33).u16(0).build()), code('ISNS_E_TLV', /truncated: 6 of 8/));
    assert.throws(() => decodeResponse(Buffer.alloc(2)), code('ISNS_E_PDU', /no 4-byte status/));
    assert.throws(() => tlvValue({ tag: 32, value: Buffer.from('abcd') }), code('ISNS_E_TLV', /not NUL-terminated/));
  });

  it('an unknown attribute decodes as opaque but has no typed value: ISNS_E_TLV', () => {
    const [t] = decodeTlvs(wire().u32(4000).u32(4).u32(9).build());
    assert.equal(t!.tag, 4000);
    assert.throws(() => tlvValue(t!), code('ISNS_E_TLV', /unknown attribute tag 4000/));
  });

  it('an unknown function ID: ISNS_E_FUNCTION, and the next PDU still parses', () => {
    const unk = Buffer.from(good);
    unk.writeUInt16BE(0x0042, 2);
    const errs: IsnsError[] = [];
    const got: IsnsMessage[] = [];
    new IsnsParser(
      (m) => got.push(m),
      (e) => errs.push(e),
    ).push(Buffer.concat([unk, good]));
    assert.equal(errs[0]?.code, 'ISNS_E_FUNCTION');
    assert.match(errs[0]!.message, /0x0042/);
    assert.equal(got.length, 1);
  });

  it('sequence faults: no First PDU, a gap, a repeated First: ISNS_E_SEQUENCE', () => {
    const parts = encodeMessage({ functionId: Func.DevAttrQry, flags: Flag.CLIENT, transactionId: 4, payload: Buffer.alloc(24) }, 8);
    assert.throws(() => parseMessages(parts[1]!), code('ISNS_E_SEQUENCE', /no First PDU/));
    assert.throws(() => parseMessages(Buffer.concat([parts[0]!, parts[2]!])), code('ISNS_E_SEQUENCE', /sequence ID 2 where 1/));
    assert.throws(() => parseMessages(Buffer.concat([parts[0]!, parts[0]!])), code('ISNS_E_SEQUENCE', /First PDU arrived/));
  });

  it('bounded memory: a message over maxMessage, too many half-received messages', () => {
    const long = encodeMessage({ functionId: Func.DevAttrQry, flags: Flag.CLIENT, transactionId: 5, payload: Buffer.alloc(64) }, 16);
    assert.throws(() => parseMessages(Buffer.concat(long), { maxMessage: 32 }), code('ISNS_E_SEQUENCE', /longer than 32/));
    const firsts = [1, 2, 3].map((x) => encodeMessage({ functionId: Func.DevAttrQry, flags: 0, transactionId: x, payload: Buffer.alloc(16) }, 8)[0]!);
    assert.throws(() => parseMessages(Buffer.concat(firsts), { maxPending: 2 }), code('ISNS_E_SEQUENCE', /more than 2 messages/));
  });

  it('encoder refuses values that do not fit', () => {
    assert.throws(() => tlv(Tag.PortalPort, -1), code('ISNS_E_RANGE', /Portal TCP\/UDP Port/));
    assert.throws(() => tlv(Tag.IscsiName, 5), code('ISNS_E_RANGE', /takes a string/));
    assert.throws(() => tlv(Tag.IscsiName, 'a\0b'), code('ISNS_E_RANGE', /NUL/));
    assert.throws(() => encodeMessage({ functionId: 1, flags: 0, transactionId: 0x10000, payload: Buffer.alloc(0) }), code('ISNS_E_RANGE', /transaction ID/));
    assert.throws(() => encodeMessage({ functionId: 1, flags: 0, transactionId: 1, payload: Buffer.alloc(3) }), code('ISNS_E_RANGE', /4-byte aligned/));
  });
});
