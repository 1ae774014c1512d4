/**
 * SANITIZE (SBC-4 5.30) and the sanitize operation (SBC-4 4.11): OVERWRITE, BLOCK ERASE, CRYPTOGRAPHIC ERASE and
 * EXIT FAILURE MODE; the commands refused while it runs (NOT READY, SANITIZE IN PROGRESS); a sanitize that
 * outlives task aborts, resets and nexus loss; write protection and reservations. Only with --allow-sanitize.
 * A sanitize takes long (the reference target's lasts 8 s): each wait is bounded, and tests that wait
 * declare a time limit.
 */
import {
  checkResult,
  commandName,
  isNotImplemented,
  outcomeText,
  GOOD,
  INVALID_FIELD_IN_CDB,
  INVALID_FIELD_IN_PARAM_LIST,
  INVALID_OPCODE,
  RESERVATION_CONFLICT,
  SANITIZE_IN_PROGRESS,
  WRITE_PROTECTED,
  defineSuite,
  expectation,
  iscsi,
  opcode,
  scsi,
  supports,
  type Expected,
  type ScsiResult,
  type Session,
  type TestContext,
  SBC4,
  SPC5,
} from '../../harness/api.js';
import { checkFieldPointer, firstNonZeroBlock, isUnmapped } from './_lbp.js';
import { clearSwp, setSwp, swpChangeable } from './_medium.js';

const SA = scsi.SanitizeSa;
const CLAUSE = SBC4.SANITIZE;
const suite = defineSuite('Sanitize', { families: ['SCSI'], clause: CLAUSE, needs: ['sbc', 'capacity', 'sanitize'] });

const NAMES: Record<number, string> = {
  [SA.OVERWRITE]: 'OVERWRITE',
  [SA.BLOCK_ERASE]: 'BLOCK ERASE',
  [SA.CRYPTOGRAPHIC_ERASE]: 'CRYPTOGRAPHIC ERASE',
  [SA.EXIT_FAILURE_MODE]: 'EXIT FAILURE MODE',
};
/** A refused SANITIZE: libiscsi accepts INVALID FIELD IN CDB or IN PARAMETER LIST for each of these. */
const INVALID = [INVALID_FIELD_IN_CDB, INVALID_FIELD_IN_PARAM_LIST];
/** Long enough for a sanitize of the reference target (8 s) and the checks around it. */
const LONG = 60;
const ASC_SANITIZING = scsi.Asc.LUN_NOT_READY_SANITIZE_IN_PROGRESS;

/** The OVERWRITE parameter list: one pass of `pattern`. */
const overwriteList = (pattern: Buffer, count = 1) => scsi.sanitizeOverwriteParameterList({ count, pattern });

/** A pattern of half a logical block, different in every byte position, for OVERWRITE. */
function halfBlockPattern(t: TestContext): Buffer {
  const p = Buffer.alloc(t.dev.blockSize / 2);
  for (let i = 0; i < p.length; i++) p[i] = (i * 7 + 0x31) & 0xff;
  return p;
}

/** Send SANITIZE `sa`; `list` is the Data-Out (OVERWRITE). */
function sanitize(
  t: TestContext,
  sa: number,
  o: { list?: Buffer; paramLen?: number; immed?: boolean; expect?: Expected; cdb?: (c: Buffer) => void; what?: string; session?: Session } = {},
): Promise<ScsiResult> {
  const paramLen = o.paramLen ?? o.list?.length ?? 0;
  const cdb = scsi.sanitize({ sa, paramLen, ...(o.immed ? { immed: true } : {}) });
  o.cdb?.(cdb);
  const data = o.list ?? (paramLen > 0 ? Buffer.alloc(paramLen) : undefined);
  return t.command(cdb, {
    expect: o.expect ?? GOOD,
    what: o.what ?? `SANITIZE ${NAMES[sa] ?? `SA=0x${sa.toString(16)}`}${o.immed ? ' IMMED' : ''} ` + `LEN=${paramLen}`,
    ...(data ? { dataOut: data } : { dataIn: 0 }),
    ...(o.session ? { session: o.session } : {}),
  });
}

/** Write the first and the last 256 blocks (not remembered: the sanitize changes them); returns what was written. */
async function fillEnds(t: TestContext): Promise<{ n: number; head: Buffer; tail: Buffer }> {
  const n = Math.min(256, Math.floor(t.dev.blocks / 2));
  const head = t.pattern(0, n);
  const tail = t.pattern(t.dev.blocks - n, n);
  await t.command(scsi.write16({ lba: 0, blocks: n }), { dataOut: head });
  await t.command(scsi.write16({ lba: t.dev.blocks - n, blocks: n }), { dataOut: tail });
  t.forget(0, n);
  t.forget(t.dev.blocks - n, n);
  return { n, head, tail };
}

/**
 * Write a few blocks at both ends that a refused SANITIZE must leave alone (remembered: the read-back check
 * compares them too); the function returned checks them now.
 */
async function guardBlocks(t: TestContext): Promise<(why: string) => Promise<void>> {
  const head = t.pattern(0, 4);
  const tail = t.pattern(t.dev.blocks - 4, 4);
  await t.command(scsi.write10({ lba: 0, blocks: 4 }), { dataOut: head });
  await t.command(scsi.write10({ lba: t.dev.blocks - 4, blocks: 4 }), { dataOut: tail });
  return async (why) => {
    t.check((await t.readBlocks(0, 4)).equals(head), `${why}: the first blocks changed`);
    t.check((await t.readBlocks(t.dev.blocks - 4, 4)).equals(tail), `${why}: the last blocks changed`);
  };
}

/** Wait (bounded) until no sanitize operation runs; the answer after it must be GOOD. */
async function waitSanitized(t: TestContext, session?: Session): Promise<void> {
  const w = await t.waitWhileNotReady(ASC_SANITIZING, { everyMs: 250, ...(session ? { session } : {}), what: 'SANITIZE IN PROGRESS' });
  await t.command(scsi.testUnitReady(), { expect: GOOD, what: 'TEST UNIT READY after the sanitize operation', ...(session ? { session } : {}) });
  if (w.progress.length > 1) t.log(`progress indications: ${w.progress.slice(0, 5).join(', ')}${w.progress.length > 5 ? ', …' : ''}`);
}

/** Every block read at both ends holds the OVERWRITE pattern repeated. */
async function expectOverwritten(t: TestContext, n: number, pattern: Buffer, why: string, session?: Session): Promise<void> {
  const bs = t.dev.blockSize;
  const block = Buffer.alloc(bs);
  for (let i = 0; i < bs; i++) block[i] = pattern[i % pattern.length]!;
  for (const lba of [0, t.dev.blocks - n]) {
    const got = await t.readBlocks(lba, n, session);
    for (let b = 0; b < n; b++)
      if (!got.subarray(b * bs, (b + 1) * bs).equals(block)) t.fail(`${why}: LBA ${lba + b} does not hold the initialization pattern repeated`);
  }
}

/**
 * After BLOCK ERASE or CRYPTOGRAPHIC ERASE: a read follows the Block Device Characteristics page (WABEREQ /
 * WACEREQ: 01b GOOD, 10b MEDIUM ERROR, 11b MEDIUM ERROR WRITE AFTER SANITIZE REQUIRED); data that reads back
 * must no longer be what was written (and must be zeros with LBPRZ); GET LBA STATUS should report the blocks
 * unmapped on a thin LU.
 */
async function expectErased(t: TestContext, ends: { n: number; head: Buffer; tail: Buffer }, field: 'wabereq' | 'wacereq', why: string): Promise<void> {
  const req = t.dev.bdc?.[field];
  const name = field.toUpperCase();
  const read = (lba: number) =>
    t.command(scsi.read10({ lba, blocks: ends.n }), {
      expect: [GOOD, expectation('MEDIUM_ERROR', scsi.ScsiStatus.CHECK_CONDITION, scsi.SenseKey.MEDIUM_ERROR)],
    });
  for (const [lba, before] of [
    [0, ends.head],
    [t.dev.blocks - ends.n, ends.tail],
  ] as const) {
    const r = await read(lba);
    if (req === 2 || req === 3) {
      t.check(r.status !== scsi.ScsiStatus.GOOD, `READ(10) LBA=${lba} after ${why}: GOOD, but ${name} is ${req} (reads fail until written)`);
      const wasr = r.sense?.ascAscq === 0x3171; // WRITE AFTER SANITIZE REQUIRED
      t.check(
        req === 3 ? wasr : !wasr,
        `READ(10) LBA=${lba} after ${why}: ${name} ${req} ${req === 3 ? 'asks for' : 'rules out'} WRITE AFTER SANITIZE REQUIRED`,
      );
      continue;
    }
    if (req === 1) t.check(r.status === scsi.ScsiStatus.GOOD, `READ(10) LBA=${lba} after ${why} failed, but ${name} is 1 (reads succeed)`);
    else
      t.should(
        req !== undefined && req !== 0,
        `${name} is ${req ?? 'not reported (no Block Device Characteristics page)'}: what a read after ${why} returns is not said`,
      );
    if (r.status !== scsi.ScsiStatus.GOOD) continue;
    const bs = t.dev.blockSize;
    for (let b = 0; b < ends.n; b++)
      if (r.data.subarray(b * bs, (b + 1) * bs).equals(before.subarray(b * bs, (b + 1) * bs)))
        t.fail(`${why}: LBA ${lba + b} still holds what was written before`);
    if (t.dev.rc16?.lbprz) {
      const nz = firstNonZeroBlock(r.data, bs);
      t.check(nz < 0, `${why}: LBA ${lba + nz} does not read as zeros, though LBPRZ is set`);
    }
  }
  if (t.dev.thin) {
    const r = await t.command(scsi.getLbaStatus({ lba: 0, alloc: 4096 }), { allowUnsupported: true, expect: [GOOD, INVALID_OPCODE] });
    if (r.status === scsi.ScsiStatus.GOOD) {
      const d = scsi.parseLbaStatus(r.data).descriptors;
      t.should(d.length > 0 && d.every((x) => isUnmapped(x.provisioningStatus)), `GET LBA STATUS after ${why} reports mapped LBAs on a thin LU`);
    }
  }
}

// --- the erase and overwrite operations -------------------------------------------------------------------

suite.test(
  'Overwrite',
  {
    doc: `SANITIZE OVERWRITE: PARAMETER LIST LENGTH 0 to 4 and block length + 5 must be INVALID FIELD IN CDB; an OVERWRITE COUNT of 0, an
      INITIALIZATION PATTERN LENGTH of 0 or longer than a block must be INVALID FIELD IN CDB or PARAMETER LIST — none of them may start a sanitize.
      Then, the first and last 256 blocks written, OVERWRITE (IMMED 0) with one pass of a half-block pattern: GOOD once done, and every block read
      holds the pattern repeated.`,
    level: 'MUST',
    clause: `${CLAUSE} (OVERWRITE parameter list), ${SBC4.SANITIZE_OPERATIONS}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.OVERWRITE)],
    timeout: LONG,
  },
  async (t) => {
    const bs = t.dev.blockSize;
    const guard = await guardBlocks(t);
    const good = overwriteList(halfBlockPattern(t));
    for (let len = 0; len < 5; len++) await sanitize(t, SA.OVERWRITE, { list: good.subarray(0, len), paramLen: len, expect: INVALID_FIELD_IN_CDB });
    await sanitize(t, SA.OVERWRITE, { list: Buffer.alloc(bs + 5), paramLen: bs + 5, expect: INVALID_FIELD_IN_CDB });
    const full = Buffer.alloc(bs, 0xaa);
    const bad = [
      { why: 'OVERWRITE COUNT 0', list: overwriteList(full, 0) },
      { why: 'INITIALIZATION PATTERN LENGTH 0', list: Buffer.concat([Buffer.from([0x01, 0, 0, 0]), full]) },
      {
        why: `INITIALIZATION PATTERN LENGTH ${bs + 4}`,
        list: (() => {
          const l = Buffer.concat([Buffer.from([0x01, 0, 0, 0]), full]);
          l.writeUInt16BE(bs + 4, 2);
          return l;
        })(),
      },
    ];
    for (const b of bad) await sanitize(t, SA.OVERWRITE, { list: b.list, expect: INVALID, what: `SANITIZE OVERWRITE LEN=${b.list.length} with ${b.why}` });
    await guard('the refused SANITIZE OVERWRITE commands');
    const ends = await fillEnds(t);
    const pattern = halfBlockPattern(t);
    await sanitize(t, SA.OVERWRITE, { list: overwriteList(pattern) });
    await waitSanitized(t);
    await expectOverwritten(t, ends.n, pattern, 'SANITIZE OVERWRITE');
  },
);

suite.test(
  'BlockErase',
  {
    doc: `SANITIZE BLOCK ERASE with a PARAMETER LIST LENGTH of 8 must be INVALID FIELD IN CDB and start nothing. Then, the first and last 256 blocks
      written, BLOCK ERASE with IMMED: GOOD at once; TEST UNIT READY reports SANITIZE IN PROGRESS until it ends (bounded wait), then GOOD. Reads then
      follow WABEREQ (Block Device Characteristics page); what reads back is no longer what was written (zeros with LBPRZ); a thin LU should report
      every LBA unmapped.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.SANITIZE_OPERATIONS}, ${SBC4.BLOCK_DEVICE_CHARACTERISTICS}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.BLOCK_ERASE)],
    timeout: LONG,
  },
  async (t) => {
    const guard = await guardBlocks(t);
    await sanitize(t, SA.BLOCK_ERASE, { paramLen: 8, expect: INVALID_FIELD_IN_CDB });
    await guard('the refused SANITIZE with LEN=8');
    const ends = await fillEnds(t);
    await sanitize(t, SA.BLOCK_ERASE, { immed: true });
    await waitSanitized(t);
    await expectErased(t, ends, 'wabereq', 'SANITIZE BLOCK ERASE');
  },
);

suite.test(
  'CryptoErase',
  {
    doc: `SANITIZE CRYPTOGRAPHIC ERASE with a PARAMETER LIST LENGTH of 8 must be INVALID FIELD IN CDB and start nothing. Then, the first and last 256
      blocks written, CRYPTOGRAPHIC ERASE (IMMED 0): GOOD once done; reads then follow WACEREQ (Block Device Characteristics page); what reads back is
      no longer what was written (zeros with LBPRZ); a thin LU should report every LBA unmapped.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.SANITIZE_OPERATIONS}, ${SBC4.BLOCK_DEVICE_CHARACTERISTICS}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.CRYPTOGRAPHIC_ERASE)],
    timeout: LONG,
  },
  async (t) => {
    const guard = await guardBlocks(t);
    await sanitize(t, SA.CRYPTOGRAPHIC_ERASE, { paramLen: 8, expect: INVALID_FIELD_IN_CDB });
    await guard('the refused SANITIZE with LEN=8');
    const ends = await fillEnds(t);
    await sanitize(t, SA.CRYPTOGRAPHIC_ERASE);
    await waitSanitized(t);
    await expectErased(t, ends, 'wacereq', 'SANITIZE CRYPTOGRAPHIC ERASE');
  },
);

suite.test(
  'ExitFailureMode',
  {
    doc: `SANITIZE EXIT FAILURE MODE takes no parameter list: with a PARAMETER LIST LENGTH of 8 it must end in INVALID FIELD IN CDB, and the medium is
      unchanged.`,
    level: 'MUST',
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.EXIT_FAILURE_MODE)],
  },
  async (t) => {
    const guard = await guardBlocks(t);
    await sanitize(t, SA.EXIT_FAILURE_MODE, { paramLen: 8, expect: INVALID_FIELD_IN_CDB });
    await guard('the refused SANITIZE EXIT FAILURE MODE');
  },
);

suite.test(
  'InvalidServiceAction',
  {
    doc: `SANITIZE with each service action SBC-4 does not define (00h and 04h to 1Eh) must end in CHECK CONDITION, ILLEGAL REQUEST, INVALID FIELD IN
      CDB (with the field pointer, when given, on byte 1), and the medium is unchanged.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE)],
  },
  async (t) => {
    const guard = await guardBlocks(t);
    for (let sa = 0; sa < 0x1f; sa++) {
      if (sa >= SA.OVERWRITE && sa <= SA.CRYPTOGRAPHIC_ERASE) continue;
      const r = await sanitize(t, sa, { expect: INVALID_FIELD_IN_CDB });
      checkFieldPointer(t, r, { cd: true, byte: 1 }, `SANITIZE SA=0x${sa.toString(16)}`);
    }
    await guard('SANITIZE with undefined service actions');
  },
);

// --- reserved fields ---------------------------------------------------------------------------------------

/**
 * Reserved bit 6 of byte 1, then each reserved byte 2..6, set in a SANITIZE of service action `sa`: a refusal
 * must be INVALID FIELD IN CDB (field pointer on the field) with the medium unchanged; a device server that
 * does not check reserved fields must process the command as if they were zero — the medium is then
 * sanitized (checked), and a SHOULD-level warning says it did not check.
 */
async function reserved(t: TestContext, sa: number): Promise<void> {
  const pattern = halfBlockPattern(t);
  const list = sa === SA.OVERWRITE ? overwriteList(pattern) : undefined;
  for (const [byte, value, bit] of [
    [1, 0x40, 6],
    [2, 2, 1],
    [3, 3, 1],
    [4, 4, 2],
    [5, 5, 2],
    [6, 6, 2],
  ] as const) {
    const ends = await fillEnds(t);
    await t.command(scsi.write10({ lba: 0, blocks: 1 }));
    const what = `SANITIZE ${NAMES[sa]} with reserved ${byte === 1 ? 'bit 6 of byte 1' : `byte ${byte} set to ${value}`}`;
    const r = await sanitize(t, sa, { ...(list ? { list } : {}), cdb: (c) => void (c[byte] = c[byte]! | value), expect: [INVALID_FIELD_IN_CDB, GOOD], what });
    if (r.status === scsi.ScsiStatus.GOOD) {
      t.forget(0, 1);
      t.should(false, `${what}: GOOD; the reserved field is not checked`);
      await waitSanitized(t);
      if (sa === SA.OVERWRITE) await expectOverwritten(t, ends.n, pattern, `${what} (GOOD)`);
      else await expectErased(t, ends, sa === SA.BLOCK_ERASE ? 'wabereq' : 'wacereq', `${what} (GOOD)`);
      return;
    }
    checkFieldPointer(t, r, { cd: true, byte, ...(byte === 1 ? { bit } : {}) }, what);
    await t.command(scsi.testUnitReady(), { expect: GOOD, what: `TEST UNIT READY after the refused ${what} (no sanitize may have started)` });
  }
}

const reservedDoc = (name: string) =>
  `SANITIZE ${name} with the reserved bit 6 of byte 1 set, then with each reserved byte 2 to 6 non-zero: a refusal must be INVALID FIELD IN CDB (field ` +
  `pointer on that byte) with no sanitize started and a written block unchanged; GOOD (reserved fields not checked: a SHOULD-level warning) must ` +
  `sanitize the medium as if the field were zero.`;

suite.test(
  'OverwriteReserved',
  {
    doc: reservedDoc('OVERWRITE'),
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.OVERWRITE)],
    timeout: LONG,
  },
  (t) => reserved(t, SA.OVERWRITE),
);
suite.test(
  'BlockEraseReserved',
  {
    doc: reservedDoc('BLOCK ERASE'),
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.BLOCK_ERASE)],
    timeout: LONG,
  },
  (t) => reserved(t, SA.BLOCK_ERASE),
);
suite.test(
  'CryptoEraseReserved',
  {
    doc: reservedDoc('CRYPTOGRAPHIC ERASE'),
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVED}`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.CRYPTOGRAPHIC_ERASE)],
    timeout: LONG,
  },
  (t) => reserved(t, SA.CRYPTOGRAPHIC_ERASE),
);

// --- access control ----------------------------------------------------------------------------------------

/** The SANITIZE service actions the LU offers (REPORT SUPPORTED OPERATION CODES; OVERWRITE when unknown). */
function offered(t: TestContext): number[] {
  const sas = [SA.OVERWRITE, SA.BLOCK_ERASE, SA.CRYPTOGRAPHIC_ERASE].filter((sa) => supports(t.dev, scsi.Op.SANITIZE, sa) !== false);
  if (sas.length === 0) t.skip('REPORT SUPPORTED OPERATION CODES lists no SANITIZE service action');
  return sas;
}

/** Each offered SANITIZE must be refused with `expect`: nothing may start (TEST UNIT READY stays GOOD). */
async function allRefused(t: TestContext, expect: Expected, why: string): Promise<void> {
  const pattern = halfBlockPattern(t);
  for (const sa of offered(t)) {
    await sanitize(t, sa, { ...(sa === SA.OVERWRITE ? { list: overwriteList(pattern) } : {}), expect, what: `SANITIZE ${NAMES[sa]} ${why}` });
  }
  // REQUEST SENSE is processed under reservations and during a sanitize, and reports SANITIZE IN PROGRESS then
  const r = await t.command(scsi.requestSense({ alloc: 252 }), { expect: GOOD, what: 'REQUEST SENSE (no sanitize may have started)' });
  const sense = r.data.length >= 8 ? scsi.decodeSense(r.data) : undefined;
  t.check(
    sense?.ascAscq !== ASC_SANITIZING,
    `REQUEST SENSE after the refused SANITIZE commands reports ${sense ? scsi.describeSense(sense) : ''}: a sanitize operation started`,
  );
}

suite.test(
  'Readonly',
  {
    doc: `On a write-protected LU — or on a writable one after the second I_T nexus sets SWP in the Control mode page with MODE SELECT — SANITIZE
      OVERWRITE, BLOCK ERASE and CRYPTOGRAPHIC ERASE (those offered) must each end in CHECK CONDITION, DATA PROTECT, WRITE PROTECTED (or
      SOFTWARE/HARDWARE WRITE PROTECTED), start no sanitize, and leave written blocks unchanged. SWP is cleared at the end.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.CONTROL_PAGE}, ${SBC4.MODE_PARAMETERS_OVERVIEW}`,
    needs: ['twoInitiators'],
  },
  async (t) => {
    if (t.dev.readOnly) return allRefused(t, WRITE_PROTECTED, 'on a write-protected LU');
    if (!(await swpChangeable(t))) t.skip('the logical unit is not write-protected, and SWP of the Control mode page cannot be changed');
    const guard = await guardBlocks(t);
    await setSwp(t, true, t.session2);
    try {
      await t.unitAttentions();
      await allRefused(t, WRITE_PROTECTED, 'with SWP set by the other nexus');
      await guard('SANITIZE refused for write protection');
    } finally {
      await clearSwp(t);
    }
  },
);

/** Reserve the LU on `s`: RESERVE (6), or a persistent reservation (EXCLUSIVE ACCESS) when RESERVE (6) is not implemented. */
async function reserveOn(t: TestContext, s: Session): Promise<() => Promise<void>> {
  const r6 = await t.command(scsi.reserve6(), { session: s, allowUnsupported: true, expect: [GOOD, INVALID_OPCODE] });
  if (r6.status === scsi.ScsiStatus.GOOD) return async () => void (await t.command(scsi.release6(), { session: s, expect: [GOOD, RESERVATION_CONFLICT] }));
  t.log('RESERVE(6) is not implemented: a persistent reservation (EXCLUSIVE ACCESS) instead');
  const key = 0x5a17e5a17en;
  const reg = await t.command(scsi.persistentReserveOut({ sa: scsi.PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY }), {
    session: s,
    dataOut: scsi.proutParameterList({ key: 0n, saKey: key }),
    allowUnsupported: true,
    expect: [GOOD, INVALID_OPCODE],
  });
  if (reg.status !== scsi.ScsiStatus.GOOD) t.skip('the target implements neither RESERVE(6) nor PERSISTENT RESERVE OUT');
  const unregister = async () =>
    void (await t.command(scsi.persistentReserveOut({ sa: scsi.PrOutSa.REGISTER_AND_IGNORE_EXISTING_KEY }), {
      session: s,
      dataOut: scsi.proutParameterList({ key: 0n, saKey: 0n }),
      expect: GOOD,
    }));
  try {
    await t.command(scsi.persistentReserveOut({ sa: scsi.PrOutSa.RESERVE, type: scsi.PrType.EXCLUSIVE_ACCESS }), {
      session: s,
      dataOut: scsi.proutParameterList({ key, saKey: 0n }),
    });
  } catch (e) {
    await unregister().catch(() => undefined);
    throw e;
  }
  return unregister;
}

suite.test(
  'Reservations',
  {
    doc: `With the LU reserved by the second I_T nexus (RESERVE (6), or a persistent EXCLUSIVE ACCESS reservation where RESERVE (6) is not
      implemented), SANITIZE OVERWRITE, BLOCK ERASE and CRYPTOGRAPHIC ERASE (those offered) from the first nexus must each end in RESERVATION CONFLICT
      and start no sanitize; written blocks are unchanged. The reservation is released at the end.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SPC5.RESERVATIONS}, SPC-2 5.5.1`,
    needs: ['writable', 'twoInitiators'],
  },
  async (t) => {
    const guard = await guardBlocks(t);
    const release = await reserveOn(t, t.session2);
    try {
      await allRefused(t, RESERVATION_CONFLICT, 'while the other nexus holds a reservation');
    } finally {
      if (!t.killed) await release().catch(() => undefined);
    }
    await guard('SANITIZE refused for a reservation conflict');
  },
);

// --- a sanitize outlives aborts, resets and nexus loss --------------------------------------------------------

suite.test(
  'Reset',
  {
    doc: `SANITIZE OVERWRITE (IMMED 0) is started; while it has not completed, TEST UNIT READY, START STOP UNIT and READ (16) must end in NOT READY,
      SANITIZE IN PROGRESS, while INQUIRY, REPORT LUNS and REQUEST SENSE (which must report SANITIZE IN PROGRESS) are processed. Then ABORT TASK of
      the SANITIZE, ABORT TASK SET, LOGICAL UNIT RESET, TARGET WARM RESET and TARGET COLD RESET are sent and the connection is dropped; from a new
      session the operation must still be in progress or have completed (bounded wait), and the medium must hold the OVERWRITE pattern: nothing stops
      a sanitize operation.`,
    level: 'MUST',
    clause: `${CLAUSE}, ${SBC4.SANITIZE_OPERATIONS}, SAM-5 6.3, SAM-5 7`,
    needs: ['writable', opcode(scsi.Op.SANITIZE, SA.OVERWRITE)],
    timeout: LONG,
  },
  async (t) => {
    const s1 = t.session;
    const ends = await fillEnds(t);
    const pattern = halfBlockPattern(t);
    const list = overwriteList(pattern);
    t.log('> SANITIZE OVERWRITE LEN=' + list.length + ' (IMMED 0, not awaited)');
    let itt = -1;
    let settled = false;
    let answer: ScsiResult | undefined;
    const cdb = scsi.sanitize({ sa: SA.OVERWRITE, paramLen: list.length });
    const running = s1.command({ cdb, dataOut: list, timeoutMs: t.remainingMs(), onSent: (i) => (itt = i) }).then(
      (r) => ((settled = true), (answer = r), t.log(`< SANITIZE: ${outcomeText(r)}`)),
      (e: Error) => ((settled = true), t.log(`< SANITIZE ended without status: ${e.message}`)),
    );
    // The sanitize must have started before anything below means something: an answer that came back
    // already is looked at first (not implemented skips, as a need would; any other error fails here rather
    // than as "the medium does not hold the pattern" at the end).
    const startedOk = () => {
      if (!answer || answer.status === scsi.ScsiStatus.GOOD) return;
      if (isNotImplemented(cdb, answer)) t.skip(`target does not implement SANITIZE OVERWRITE (${outcomeText(answer)})`);
      t.fail(`SANITIZE OVERWRITE LEN=${list.length}: expected GOOD, got ${outcomeText(answer)}`);
    };
    await t.command(scsi.reportLuns({ alloc: 64 }), { dataIn: 64 });
    startedOk();
    const during = async (cdb: Buffer, expect: Expected, dataIn = 0) => {
      const r = await t.command(cdb, { expect: [expect, GOOD].flat(), dataIn });
      // GOOD is right only once the sanitize has ended; the SANITIZE's own answer may still be on its way
      if (r.status === scsi.ScsiStatus.GOOD && !settled) await t.settle(running, 1000);
      startedOk();
      if (!settled) {
        const c = checkResult(commandName(cdb), r, expect);
        if (!c.ok) t.fail(c.message);
      }
      return r;
    };
    await during(scsi.testUnitReady(), SANITIZE_IN_PROGRESS);
    await during(scsi.startStopUnit({ immed: true, start: true }), SANITIZE_IN_PROGRESS);
    await during(scsi.read16({ lba: 0, blocks: 1 }), SANITIZE_IN_PROGRESS, t.dev.blockSize);
    await t.command(scsi.inquiry({ alloc: 96 }), { expect: GOOD });
    const rs = await t.command(scsi.requestSense({ alloc: 252 }), { expect: GOOD });
    startedOk();
    if (!settled) {
      const sense = scsi.decodeSense(rs.data);
      t.check(
        sense.key === scsi.SenseKey.NOT_READY && sense.ascAscq === ASC_SANITIZING,
        `REQUEST SENSE during the sanitize operation returned ` + `${scsi.describeSense(sense)}, not NOT READY/SANITIZE IN PROGRESS`,
      );
    }
    const tmfs: [number, number | undefined][] = [
      [iscsi.TmfFunction.ABORT_TASK, itt],
      [iscsi.TmfFunction.ABORT_TASK_SET, undefined],
      [iscsi.TmfFunction.LOGICAL_UNIT_RESET, undefined],
      [iscsi.TmfFunction.TARGET_WARM_RESET, undefined],
      [iscsi.TmfFunction.TARGET_COLD_RESET, undefined],
    ];
    for (const [fn, ref] of tmfs) {
      if (!s1.isOpen) break;
      const name = iscsi.TMF_FUNCTION_NAMES[fn];
      const r = await t.settle(s1.taskManagement(fn, { ...(ref !== undefined ? { referencedTaskTag: ref } : {}), timeoutMs: 10_000 }), 10_000);
      t.log(`${name}: ${!r.done ? 'no answer' : 'value' in r ? r.value.responseName : (r.error as Error).message}`);
    }
    t.log('Drop the connection and log in again');
    s1.destroy();
    await t.settle(running, 5000);
    let s2: Session | undefined;
    for (let i = 0; !s2; i++) {
      try {
        s2 = await t.login();
      } catch (e) {
        if (i >= 10) throw e;
        await t.sleep(500);
      }
    }
    await waitSanitized(t, s2);
    await expectOverwritten(t, ends.n, pattern, 'SANITIZE OVERWRITE through aborts, resets and a nexus loss', s2);
  },
);

export default suite;
