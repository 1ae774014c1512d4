/**
 * Text key=value data segments (RFC 7143 6.1): order and duplicates kept, padding tolerated, malformed
 * text refused as ISCSI_E_PROTOCOL naming the text; TextAccumulator for text spread over PDUs with the
 * C bit (11.10.2, 11.12.2); splitText. Expected bytes are written by hand, not by encodeText.
 */
import { strict as assert } from 'node:assert';
import {
  decodeText,
  encodeText,
  isValidKeyName,
  KeyValue,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  splitText,
  TextAccumulator,
} from '../../../protocol/iscsi/index.js';
import { IscsiError } from '../../../protocol/errors.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const protocolNaming = (fragment: string) => (e: unknown) => IscsiError.is(e, 'ISCSI_E_PROTOCOL') && (e as Error).message.includes(fragment);

describe('protocol/iscsi text keys (RFC 7143 6.1)', () => {
  describe('decodeText', () => {
    const good: Array<[string, Buffer, KeyValue[]]> = [
      [
        'pairs in order, duplicates kept',
        b('a=1\0b=2\0a=3\0'),
        [
          ['a', '1'],
          ['b', '2'],
          ['a', '3'],
        ],
      ],
      ['an empty value', b('TargetAlias=\0'), [['TargetAlias', '']]],
      ['a value containing "="', b('X-k=a=b\0'), [['X-k', 'a=b']]],
      ['a list value kept as one string', b('HeaderDigest=CRC32C,None\0'), [['HeaderDigest', 'CRC32C,None']]],
      ['trailing padding NULs after the last pair (11.2.3)', b('a=1\0\0\0\0'), [['a', '1']]],
      ['an empty segment', b(''), []],
      ['padding only', b('\0\0\0'), []],
      [
        'private X- and public X# extension key names, and every key-name character',
        b('X-com.example_k+@-1=v\0X#N=w\0'),
        [
          ['X-com.example_k+@-1', 'v'],
          ['X#N', 'w'],
        ],
      ],
      [`a key of ${MAX_KEY_LENGTH} bytes (the maximum)`, b('K'.repeat(63) + '=v\0'), [['K'.repeat(63), 'v']]],
      ['UTF-8 in a value (6.1: text values are UTF-8)', Buffer.from('TargetAlias=disk \u00e9\u6587\0', 'utf8'), [['TargetAlias', 'disk \u00e9\u6587']]],
    ];
    for (const [name, data, pairs] of good) it(name, () => assert.deepStrictEqual(decodeText(data), pairs));

    it(`a value of ${MAX_VALUE_LENGTH} characters is accepted, one more is not`, () => {
      assert.equal(decodeText(b(`CHAP_C=${'a'.repeat(MAX_VALUE_LENGTH)}\0`))[0]![1].length, MAX_VALUE_LENGTH);
      assert.throws(() => decodeText(b(`CHAP_C=${'a'.repeat(MAX_VALUE_LENGTH + 1)}\0`)), protocolNaming('CHAP_C'));
    });

    const bad: Array<[string, Buffer, string]> = [
      ["a pair without '='", b('a=1\0NoEquals\0'), 'NoEquals'],
      ['a pair without its terminating NUL', b('a=1\0b=2'), 'b=2'],
      ['an empty key', b('=x\0'), 'invalid key name'],
      ['a space in the key', b('a b=1\0'), 'a b'],
      ['a "/" in the key', b('a/b=1\0'), 'a/b'],
      ['a non-ASCII key', Buffer.from('cl\u00e9=1\0', 'utf8'), 'invalid key name'],
      [`a key of ${MAX_KEY_LENGTH + 1} bytes`, b('K'.repeat(64) + '=v\0'), 'KKKK'],
      ['an empty pair between pairs (a NUL then more text)', b('a=1\0\0b=2\0'), 'empty'],
    ];
    for (const [name, data, fragment] of bad) {
      it(`${name} is ISCSI_E_PROTOCOL naming the text`, () => assert.throws(() => decodeText(data), protocolNaming(fragment)));
    }

    it('isValidKeyName agrees with the decoder', () => {
      assert.equal(isValidKeyName('MaxBurstLength'), true);
      assert.equal(isValidKeyName(''), false);
      assert.equal(isValidKeyName('K'.repeat(64)), false);
      assert.equal(isValidKeyName('a=b'), false);
    });
  });

  describe('encodeText', () => {
    it('writes key=value NUL in order, duplicates kept, and decodes back', () => {
      const pairs: KeyValue[] = [
        ['InitiatorName', 'iqn.2024-01.org.example:i'],
        ['X-a', ''],
        ['X-a', 'b=c'],
      ];
      const bytes = encodeText(pairs);
      assert.equal(bytes.toString('latin1'), 'InitiatorName=iqn.2024-01.org.example:i\0X-a=\0X-a=b=c\0');
      assert.deepStrictEqual(decodeText(bytes), pairs);
      assert.equal(encodeText([]).length, 0);
    });
  });

  describe('TextAccumulator (C bit: 11.10.2, 11.12.2)', () => {
    it('joins a pair split across PDUs and decodes once the last PDU (C=0) arrives', () => {
      const acc = new TextAccumulator();
      assert.equal(acc.add(b('InitiatorName=iqn.x\0Tar'), true), undefined);
      assert.equal(acc.pending, true);
      assert.equal(acc.add(b(''), true), undefined); // an empty PDU with C=1 is harmless
      assert.equal(acc.add(b('getNa'), true), undefined);
      assert.deepStrictEqual(acc.add(b('me=iqn.t\0'), false), [
        ['InitiatorName', 'iqn.x'],
        ['TargetName', 'iqn.t'],
      ]);
      assert.equal(acc.pending, false);
      // Ready for the next text.
      assert.deepStrictEqual(acc.add(b('a=1\0'), false), [['a', '1']]);
    });

    it('a single PDU without C decodes at once', () => {
      assert.deepStrictEqual(new TextAccumulator().add(b('a=1\0a=2\0'), false), [
        ['a', '1'],
        ['a', '2'],
      ]);
    });

    it('the text must still end with a NUL when C=0 arrives', () => {
      const acc = new TextAccumulator();
      acc.add(b('a=1\0b'), true);
      assert.throws(() => acc.add(b('=2'), false), protocolNaming('b=2'));
    });

    it('enforces its limit across PDUs (exactly the limit is fine)', () => {
      const ok = new TextAccumulator(16);
      assert.equal(ok.add(b('abcdefgh=1\0'), true), undefined); // 11 bytes
      assert.deepStrictEqual(ok.add(b('c=12\0'), false), [
        ['abcdefgh', '1'],
        ['c', '12'],
      ]); // 16 in all
      const over = new TextAccumulator(16);
      over.add(b('abcdefgh=1\0'), true);
      assert.throws(() => over.add(b('c=123\0'), false), protocolNaming('16')); // 17
      // The default limit is 64 KiB.
      const big = new TextAccumulator();
      big.add(Buffer.alloc(65536, 0x61), true);
      assert.throws(() => big.add(b('x'), true), protocolNaming('65536'));
    });
  });

  describe('splitText', () => {
    const buf = b('0123456789');
    it('cuts into pieces of at most max bytes that join back (slices, no copies)', () => {
      const pieces = splitText(buf, 4);
      assert.deepStrictEqual(
        pieces.map((p) => p.toString('latin1')),
        ['0123', '4567', '89'],
      );
      for (const p of pieces) assert.equal(p.buffer, buf.buffer);
    });
    it('an exact multiple gives no empty last piece', () => {
      assert.deepStrictEqual(
        splitText(b('01234567'), 4).map((p) => p.toString('latin1')),
        ['0123', '4567'],
      );
    });
    it('a text within max is one piece; an empty text is one empty piece', () => {
      assert.deepStrictEqual(splitText(buf, 10), [buf]);
      assert.deepStrictEqual(
        splitText(b(''), 8).map((p) => p.length),
        [0],
      );
    });
    it('a max below 1 (or not an integer) is E_RANGE, not an endless loop', () => {
      for (const max of [0, -1, 0.5, NaN])
        assert.throws(
          () => splitText(buf, max),
          (e: unknown) => IscsiError.is(e, 'E_RANGE'),
          String(max),
        );
    });
  });
});
