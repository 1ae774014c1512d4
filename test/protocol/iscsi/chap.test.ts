/**
 * CHAP (RFC 7143 12.1.3, RFC 1994 4.1): CHAP_R = H(CHAP_I as one octet || secret || CHAP_C), and the
 * binary value encodings of RFC 7143 6.1 (0x hex, 0b base64).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import {
  ChapAlgorithm,
  chapResponse,
  decodeBinary,
  encodeBinary,
  isSupportedChapAlgorithm,
  newChallenge,
  newIdentifier,
} from '../../../protocol/iscsi/index.js';
import { IscsiError } from '../../../protocol/errors.js';

const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('protocol/iscsi CHAP (RFC 7143 12.1.3)', () => {
  describe('chapResponse', () => {
    it('MD5 (CHAP_A=5) is md5 over identifier octet, secret and challenge, computed here independently', () => {
      for (const [id, secret] of [
        [0, 'a'],
        [1, 'secret'],
        [255, 'a much longer secret of 32 bytes!'],
        [0x2a, ''],
      ] as const) {
        const want = createHash('md5')
          .update(Buffer.concat([Buffer.from([id]), Buffer.from(secret, 'utf8'), challenge]))
          .digest();
        assert.deepStrictEqual(chapResponse(ChapAlgorithm.MD5, id, secret, challenge), want, `id ${id}`);
      }
    });

    // Fixed literals, computed outside Node (coreutils md5sum / sha1sum / sha256sum) over the octets
    // 2a 'secretsecret' 00 11 22 ... ff.
    const fixed: Array<[string, number, string]> = [
      ['MD5 (5)', ChapAlgorithm.MD5, '99a6658285c6736beb18a63405f66e86'],
      ['SHA-1 (6)', ChapAlgorithm.SHA1, '4f6bea7e443f49e2b1f67818b148f18d737f8641'],
      ['SHA-256 (7)', ChapAlgorithm.SHA256, 'd07878845ff2015f47eb73bf7b1c13e2ccbe839c7076e97cd537ef6e6be2979d'],
    ];
    for (const [name, alg, hex] of fixed) {
      it(`${name}: a fixed literal vector`, () => {
        assert.equal(chapResponse(alg, 0x2a, 'secretsecret', challenge).toString('hex'), hex);
        assert.equal(chapResponse(alg, 0x2a, Buffer.from('secretsecret'), challenge).toString('hex'), hex, 'secret as a Buffer');
      });
    }

    it('an unsupported CHAP_A is ISCSI_E_AUTH', () => {
      assert.equal(isSupportedChapAlgorithm(5), true);
      assert.equal(isSupportedChapAlgorithm(4), false);
      assert.throws(
        () => chapResponse(4, 1, 's', challenge),
        (e: unknown) => IscsiError.is(e, 'ISCSI_E_AUTH'),
      );
    });

    it('fresh challenges and identifiers', () => {
      const a = newChallenge();
      assert.equal(a.length, 16);
      assert.notDeepEqual(a, newChallenge());
      assert.equal(newChallenge(32).length, 32);
      const id = newIdentifier();
      assert.ok(Number.isInteger(id) && id >= 0 && id <= 255);
    });
  });

  describe('binary values (RFC 7143 6.1)', () => {
    const good: Array<[string, string]> = [
      ['0x00ff10', '00ff10'],
      ['0XABcd', 'abcd'],
      ['0x123', '0123'], // an odd number of hex digits: a leading 0 is implied
      ['0xf', '0f'],
      ['0bAAEC', '000102'],
      ['0BAAE=', '0001'],
      ['0bAA==', '00'],
      ['0b+/+/', 'fbffbf'],
    ];
    for (const [text, hex] of good) it(`decodeBinary("${text}") = ${hex}`, () => assert.equal(decodeBinary(text)?.toString('hex'), hex));

    const bad = ['', '0x', '0b', 'ff00', '0xgg', '0x12 34', '0x-1', '0bAAE', '0bAA=A', '0b====', '0bAA===', '0zAA', 'x12', '0b@@@@'];
    for (const text of bad) it(`decodeBinary("${text}") is malformed: undefined`, () => assert.equal(decodeBinary(text), undefined));

    it('encodeBinary round-trips, in hex (default) and base64', () => {
      for (const n of [1, 2, 3, 4, 16, 17]) {
        const buf = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 5) & 0xff));
        const hex = encodeBinary(buf);
        assert.match(hex, /^0x[0-9a-f]+$/);
        assert.deepStrictEqual(decodeBinary(hex), buf);
        const b64 = encodeBinary(buf, 'base64');
        assert.match(b64, /^0b[A-Za-z0-9+/]+=*$/);
        assert.deepStrictEqual(decodeBinary(b64), buf);
      }
      assert.equal(encodeBinary(Buffer.from([0xde, 0xad])), '0xdead');
      assert.equal(encodeBinary(Buffer.from([0xde, 0xad]), 'base64'), '0b3q0=');
    });
  });
});
