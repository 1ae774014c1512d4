/** CHAP authentication (RFC 7143 12.1.3), with the credentials given in the URL (iscsi://user%secret@…). */
import { defineSuite, IscsiError, type Session } from '../../harness/api.js';

const suite = defineSuite('iSCSICHAP', { families: ['iSCSI'], clause: 'RFC 7143 12.1.3' });

suite.test(
  'Invalid',
  {
    doc:
      'A CHAP login with the user name from the URL and a wrong secret (the URL\'s secret with one character changed) must be refused with a Login Response of status class 2, detail 1 (authentication failure): the target has to check the CHAP_R it gets, not take any answer. Skipped unless the URL carries CHAP credentials.',
    clause: 'RFC 7143 12.1.3, RFC 7143 11.13.5, RFC 1994 4.1',
    level: 'MUST',
    needs: ['chap'],
    session: false,
  },
  async (t) => {
    const good = t.config.target.chap!;
    const last = good.secret.slice(-1);
    const wrong = { user: good.user, secret: `${good.secret.slice(0, -1)}${last === 'x' ? 'y' : 'x'}` };
    let s: Session | undefined;
    try {
      s = await t.login({ chap: wrong });
    } catch (e) {
      if (IscsiError.is(e, 'ISCSI_E_AUTH') || IscsiError.is(e, 'ISCSI_E_LOGIN')) {
        t.log(`login refused: ${e.message}`);
        const cls = Number(e.details['statusClass']);
        const det = Number(e.details['statusDetail']);
        t.check(cls === 2 && det === 1, `a wrong CHAP secret was refused with status class ${cls} detail ${det}; expected class 2 detail 1 (authentication failure)`);
        return;
      }
      if (IscsiError.is(e, 'ISCSI_E_CLOSED')) t.fail(`the target closed the connection instead of refusing the login with status 0x0201 (authentication failure): ${e.message}`);
      throw e;
    }
    t.fail(`the target accepted a CHAP login of user ${good.user} with a wrong secret (TSIH ${s.login.tsih})`);
  },
);

export default suite;
