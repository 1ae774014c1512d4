/**
 * A seeded random-CDB fuzz of the device server's `execute` (the mqtt-packet fuzzer's rule applied to the
 * reference target): CDBs built from the command catalogue with random field values, catalogue CDBs with
 * random bytes, and random byte strings of random length, each with a random Data-Out buffer or none. Every
 * outcome must be a status (with sense data exactly when it is CHECK CONDITION, and that sense decodable),
 * never an exception, never HARDWARE ERROR / INTERNAL TARGET FAILURE (the device server's catch-all for a
 * handler that threw), never a hang. FUZZ_SEED=n replays a run; FUZZ_COUNT=n changes its length (bounded).
 */
import { strict as assert } from 'node:assert';
import {
  Asc,
  CATALOGUE,
  catalogueEntry,
  decodeSense,
  describeCdb,
  encodeCdb,
  hexBytes,
  ScsiStatus,
  SenseKey,
  startStopUnit,
  statusName,
  type CdbEntry,
} from '../../../protocol/scsi/index.js';
import { prng } from '../../protocol/scsi/helpers.js';
import { nexus, run, server } from './helpers.js';

const SEED = process.env.FUZZ_SEED === undefined ? 0x5c5105 : Number(process.env.FUZZ_SEED);
const COUNT = Math.min(20_000, Math.max(1, Number(process.env.FUZZ_COUNT ?? 1500)));
/** A command that takes longer than this is taken for a hang. */
const HANG_MS = 10_000;

const BUILT: CdbEntry[] = CATALOGUE.filter((e) => e.length !== undefined);

/** Small values, edges and random ones: deep paths want plausible numbers, robustness wants extremes. */
function value(rnd: () => number, bits: number): number | bigint {
  const max = bits > 48 ? (1n << BigInt(bits)) - 1n : 2 ** bits - 1;
  const pick = rnd();
  if (pick < 0.35) return bits > 48 ? 0n : 0;
  if (pick < 0.65) return bits > 48 ? BigInt(Math.floor(rnd() * 64)) : Math.min(Number(max), Math.floor(rnd() * 64));
  if (pick < 0.8) return max;
  if (bits > 48) return BigInt(Math.floor(rnd() * 2 ** 32)) * BigInt(Math.floor(rnd() * 2 ** 20));
  return Math.floor(rnd() * (Number(max) + 1));
}

function randomCdb(rnd: () => number): Buffer {
  const kind = rnd();
  const e = BUILT[Math.floor(rnd() * BUILT.length)]!;
  if (kind < 0.55) {
    // a well-formed CDB of a catalogue command with random field values (reserved bits stay zero)
    const sa = e.sa ?? (e.serviceActions ? Math.floor(rnd() * 32) : undefined);
    const own = catalogueEntry(e.op, sa)!;
    const o: Record<string, number | bigint> = {};
    for (const f of own.fields) if (f.key && !f.zeroIs && rnd() < 0.7) o[f.key] = value(rnd, f.bits);
    if (rnd() < 0.05) o.control = Math.floor(rnd() * 256);
    return encodeCdb(own, o, own.name, sa);
  }
  if (kind < 0.85) {
    // a catalogue command's operation code (and service action) with random bytes, sometimes cut short
    const b = Buffer.alloc(e.length!);
    for (let i = 1; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
    b[0] = e.op;
    if (e.sa !== undefined) b[1] = (b[1]! & 0xe0) | e.sa;
    return rnd() < 0.1 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
  }
  const b = Buffer.alloc(Math.floor(rnd() * 20));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function randomDataOut(rnd: () => number): Buffer | undefined {
  const pick = rnd();
  if (pick < 0.5) return undefined;
  const len = pick < 0.8 ? 512 * (1 + Math.floor(rnd() * 4)) : Math.floor(rnd() * 1100);
  const b = Buffer.alloc(len);
  const fill = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
  b.fill(fill);
  for (let i = 0; i < Math.min(len, 32); i++) if (rnd() < 0.3) b[i] = Math.floor(rnd() * 256);
  return b;
}

const withHangCheck = <T>(p: Promise<T>, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no outcome within ${HANG_MS} ms`)), HANG_MS).unref())]);

describe(`target/scsi fuzz: execute answers every CDB with a status (FUZZ_SEED=${SEED}, ${COUNT} CDBs)`, () => {
  it('random CDBs on a thin removable LU and a thick one, from two I_T nexuses', async function () {
    this.timeout(300_000);
    const rnd = prng(SEED);
    const ds = server(
      {},
      {
        luns: [
          { lun: 0, backing: 'memory', size: 4 * 1024 * 1024, thin: true, removable: true },
          { lun: 1, backing: 'memory', size: 2 * 1024 * 1024 },
        ],
      },
    );
    const nexuses = [nexus(1), nexus(2)];
    const seen = new Map<number, number>();
    try {
      for (let i = 0; i < COUNT; i++) {
        // a random START STOP UNIT may have ejected the medium: load it again now and then, so that later
        // commands reach their handlers
        if (i % 200 === 199) await run(ds, startStopUnit({ loej: true, start: true }), { lun: 0 });
        const cdb = randomCdb(rnd);
        const dataOut = randomDataOut(rnd);
        const lun = rnd() < 0.9 ? Math.floor(rnd() * 2) : 7;
        const who = nexuses[Math.floor(rnd() * 2)]!;
        const what = `#${i} ${describeCdb(cdb)} [${hexBytes(cdb)}] LUN ${lun}${dataOut ? ` with ${dataOut.length} bytes out` : ''} (FUZZ_SEED=${SEED})`;
        let r;
        try {
          r = await withHangCheck(run(ds, cdb, { lun, nexus: who, ...(dataOut ? { dataOut } : {}) }), what);
        } catch (e) {
          assert.fail(`${what}: execute threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
        assert.equal(typeof r.status, 'number', `${what}: no status`);
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        if (r.status === ScsiStatus.CHECK_CONDITION) {
          assert.ok(r.sense && r.sense.length > 0, `${what}: CHECK CONDITION without sense data`);
          const s = decodeSense(r.sense);
          assert.ok(!(s.key === SenseKey.HARDWARE_ERROR && s.ascAscq === Asc.INTERNAL_TARGET_FAILURE), `${what}: INTERNAL TARGET FAILURE (a handler threw)`);
        } else {
          assert.equal(r.sense, undefined, `${what}: ${statusName(r.status)} with sense data`);
        }
      }
    } finally {
      await ds.close();
    }
    // the run reached past the CDB checks: some commands completed, some were refused
    assert.ok((seen.get(ScsiStatus.GOOD) ?? 0) > COUNT / 50, `GOOD for only ${seen.get(ScsiStatus.GOOD) ?? 0} of ${COUNT}`);
    assert.ok((seen.get(ScsiStatus.CHECK_CONDITION) ?? 0) > COUNT / 50);
  });
});
