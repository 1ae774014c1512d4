/**
 * Login key negotiation against each key's result function and range (RFC 7143 6.2, 13): the answer to a
 * numeric offer obeys min() or max(), the answer to a Yes/No offer whose outcome is fixed (OR offered Yes,
 * AND offered No) agrees with it, a list answer is one of the values offered, and values out of range or
 * malformed are answered with Reject (or the login refused), never taken as they are.
 *
 * 6.2.2: "For numerical and single-value negotiations, the responding party MUST respond with the
 * required key"; the value it selects follows the key's selection rule. 6.2.1: the responder answers a
 * list with "the first value that it supports ... selected from the originator list", or Reject.
 */
import { defineSuite, iscsi, IscsiError, type Session, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSILoginKeys', { families: ['iSCSI'], clause: 'RFC 7143 6.2' });

type KeyValue = iscsi.KeyValue;

/** Every key=value the target sent during a session's login, in order. */
function targetPairs(s: Session): KeyValue[] {
  const data = Buffer.concat(s.login.responses.map((r) => r.data ?? Buffer.alloc(0)));
  return data.length ? iscsi.decodeText(data) : [];
}

/**
 * Log in offering `keys` (the rest of the standard login unchanged) and return the target's answers to
 * `key`. An answer the initiator finds breaking the key's rules (a value not offered, out of range,
 * against the result function) fails the test naming it; a refused login returns `refused`.
 */
async function offer(t: TestContext, keys: Record<string, string>, key: string): Promise<{ answers: string[]; s?: Session; refused?: string }> {
  let s: Session;
  try {
    s = await t.login({ keys });
  } catch (e) {
    if (IscsiError.is(e, 'ISCSI_E_NEGOTIATION'))
      t.fail(
        `offering ${Object.entries(keys)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}: ${e.message}`,
      );
    if (IscsiError.is(e, 'ISCSI_E_LOGIN')) return { answers: [], refused: e.message };
    throw e;
  }
  const pairs = targetPairs(s);
  t.log(`the target answered: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ') || 'no keys'}`);
  return { answers: pairs.filter(([k]) => k === key).map(([, v]) => v), s };
}

/** A numeric key offered with `value`: the answer must be there and obey the key's result function. */
function numericTest(name: string, key: string, value: number, extra: Record<string, string>, clause: string, why: string): void {
  const def = iscsi.keyDef(key)!;
  const fn = def.result as 'min' | 'max';
  suite.test(
    name,
    {
      doc: `Log in offering
        ${key}=${value}${
          Object.keys(extra).length
            ? ` (with ${Object.entries(extra)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')})`
            : ''
        }. ${key}'s result
        function is ${fn}() (${def.clause}), so the target must answer ${key} with a number
        ${fn === 'min' ? `no larger than ${value}` : `no smaller than ${value}`} within ${def.min}..${def.max}. ${why}`,
      clause: `${def.clause}, RFC 7143 6.2.2`,
      level: 'MUST',
      session: false,
    },
    async (t) => {
      const { answers, refused } = await offer(t, { ...extra, [key]: String(value) }, key);
      if (refused) t.fail(`the target refused a login offering ${key}=${value}, a legal value: ${refused}`);
      if (answers.length === 0) t.fail(`the target did not answer ${key}=${value}: "the responding party MUST respond with the required key" (RFC 7143 6.2.2)`);
      const a = answers[0]!;
      if (a === 'NotUnderstood' && key === 'iSCSIProtocolLevel') t.skip('the target answered iSCSIProtocolLevel=NotUnderstood: it predates RFC 7144');
      const n = iscsi.parseNumber(a);
      t.check(n !== undefined, `the target answered ${key}=${a} to the offer ${key}=${value}: expected a number`);
      const ok = fn === 'min' ? n! <= value && n! >= def.min! : n! >= value && n! <= def.max!;
      t.check(
        ok,
        `the target answered ${key}=${a} to the offer ${key}=${value}: with ${fn}() the answer must be ${fn === 'min' ? `<= ${value}` : `>= ${value}`} (and within ${def.min}..${def.max})`,
      );
    },
  );
}

numericTest(
  'MaxBurstLength',
  'MaxBurstLength',
  4096,
  { FirstBurstLength: '4096' },
  'RFC 7143 13.13',
  'FirstBurstLength=4096 is offered too, as it may not exceed MaxBurstLength.',
);
numericTest(
  'FirstBurstLength',
  'FirstBurstLength',
  2048,
  {},
  'RFC 7143 13.14',
  'InitialR2T=No and ImmediateData=Yes are offered as usual, so the key is relevant.',
);
numericTest('DefaultTime2Wait', 'DefaultTime2Wait', 3600, {}, 'RFC 7143 13.15', 'With max() and the largest legal offer, the only correct answer is 3600.');
numericTest('MaxConnections', 'MaxConnections', 2, {}, 'RFC 7143 13.2', 'A target of one connection per session answers 1.');
numericTest('ErrorRecoveryLevel', 'ErrorRecoveryLevel', 2, {}, 'RFC 7143 13.20', 'A target of ErrorRecoveryLevel 0 answers 0.');
numericTest('ProtocolLevel', 'iSCSIProtocolLevel', 0, {}, 'RFC 7144 13.1', 'A target that predates RFC 7144 and answers NotUnderstood is skipped.');

/** A Yes/No key offered with the value that fixes the outcome: any answer must agree with it. */
function booleanTest(name: string, key: string, value: 'Yes' | 'No'): void {
  const def = iscsi.keyDef(key)!;
  const fn = def.result.toUpperCase();
  suite.test(
    name,
    {
      doc: `Log in offering ${key}=${value}. ${key}'s result function is ${fn} (${def.clause}): offered ${value}, the outcome is ${value} whatever the
        target supports, and its answer, which is then optional (6.2.2), must say ${value} if it comes.`,
      clause: `${def.clause}, RFC 7143 6.2.2`,
      level: 'MUST',
      session: false,
    },
    async (t) => {
      const { answers, refused } = await offer(t, { [key]: value }, key);
      if (refused) t.fail(`the target refused a login offering ${key}=${value}: ${refused}`);
      if (answers.length === 0) {
        t.log(`the target did not answer ${key} (allowed: the outcome of ${fn} with ${value} is ${value})`);
        return;
      }
      t.check(
        answers[0] === value || answers[0] === 'Irrelevant',
        `the target answered ${key}=${answers[0]} to the offer ${key}=${value}: with ${fn} the outcome is ${value}`,
      );
    },
  );
}

booleanTest('InitialR2T', 'InitialR2T', 'Yes');
booleanTest('ImmediateData', 'ImmediateData', 'No');

/** A list key offered with one value only: the answer must be that value, or Reject. */
function listTest(name: string, key: string, value: string, doc: string): void {
  const def = iscsi.keyDef(key)!;
  suite.test(
    name,
    {
      doc: `Log in offering ${key}=${value} alone. A list answer is "the first value that it supports ... selected from the originator list" or Reject
        (6.2.1): the target must answer ${key}=${value} or ${key}=Reject, nothing else. ${doc}`,
      clause: `${def.clause}, RFC 7143 6.2.1`,
      level: 'MUST',
      session: false,
    },
    async (t) => {
      const { answers, refused } = await offer(t, { [key]: value }, key);
      if (refused) {
        t.log(`the target refused the login: ${refused}`);
        return;
      }
      if (answers[0] === 'NotUnderstood' && key === 'TaskReporting') t.skip('the target answered TaskReporting=NotUnderstood: it predates RFC 5048 / RFC 7143');
      t.check(answers.length > 0, `the target did not answer ${key}=${value}: the responder MUST respond to a list offer (RFC 7143 6.2.1)`);
      t.check(
        answers[0] === value || answers[0] === 'Reject',
        `the target answered ${key}=${answers[0]} to the offer ${key}=${value}: expected ${value} or Reject`,
      );
    },
  );
}

listTest('HeaderDigestOffered', 'HeaderDigest', 'CRC32C', 'A target without CRC32C answers Reject and the login goes on without digests.');
listTest('DataDigestOffered', 'DataDigest', 'CRC32C', 'A target without CRC32C answers Reject and the login goes on without digests.');
listTest('TaskReporting', 'TaskReporting', 'ResponseFence', 'A target that supports only RFC3720 task reporting answers Reject.');

/** A value the key does not admit: Reject, or a refused login; never the value taken as it is. */
function badValueTest(name: string, key: string, value: string, what: string, clause: string): void {
  suite.test(
    name,
    {
      doc: `Log in offering ${key}=${value}, ${what}. The target must not take the value as it is: it answers ${key}=Reject (or an admissible value
        within the key's range), or refuses the login with status class 2.`,
      clause: `${clause}, RFC 7143 6.2.2`,
      level: 'MUST',
      session: false,
    },
    async (t) => {
      const { answers, refused } = await offer(t, { [key]: value }, key);
      if (refused) {
        t.log(`the target refused the login: ${refused}`);
        return;
      }
      t.check(answers.length > 0, `the target did not answer ${key}=${value}: "the responding party MUST respond with the required key" (RFC 7143 6.2.2)`);
      const a = answers[0]!;
      if (a === 'Reject') return;
      const def = iscsi.keyDef(key)!;
      const admissible =
        def.type === 'numeric'
          ? (() => {
              const n = iscsi.parseNumber(a);
              return n !== undefined && n >= def.min! && n <= def.max!;
            })()
          : a === 'Yes' || a === 'No';
      t.check(admissible && a !== value, `the target answered ${key}=${a} to the offer ${key}=${value} (${what}): expected Reject`);
    },
  );
}

badValueTest('NumberOutOfRange', 'MaxBurstLength', '511', 'one below the smallest legal MaxBurstLength (512, RFC 7143 13.13)', 'RFC 7143 13.13');
badValueTest('MalformedNumber', 'MaxBurstLength', '12abc', 'not a numerical value (RFC 7143 6.1)', 'RFC 7143 6.1');
badValueTest('MalformedBoolean', 'InitialR2T', 'Maybe', 'neither Yes nor No (RFC 7143 6.1, 13.10)', 'RFC 7143 13.10');

suite.test(
  'HexNumber',
  {
    doc: `Log in offering MaxBurstLength=0x1000 and FirstBurstLength=0x800: a numerical value may be written as a hexadecimal constant (RFC 7143 6.1,
      "hex-constant"), so these are 4096 and 2048 and the target must answer MaxBurstLength with a number no larger than 4096, not Reject.`,
    clause: 'RFC 7143 6.1, RFC 7143 13.13',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const { answers, refused } = await offer(t, { MaxBurstLength: '0x1000', FirstBurstLength: '0x800' }, 'MaxBurstLength');
    if (refused) t.fail(`the target refused a login offering MaxBurstLength=0x1000: ${refused}`);
    t.check(answers.length > 0, 'the target did not answer MaxBurstLength=0x1000');
    const n = iscsi.parseNumber(answers[0]!);
    t.check(
      n !== undefined && n >= 512 && n <= 4096,
      `the target answered MaxBurstLength=${answers[0]} to the offer MaxBurstLength=0x1000 (4096): expected a number of at most 4096`,
    );
  },
);

suite.test(
  'PublicExtensionKey',
  {
    doc: `A login offering a public extension key no registry defines (X#org.iscsi-test.Probe=1) must succeed, and the target must answer it with
      X#org.iscsi-test.Probe=NotUnderstood: "the answer for a key not understood MUST be key=NotUnderstood".`,
    clause: 'RFC 7143 6.2, RFC 7143 13.26',
    level: 'MUST',
    session: false,
  },
  async (t) => {
    const key = 'X#org.iscsi-test.Probe';
    const { answers, refused } = await offer(t, { [key]: '1' }, key);
    if (refused) t.fail(`the target refused a login offering ${key}=1: ${refused}`);
    t.check(answers.length > 0, `the target did not answer ${key}=1; a key it does not understand must be answered with ${key}=NotUnderstood`);
    t.equal(answers[0], 'NotUnderstood', `the target's answer to ${key}`);
  },
);

export default suite;
