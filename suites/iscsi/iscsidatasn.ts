/** Data sequencing (RFC 7143 4.2.2.3, 7.9): a Data-Out with a wrong DataSN implies a lost PDU. */
import { defineSuite, iscsi, IscsiError, minBlocks, outcomeText, scsi, type RawSession, type TestContext } from '../../harness/api.js';

const suite = defineSuite('iSCSIdatasn', { families: ['iSCSI'], clause: 'RFC 7143 7.9' });

type Mangle = { what: string; alter: (raw: RawSession) => (pdu: iscsi.DataOut, index: number) => iscsi.DataOut | null };

const MANGLES: Mangle[] = [
  { what: 'both Data-Out PDUs with DataSN 0', alter: () => (d) => ({ ...d, dataSN: 0 }) },
  { what: 'the second Data-Out with DataSN 27', alter: () => (d, i) => (i === 1 ? { ...d, dataSN: 27 } : d) },
  { what: 'the first Data-Out with DataSN 0xffffffff', alter: () => (d, i) => (i === 0 ? { ...d, dataSN: 0xffffffff } : d) },
  {
    what: 'the two Data-Out PDUs sent in reverse order (DataSN 1, then 0)',
    alter: (raw) => {
      let held: iscsi.DataOut | undefined;
      return (d, i) => {
        if (i === 0) {
          held = d;
          return null;
        }
        if (i === 1 && held) {
          const first = held;
          held = undefined;
          // After the second has gone out.
          queueMicrotask(() => {
            if (raw.isOpen) raw.send({ ...first, expStatSN: raw.expStatSN });
          });
        }
        return d;
      };
    },
  },
];

suite.test(
  'iSCSIDataSnInvalid',
  {
    doc: `Log in with ImmediateData=No, then WRITE (10) 2 blocks at LBA 100 (or the last 2 blocks), one block a Data-Out PDU, four times with the
      DataSN broken: both DataSN 0; the second DataSN 27; the first DataSN 0xffffffff; the two PDUs in reverse order. A DataSN out of order means a
      lost data PDU to the target, which must not complete the WRITE with GOOD as if all its data had come: it must end it with CHECK CONDITION, or
      reject or drop the connection (each case in a fresh session; no answer within 5 s also counts as not completed).`,
    clause: 'RFC 7143 7.9, RFC 7143 7.8, RFC 7143 4.2.2.3',
    level: 'MUST',
    session: false,
    timeout: 60,
    needs: ['sbc', 'capacity', 'dataloss', 'writable', minBlocks(2)],
  },
  async (t: TestContext) => {
    const bs = t.dev.blockSize;
    const lba = Math.min(100, t.dev.blocks - 2);
    for (const m of MANGLES) {
      const s = await t.login({ keys: { ImmediateData: 'No' }, clearUnitAttentions: true });
      const cdb = scsi.write10({ lba, blocks: 2 });
      const what = `WRITE(10) LBA=${lba} LEN=2 with ${m.what}`;
      t.log(`> ${what}: expect anything but GOOD`);
      const ms = Math.min(5000, t.remainingMs());
      const r = await t.settle(s.command({ cdb, dataOut: t.pattern(lba, 2), dataOutSegment: bs, alterDataOut: m.alter(t.raw(s)), timeoutMs: ms + 1000 }), ms);
      if (!r.done) t.log('< no answer within 5 s: not completed');
      else if ('error' in r) {
        if (!(r.error instanceof IscsiError)) throw r.error;
        t.log(`< not completed: ${r.error.message}`);
      } else {
        const got = outcomeText(r.value);
        t.log(`< ${got}`);
        if (r.value.response === 0 && r.value.status === 0)
          t.fail(`${what}: the target completed it with GOOD; a Data-Out DataSN out of sequence ` + `implies a lost data PDU and the command must not succeed`);
      }
      t.log(`Rejects in this session: ${s.rejects.map((x) => iscsi.rejectReasonName(x.reason)).join(', ') || 'none'}`);
      s.destroy();
    }
    // Whatever the target did with the blocks, they are not checked afterwards.
    t.forget(lba, 2);
  },
);

export default suite;
