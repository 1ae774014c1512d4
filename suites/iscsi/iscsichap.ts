/** CHAP authentication (RFC 7143 12.1.3), with the credentials given in the URL (iscsi://user%secret@…). */
import { defineSuite, LOGIN_STATUS } from '../../harness/api.js';

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
    await t.expectLogin(`a CHAP login of user ${good.user} with a wrong secret`, { chap: wrong }, LOGIN_STATUS(2, 1));
  },
);

export default suite;
