/**
 * CHAP authentication (RFC 7143 12.1.3), with the credentials given in the URL (iscsi://user%secret@…):
 * libiscsi's iSCSICHAP names, written from the RFC. CHAP_C and CHAP_R are binary values, which RFC 7143 6.1
 * writes either as hex (0x…) or as base64 (0b…).
 */
import { defineSuite, iscsi, LOGGED_IN, LOGIN_STATUS, type TestContext } from '../../harness/api.js';
import { exchange, expectAccepted, expectRefused, firstKeys, loginRequest, newIsid, Stage, valueOf } from './_login.js';

const suite = defineSuite('iSCSICHAP', { families: ['iSCSI'], clause: 'RFC 7143 12.1.3' });

suite.test(
  'Invalid',
  {
    doc: `A CHAP login with the user name from the URL and a wrong secret (the URL's secret with one character changed) must be refused with a Login
        Response of status class 2, detail 1 (authentication failure): the target has to check the CHAP_R it gets, not take any answer. Skipped unless
        the URL carries CHAP credentials.
      Quoted: "If the initiator authentication fails, the target MUST answer with a Login reject with "Authentication Failure" status" (12.1.3).`,
    clause: 'RFC 7143 12.1.3, RFC 7143 11.13.5, RFC 1994 4.1',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const good = t.config.target.chap!;
    const last = good.secret.slice(-1);
    const wrong = { user: good.user, secret: `${good.secret.slice(0, -1)}${last === 'x' ? 'y' : 'x'}` };
    await t.expectLogin(`a CHAP login of user ${good.user} with a wrong secret`, { chap: wrong }, LOGIN_STATUS(2, 1));
  },
);

suite.test(
  'Simple',
  {
    doc: `A CHAP login offering CHAP_A=5,6,7,8 (MD5 first, then the SHA-1, SHA-256 and SHA3-256 numbers Linux and libiscsi use): CHAP_A is a list from
      which the target picks one algorithm it supports, so the login must succeed (the target answering with one of the four, MD5 being the one RFC 7143
      requires).
      Quoted: "The responding party MUST respond with the same key and the first value that it supports ... selected from the originator list" (6.2.1).`,
    clause: 'RFC 7143 12.1.3, RFC 7143 6.2.1',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    await t.expectLogin('a CHAP login offering CHAP_A=5,6,7,8', { chapAlgorithms: [5, 6, 7, 8] }, LOGGED_IN);
  },
);

suite.test(
  'Base64',
  {
    doc: `A CHAP login whose CHAP_R is written in base64 (0b…) instead of hex: RFC 7143 6.1 lets a binary value be encoded either way, so the target
      must decode it and accept the login with the right response.
      Quoted: "Hex or Base64 encoding may be used for C and R" (12.1.3); "All keys in this document ... MUST be supported ... when used as specified" (6.2).`,
    clause: 'RFC 7143 6.1, RFC 7143 12.1.3',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    await t.expectLogin('a CHAP login whose CHAP_R is base64 (0b…)', { chapEncoding: 'base64' }, LOGGED_IN);
  },
);

suite.test(
  'Base64Oversize',
  {
    doc: `A CHAP login driven by hand whose CHAP_R, in base64, is 16 bytes of other data followed by the right response (32 bytes for MD5): the
      response is the hash of identifier, secret and challenge, nothing else, so the target must refuse the login with status class 2 (0x0201
      authentication failure).
      Quoted: "If the initiator authentication fails, the target MUST answer with a Login reject with "Authentication Failure" status" (12.1.3).`,
    clause: 'RFC 7143 12.1.3, RFC 1994 4.1',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const chap = t.config.target.chap!;
    const c = await t.connect();
    const isid = newIsid();
    const first = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid, keys: firstKeys(t), csg: Stage.SECURITY, expStatSN: 0 })),
      'the first Login Request (AuthMethod=CHAP)',
    );
    const a = expectAccepted(
      t,
      await exchange(t, c, loginRequest({ isid, keys: [['CHAP_A', '5']], csg: Stage.SECURITY, expStatSN: (first.rsp.statSN + 1) >>> 0 })),
      'CHAP_A=5',
    );
    const id = Number(valueOf(a.pairs, 'CHAP_I'));
    const challenge = iscsi.decodeBinary(valueOf(a.pairs, 'CHAP_C') ?? '');
    if (!challenge || !Number.isInteger(id)) t.fail(`CHAP: the target did not send CHAP_I and CHAP_C (got ${a.pairs.map(([k]) => k).join(', ') || 'no keys'})`);
    const right = iscsi.chapResponse(5, id, chap.secret, challenge!);
    const r = Buffer.concat([Buffer.alloc(16, 0x5a), right]);
    t.log(`CHAP_R of ${r.length} bytes in base64: 16 bytes of 0x5a, then the right response`);
    const keys: iscsi.KeyValue[] = [
      ['CHAP_N', chap.user],
      ['CHAP_R', iscsi.encodeBinary(r, 'base64')],
    ];
    const answer = await exchange(
      t,
      c,
      loginRequest({ isid, keys, transit: true, csg: Stage.SECURITY, nsg: Stage.OPERATIONAL, expStatSN: (a.rsp.statSN + 1) >>> 0 }),
    );
    expectRefused(t, answer, 0x0200, 'a CHAP_R of 32 bytes whose last 16 are the right response', { classOnly: true });
  },
);

/**
 * libiscsi's HexName and Base64Name: a CHAP_N is a text string (RFC 7143 12.1.3), compared as written. A run
 * whose CHAP user is written like a binary value (`prefix`) must log in; any other run sends its user name
 * encoded as a binary value with the right CHAP_R, which names no account and must not authenticate.
 */
async function nameAsWritten(t: TestContext, prefix: '0x' | '0b'): Promise<void> {
  const chap = t.config.target.chap!;
  if (chap.user.toLowerCase().startsWith(prefix)) {
    await t.expectLogin(`a CHAP login of user ${chap.user} (a name starting with ${prefix})`, {}, LOGGED_IN);
    return;
  }
  const name = iscsi.encodeBinary(Buffer.from(chap.user), prefix === '0x' ? 'hex' : 'base64');
  const c = await t.connect();
  const isid = newIsid();
  const first = expectAccepted(
    t,
    await exchange(t, c, loginRequest({ isid, keys: firstKeys(t), csg: Stage.SECURITY, expStatSN: 0 })),
    'the first Login Request (AuthMethod=CHAP)',
  );
  const a = expectAccepted(
    t,
    await exchange(t, c, loginRequest({ isid, keys: [['CHAP_A', '5']], csg: Stage.SECURITY, expStatSN: (first.rsp.statSN + 1) >>> 0 })),
    'CHAP_A=5',
  );
  const id = Number(valueOf(a.pairs, 'CHAP_I'));
  const challenge = iscsi.decodeBinary(valueOf(a.pairs, 'CHAP_C') ?? '');
  if (!challenge || !Number.isInteger(id)) t.fail(`CHAP: the target did not send CHAP_I and CHAP_C (got ${a.pairs.map(([k]) => k).join(', ') || 'no keys'})`);
  const keys: iscsi.KeyValue[] = [
    ['CHAP_N', name],
    ['CHAP_R', iscsi.encodeBinary(iscsi.chapResponse(5, id, chap.secret, challenge!))],
  ];
  const answer = await exchange(
    t,
    c,
    loginRequest({ isid, keys, transit: true, csg: Stage.SECURITY, nsg: Stage.OPERATIONAL, expStatSN: (a.rsp.statSN + 1) >>> 0 }),
  );
  expectRefused(t, answer, 0x0200, `CHAP_N=${name} (user ${chap.user} written as a binary value) with ${chap.user}'s CHAP_R`, { classOnly: true });
}

suite.test(
  'HexName',
  {
    doc: `CHAP_N is a text string (12.1.3: "N is a text string"), compared as written, even when it looks like a hex binary value. On a run whose CHAP
      user starts with 0x the login must succeed (libiscsi's iSCSICHAP.HexName); on any other run the test answers the target's challenge rightly
      but names the user as 0x followed by the hex of its name, which is another name: the target should refuse the login with status class 2
      rather than decode the name and authenticate the user.`,
    clause: 'RFC 7143 12.1.3, RFC 7143 6.1',
    level: 'SHOULD',
    needs: ['chap'],
    session: false,
  },
  (t) => nameAsWritten(t, '0x'),
);

suite.test(
  'Base64Name',
  {
    doc: `As HexName, for a name that looks like a base64 binary value: on a run whose CHAP user starts with 0b the login must succeed (libiscsi's
      iSCSICHAP.Base64Name); on any other run the test names the user as 0b followed by the base64 of its name, with the right CHAP_R, and the target
      should refuse the login with status class 2 (CHAP_N "is a text string", 12.1.3).`,
    clause: 'RFC 7143 12.1.3, RFC 7143 6.1',
    level: 'SHOULD',
    needs: ['chap'],
    session: false,
  },
  (t) => nameAsWritten(t, '0b'),
);

export default suite;
