/**
 * parseIscsiUrl: libiscsi's URL form iscsi://[user[%password]@]host[:port]/target-iqn/lun[?args], as
 * a table of good URLs (what each parses to), bad ones (the ISCSI_E_URL message fragment each must
 * give), libiscsi's LIBISCSI_CHAP_* environment variables (passed explicitly), and the rule that a
 * password never appears in an error message or in `display`.
 */
import { strict as assert } from 'node:assert';
import { IscsiUrl, parseIscsiUrl } from '../../harness/initiator/index.js';
import { IscsiError } from '../../protocol/errors.js';

const IQN = 'iqn.2026-11.org.iscsi-test:target';
const NOENV: NodeJS.ProcessEnv = {};

type Expect = Partial<Omit<IscsiUrl, 'display'>>;

const good: [url: string, expected: Expect][] = [
  [`iscsi://127.0.0.1/${IQN}/1`, { host: '127.0.0.1', port: 3260, target: IQN, lun: 1 }],
  [`iscsi://127.0.0.1:3261/${IQN}/0`, { host: '127.0.0.1', port: 3261, target: IQN, lun: 0 }],
  [`iscsi://storage.example.com:65535/${IQN}/16383`, { host: 'storage.example.com', port: 65535, lun: 16383 }],
  [`ISCSI://host/${IQN}/2`, { host: 'host', port: 3260, lun: 2 }],
  // CHAP: libiscsi separates user and password with '%'; ':' is accepted too.
  [`iscsi://alice%s3cret@127.0.0.1/${IQN}/1`, { chap: { user: 'alice', secret: 's3cret' } }],
  [`iscsi://alice:s3cret@127.0.0.1/${IQN}/1`, { chap: { user: 'alice', secret: 's3cret' } }],
  // Only the first '%' splits: the rest, '%' and ':' included, is the password.
  [`iscsi://alice%pa%ss:w0rd@127.0.0.1/${IQN}/1`, { chap: { user: 'alice', secret: 'pa%ss:w0rd' } }],
  // As in libiscsi, ':' separates only when there is no '%': a CHAP name is often an IQN, with ':' in it.
  [`iscsi://iqn.2026-11.org.iscsi-test:host%s3cret@127.0.0.1/${IQN}/1`, { chap: { user: 'iqn.2026-11.org.iscsi-test:host', secret: 's3cret' } }],
  [`iscsi://alice:pa%ss@127.0.0.1/${IQN}/1`, { chap: { user: 'alice:pa', secret: 'ss' } }],
  // IPv6 in brackets, with and without a port, with a zone.
  [`iscsi://[::1]:3261/${IQN}/1`, { host: '::1', port: 3261, target: IQN, lun: 1 }],
  [`iscsi://[::1]/${IQN}/1`, { host: '::1', port: 3260 }],
  [`iscsi://[fe80::1%eth0]:3262/${IQN}/3`, { host: 'fe80::1%eth0', port: 3262, lun: 3 }],
  [`iscsi://[2001:db8::10]/${IQN}/1`, { host: '2001:db8::10' }],
  [`iscsi://[::ffff:127.0.0.1]/${IQN}/1`, { host: '::ffff:127.0.0.1' }],
  // The userinfo ends at the last '@' before the query: a password may hold '@', '/' and ':'.
  [`iscsi://alice%p@ss/w:rd@h:3261/${IQN}/1`, { host: 'h', port: 3261, target: IQN, lun: 1, chap: { user: 'alice', secret: 'p@ss/w:rd' } }],
  [`iscsi://bob%pw@[::1]:3261/${IQN}/1`, { host: '::1', port: 3261, chap: { user: 'bob', secret: 'pw' } }],
  // The target name is percent-decoded.
  [`iscsi://h/iqn.2026-11.org.iscsi-test%3Atarget/1`, { target: IQN }],
  [`iscsi://h/eui.02004567A425678D/1`, { target: 'eui.02004567A425678D' }],
  [`iscsi://h/naa.52004567BA64678D/1`, { target: 'naa.52004567BA64678D' }],
  // Portal URLs (discovery): no target, no LUN.
  ['iscsi://127.0.0.1', { host: '127.0.0.1', port: 3260, target: undefined, lun: undefined }],
  ['iscsi://127.0.0.1:3261/', { host: '127.0.0.1', port: 3261, target: undefined, lun: undefined }],
  ['iscsi://[::1]:3261', { host: '::1', port: 3261 }],
  [`iscsi://h/${IQN}`, { target: IQN, lun: undefined }],
  // Every query argument.
  [`iscsi://a%b@h/${IQN}/1?target_user=tgt&target_password=tsecret`, { chap: { user: 'a', secret: 'b' }, targetChap: { user: 'tgt', secret: 'tsecret' } }],
  [`iscsi://h/${IQN}/1?header_digest=crc32c`, { headerDigest: 'CRC32C', dataDigest: undefined }],
  [`iscsi://h/${IQN}/1?header_digest=none&data_digest=CRC32C`, { headerDigest: 'None', dataDigest: 'CRC32C' }],
  [`iscsi://h/${IQN}/1?header_digest=crc32c,none&data_digest=none,crc32c`, { headerDigest: 'CRC32C,None', dataDigest: 'None,CRC32C' }],
  [
    `iscsi://a%b@h/${IQN}/1?target_user=t%40x&target_password=p%26q&header_digest=crc32c&data_digest=crc32c&`,
    {
      chap: { user: 'a', secret: 'b' },
      targetChap: { user: 't@x', secret: 'p&q' },
      headerDigest: 'CRC32C',
      dataDigest: 'CRC32C',
    },
  ],
];

const bad: [url: string, fragment: RegExp, opts?: { requireLun?: boolean }][] = [
  [`http://h/${IQN}/1`, /must start with iscsi:\/\//],
  [`iscsi:/h/${IQN}/1`, /must start with iscsi:\/\//],
  [`iscsi:///${IQN}/1`, /the host is missing/],
  [`iscsi://h:0/${IQN}/1`, /port "0" is not a number in 1\.\.65535/],
  [`iscsi://h:65536/${IQN}/1`, /port "65536"/],
  [`iscsi://h:32x/${IQN}/1`, /the port after ":" is not a number in 1\.\.65535/],
  [`iscsi://h:/${IQN}/1`, /port ""/],
  [`iscsi://h_st!/${IQN}/1`, /"h_st!" is not a host name or address/],
  [`iscsi://::1/${IQN}/1`, /IPv6 address must be written in brackets/],
  [`iscsi://[::1/${IQN}/1`, /missing its closing \]/],
  [`iscsi://[::1]x/${IQN}/1`, /unexpected "x" after the IPv6 address/],
  [`iscsi://[127.0.0.1]/${IQN}/1`, /"127\.0\.0\.1" is not an IPv6 address/],
  [`iscsi://[::1]:99999/${IQN}/1`, /port "99999"/],
  [`iscsi://h/${IQN}/1/2`, /the path must be \/target-iqn\/lun/],
  [`iscsi://h/target/1`, /"target" is not an iSCSI name/],
  [`iscsi://h//1`, /the target name is empty/],
  [`iscsi://h/iqn.x%zz/1`, /target name "iqn\.x%zz" has a malformed %-escape/],
  [`iscsi://h/${IQN}/x`, /LUN "x" is not a number in 0\.\.16383/],
  [`iscsi://h/${IQN}/16384`, /LUN "16384"/],
  [`iscsi://h/${IQN}/-1`, /LUN "-1"/],
  [`iscsi://h/${IQN}`, /the LUN is missing/, { requireLun: true }],
  ['iscsi://h', /the target name and LUN are missing/, { requireLun: true }],
  [`iscsi://alice@h/${IQN}/1`, /a CHAP user needs a password/],
  [`iscsi://%pw@h/${IQN}/1`, /the CHAP user name is empty/],
  [`iscsi://alice%@h/${IQN}/1`, /the CHAP password is empty/],
  [`iscsi://h/${IQN}/1?header_digest`, /argument "header_digest" has no value/],
  [`iscsi://h/${IQN}/1?header_digest=md5`, /header_digest=md5: expected crc32c, none/],
  [`iscsi://h/${IQN}/1?data_digest=yes`, /data_digest=yes/],
  [`iscsi://h/${IQN}/1?lun=2`, /unknown argument "lun"/],
  [`iscsi://h/${IQN}/1?target_user=t`, /mutual CHAP needs both target_user and target_password/],
  [`iscsi://h/${IQN}/1?target_password=p`, /mutual CHAP needs both/],
  [`iscsi://h/${IQN}/1?target_user=t&target_password=p`, /mutual CHAP \(target_user\) needs the initiator CHAP user%password too/],
];

function url(u: string, env: NodeJS.ProcessEnv = NOENV, opts: { requireLun?: boolean } = {}): IscsiUrl {
  return parseIscsiUrl(u, env, opts);
}

function urlError(u: string, env: NodeJS.ProcessEnv = NOENV, opts: { requireLun?: boolean } = {}): IscsiError {
  try {
    url(u, env, opts);
  } catch (e) {
    assert.ok(IscsiError.is(e, 'ISCSI_E_URL'), `${u}: expected ISCSI_E_URL, got ${String(e)}`);
    return e as IscsiError;
  }
  assert.fail(`${u}: parsed, but should have been refused`);
}

describe('parseIscsiUrl', () => {
  describe('good URLs', () => {
    for (const [u, want] of good) {
      it(u, () => {
        const got = url(u);
        for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof IscsiUrl], v, `${k} of ${u}`);
        if (!('chap' in want)) assert.equal(got.chap, undefined);
      });
    }
  });

  describe('bad URLs → ISCSI_E_URL naming what is wrong', () => {
    for (const [u, fragment, opts] of bad) {
      it(`${u}${opts?.requireLun ? ' (LUN required)' : ''}`, () => {
        const e = urlError(u, NOENV, opts);
        assert.match(e.message, fragment);
        assert.match(e.message, /^bad iSCSI URL "/);
      });
    }
  });

  describe("libiscsi's LIBISCSI_CHAP_* environment variables", () => {
    const U = `iscsi://127.0.0.1/${IQN}/1`;
    it('LIBISCSI_CHAP_USERNAME / _PASSWORD supply CHAP when the URL has none', () => {
      const u = url(U, { LIBISCSI_CHAP_USERNAME: 'envuser', LIBISCSI_CHAP_PASSWORD: 'envpass' });
      assert.deepEqual(u.chap, { user: 'envuser', secret: 'envpass' });
      assert.equal(u.targetChap, undefined);
    });
    it('credentials in the URL win over the environment', () => {
      const u = url(`iscsi://alice%pw@127.0.0.1/${IQN}/1`, { LIBISCSI_CHAP_USERNAME: 'envuser', LIBISCSI_CHAP_PASSWORD: 'envpass' });
      assert.deepEqual(u.chap, { user: 'alice', secret: 'pw' });
    });
    it('_TARGET_USERNAME / _TARGET_PASSWORD supply mutual CHAP', () => {
      const u = url(U, {
        LIBISCSI_CHAP_USERNAME: 'envuser',
        LIBISCSI_CHAP_PASSWORD: 'envpass',
        LIBISCSI_CHAP_TARGET_USERNAME: 'envtgt',
        LIBISCSI_CHAP_TARGET_PASSWORD: 'envtpass',
      });
      assert.deepEqual(u.targetChap, { user: 'envtgt', secret: 'envtpass' });
    });
    it('target_user / target_password in the URL win over the environment', () => {
      const u = url(`iscsi://a%b@127.0.0.1/${IQN}/1?target_user=t&target_password=p`, {
        LIBISCSI_CHAP_TARGET_USERNAME: 'envtgt',
        LIBISCSI_CHAP_TARGET_PASSWORD: 'envtpass',
      });
      assert.deepEqual(u.targetChap, { user: 't', secret: 'p' });
    });
    it('a USERNAME without a PASSWORD is refused', () => {
      assert.match(urlError(U, { LIBISCSI_CHAP_USERNAME: 'envuser' }).message, /LIBISCSI_CHAP_USERNAME is set but LIBISCSI_CHAP_PASSWORD is not/);
    });
    it('mutual CHAP from the environment without initiator CHAP is refused', () => {
      const e = urlError(U, { LIBISCSI_CHAP_TARGET_USERNAME: 'envtgt', LIBISCSI_CHAP_TARGET_PASSWORD: 'envtpass' });
      assert.match(e.message, /needs the initiator CHAP user%password too/);
      assert.doesNotMatch(e.message, /envtpass/);
    });
    it('a TARGET_USERNAME without its password is refused', () => {
      assert.match(urlError(U, { LIBISCSI_CHAP_USERNAME: 'u', LIBISCSI_CHAP_PASSWORD: 'p', LIBISCSI_CHAP_TARGET_USERNAME: 't' }).message, /needs both/);
    });
    it('the default environment is process.env (and an empty env changes nothing)', () => {
      assert.deepEqual(url(U, {}), url(U, { UNRELATED: 'x' }));
    });
  });

  describe('a password never appears in an error message or in display', () => {
    const SECRET = 'Zq7-secret-Vx9';
    const TSECRET = 'Tt4-target-secret-Kp2';
    const cases: string[] = [
      `iscsi://alice%${SECRET}@h:99999/${IQN}/1`,
      `iscsi://alice:${SECRET}@h/${IQN}/x`,
      `iscsi://alice%${SECRET}@[::1/${IQN}/1`,
      `iscsi://alice%${SECRET}@h/target/1`,
      `iscsi://alice%${SECRET}@h/${IQN}/1?bogus=1`,
      `iscsi://alice%${SECRET}@h/${IQN}/1?target_user=t`,
      // The host forgotten: the userinfo must not be shown as a host name.
      `iscsi://alice%${SECRET}/${IQN}/1`,
      `iscsi://alice%${SECRET}`,
      `iscsi://alice:${SECRET}/${IQN}/1`,
      // A '?' in a password cannot be told from the query's; the part after it must not show either.
      `iscsi://alice%Zq7-sec?ret-Vx9@h/${IQN}/1`,
      // target_password: refused for a malformed %-escape, or with another argument wrong.
      `iscsi://a%b@h/${IQN}/1?target_user=t&target_password=${TSECRET}%zz`,
      `iscsi://a%b@h/${IQN}/1?target_user=t&target_password=${TSECRET}&header_digest=md5`,
      `iscsi://h/${IQN}/1?target_password=${TSECRET}`,
    ];
    for (const u of cases) {
      it(u.replace(SECRET, '<secret>').replace(TSECRET, '<target secret>'), () => {
        const e = urlError(u);
        for (const s of [SECRET, TSECRET, SECRET.slice(0, 6), SECRET.slice(-6), TSECRET.slice(0, 6), 'ret-Vx9']) {
          assert.ok(!e.message.includes(s), `the message shows (part of) a password: ${e.message}`);
        }
      });
    }
    it('display shows *** for both passwords', () => {
      const u = url(`iscsi://alice%${SECRET}@h/${IQN}/1?target_user=t&target_password=${TSECRET}`);
      assert.ok(!u.display.includes(SECRET) && !u.display.includes(TSECRET), u.display);
      assert.match(u.display, /^iscsi:\/\/alice%\*\*\*@h\//);
      assert.match(u.display, /target_password=\*\*\*/);
      const colon = url(`iscsi://alice:${SECRET}@h/${IQN}/1`);
      assert.ok(!colon.display.includes(SECRET), colon.display);
      const odd = url(`iscsi://iqn.2026-11.org.x:host%${SECRET}/x@h/${IQN}/1`);
      assert.equal(odd.display, `iscsi://iqn.2026-11.org.x:host%***@h/${IQN}/1`);
    });
  });
});
