/**
 * PERSISTENT RESERVE IN, READ KEYS (SPC-5 6.16.2): PRgeneration and every registered reservation key, with an
 * ADDITIONAL LENGTH that counts them all whatever the allocation length.
 */
import {
  defineSuite,
  keepReservationsClean,
  prReadKeys,
  prRegister,
  prRelease,
  prReserve,
  prUnregister,
  RESERVATION_CONFLICT,
  scsi,
  SPC5,
} from '../../harness/api.js';
import { K1, PR_IN, PR_OUT } from './_pr.js';

const suite = defineSuite('PrinReadKeys', { families: ['SCSI'], clause: SPC5.READ_KEYS, needs: [PR_IN] });

suite.test(
  'Simple',
  {
    doc: `PERSISTENT RESERVE IN READ KEYS with ALLOCATION LENGTH 4096 must be GOOD and return the 8-byte header (PRgeneration, ADDITIONAL LENGTH) and
      ADDITIONAL LENGTH / 8 keys: ADDITIONAL LENGTH is a multiple of 8 and every listed key is in the data.`,
    level: 'MUST',
  },
  async (t) => {
    const r = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_KEYS, alloc: 4096 }));
    t.check(r.data.length >= 8, `READ KEYS returned ${r.data.length} bytes, less than its 8-byte header`);
    const k = scsi.parseReadKeys(r.data);
    t.equal(r.data.length, Math.min(4096, 8 + k.additionalLength), 'READ KEYS: bytes returned versus ADDITIONAL LENGTH + 8');
  },
);

suite.test(
  'Truncate',
  {
    doc: `With a key registered, READ KEYS with ALLOCATION LENGTH 8 and 12 must return exactly 8 and 12 bytes, and ADDITIONAL LENGTH must still count
      every registered key (at least 8): the allocation length cuts the data, not the length field (SPC-5 ALLOCATION LENGTH). Then the key is removed.`,
    level: 'MUST',
    clause: `${SPC5.READ_KEYS}, ${SPC5.ALLOCATION_LENGTH}`,
    needs: ['dataloss', PR_OUT],
  },
  async (t) => {
    keepReservationsClean(t);
    await prRegister(t, K1);
    const full = await prReadKeys(t);
    t.check(full.keys.includes(K1), `READ KEYS does not list the key 0x${K1.toString(16)} just registered`);
    for (const alloc of [8, 12]) {
      const r = await t.command(scsi.persistentReserveIn({ sa: scsi.PrInSa.READ_KEYS, alloc }));
      t.equal(r.data.length, alloc, `READ KEYS ALLOC=${alloc}: bytes returned`);
      t.equal(r.data.readUInt32BE(4), full.additionalLength, `READ KEYS ALLOC=${alloc}: ADDITIONAL LENGTH (the full list's)`);
    }
    await prUnregister(t, K1);
  },
);

suite.test(
  'Generation',
  {
    doc: `PRgeneration must advance by one for each REGISTER that succeeds (a new key, a changed key, an unregistration) and not for a REGISTER that
      ends in RESERVATION CONFLICT, nor for RESERVE and RELEASE (SPC-5 6.16.2: it is incremented by PERSISTENT RESERVE OUT REGISTER, REGISTER AND
      IGNORE EXISTING KEY, CLEAR, PREEMPT and PREEMPT AND ABORT that complete successfully, and not by RESERVE or RELEASE).`,
    level: 'MUST',
    needs: ['dataloss', PR_OUT],
  },
  async (t) => {
    keepReservationsClean(t);
    const g0 = (await prReadKeys(t)).generation;
    const step = async (want: number, what: string) =>
      t.equal((await prReadKeys(t)).generation, (g0 + want) >>> 0, `PRgeneration after ${what} (it was ${g0})`);
    await prRegister(t, K1);
    await step(1, 'REGISTER of a new key');
    await prRegister(t, K1 + 16n, { oldKey: K1 });
    await step(2, 'REGISTER changing the key');
    await prRegister(t, K1 + 32n, { oldKey: K1 + 99n, expect: RESERVATION_CONFLICT });
    await step(2, 'a REGISTER with the wrong RESERVATION KEY (RESERVATION CONFLICT)');
    await prReserve(t, K1 + 16n, scsi.PrType.WRITE_EXCLUSIVE);
    await step(2, 'RESERVE');
    await prRelease(t, K1 + 16n, scsi.PrType.WRITE_EXCLUSIVE);
    await step(2, 'RELEASE');
    await prUnregister(t, K1 + 16n);
    await step(3, 'REGISTER with SERVICE ACTION RESERVATION KEY 0 (unregistering)');
  },
);

export default suite;
