/**
 * Block commands (SBC-4): READ / WRITE (6, 10, 12, 16), VERIFY and WRITE AND VERIFY (10, 12, 16), WRITE SAME
 * (10, 16), UNMAP, GET LBA STATUS, COMPARE AND WRITE, ORWRITE (16), PRE-FETCH (10, 16), SYNCHRONIZE CACHE
 * (10, 16), WRITE ATOMIC (16), READ CAPACITY (10, 16), READ DEFECT DATA (10, 12), START STOP UNIT and
 * SANITIZE.
 *
 * Each handler checks in this order: the CDB's semantic fields (INVALID FIELD IN CDB), the medium (NOT
 * READY), write protection (DATA PROTECT), the LBA range (LBA OUT OF RANGE), the Data-Out buffer, then takes
 * the range lock and does the work, checking for abort between steps.
 */
import { encodeReadCapacity10, encodeReadCapacity16 } from '../../../protocol/scsi/capacity.js';
import { encodeDefectData10, encodeDefectData12 } from '../../../protocol/scsi/defect.js';
import { encodeLbaStatus, ProvisioningStatus } from '../../../protocol/scsi/lbastatus.js';
import { Op, SaIn16, SanitizeSa } from '../../../protocol/scsi/opcodes.js';
import { parseSanitizeOverwriteParameterList, parseUnmapParameterList } from '../../../protocol/scsi/paramlists.js';
import { Asc, SenseKey } from '../../../protocol/scsi/sense.js';
import { ScsiStatus } from '../../../protocol/scsi/status.js';
import { CheckCondition, TaskAborted, invalidCdb, invalidParam, ioInformationUnit, lbaOutOfRange, paramListLengthError, topBit } from '../check.js';
import type { LogicalUnit, SanitizeOp } from '../lu.js';
import { Q } from '../quirks.js';
import { catalogued, type CommandSpec, type Ctx, type HandlerResult } from './types.js';

/** Largest buffer a pattern fill or a chunked compare holds at once. */
const CHUNK = 1024 * 1024;

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function checkAbort(ctx: Ctx): void {
  if (ctx.task.aborted && !ctx.core.quirks.has(Q.ABORT_IGNORED)) throw new TaskAborted();
}

/** Runs `fn` holding the range lock [lba, lba+blocks). */
async function locked<T>(ctx: Ctx, lba: bigint, blocks: bigint, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
  const release = await ctx.lu.lock(ctx.task, lba, blocks, exclusive);
  try {
    checkAbort(ctx);
    return await fn();
  } finally {
    release();
  }
}

/** Bytes no single command moves, whatever the quirks say (memory stays bounded). */
const HARD_MAX_BYTES = 256 * 1024 * 1024;

/** MAXIMUM TRANSFER LENGTH (SBC-4 6.6.4): a longer transfer is INVALID FIELD IN CDB at the length field. */
function checkTransfer(ctx: Ctx, n: number, lenByte: number, max = ctx.lu.limits.maxTransfer): void {
  if (max > 0 && n > max && !ctx.core.quirks.has(Q.NO_TRANSFER_LIMIT)) throw invalidCdb(lenByte, 7);
  if (n * ctx.lu.blockSize > HARD_MAX_BYTES) throw invalidCdb(lenByte, 7);
}

const PROTECT = ['rdprotect', 'wrprotect', 'vrprotect', 'orprotect'];

/** RDPROTECT / WRPROTECT / VRPROTECT / ORPROTECT must be 0: no protection information. */
function checkProtect(ctx: Ctx): void {
  for (const k of PROTECT) if (ctx.f.has(k) && ctx.f.num(k) !== 0) throw invalidCdb(ctx.f.byteOf(k), 7);
}

/** Makes writes durable when FUA is set or the write cache is disabled (WCE=0). */
async function durable(ctx: Ctx, fua: boolean): Promise<void> {
  if (!fua && ctx.lu.mode.wce) return;
  if (ctx.core.quirks.has(Q.IGNORE_FUA)) {
    // acknowledged before the flush: the flush happens later, its failure becomes a deferred error
    ctx.lu.flush().catch((e: unknown) => {
      if (e instanceof CheckCondition) ctx.lu.addDeferred(ctx.itKey, e);
    });
    return;
  }
  await ctx.lu.flush();
}

/** The Data-Out bytes the command uses (at most `need`), and the residual the transport must report. */
function dataOut(ctx: Ctx, need: number): { data: Buffer; transferLength?: number } {
  const d = ctx.req.dataOut ?? Buffer.alloc(0);
  const data = d.length > need ? d.subarray(0, need) : d;
  return d.length === need ? { data } : { data, transferLength: need };
}

/** LBA and length (in blocks) of an LBA command, and the byte of the length field. */
function lbaLen(ctx: Ctx): { lba: bigint; n: number; lenByte: number } {
  return { lba: ctx.f.big('lba'), n: ctx.f.num('blocks'), lenByte: ctx.f.byteOf('blocks') };
}

/** Offset of the first differing byte, or -1. */
function firstDiff(a: Buffer, b: Buffer, len = Math.min(a.length, b.length)): number {
  if (a.subarray(0, len).equals(b.subarray(0, len))) return -1;
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function miscompare(ctx: Ctx, offset: number): CheckCondition {
  return new CheckCondition(SenseKey.MISCOMPARE, Asc.MISCOMPARE_DURING_VERIFY, ctx.core.quirks.has(Q.MISCOMPARE_NO_OFFSET) ? {} : { information: offset });
}

// --- READ / WRITE --------------------------------------------------------------------------------------------

async function doRead(ctx: Ctx, lba: bigint, n: number, lenByte: number): Promise<HandlerResult> {
  checkTransfer(ctx, n, lenByte);
  ctx.lu.requireMedium();
  ctx.lu.checkRange(lba, BigInt(n));
  if (n === 0) return {};
  const data = await locked(ctx, lba, BigInt(n), false, () => ctx.lu.readBlocks(lba, BigInt(n)));
  return { data };
}

/**
 * WRITE, WRITE AND VERIFY and ORWRITE: checks in the order SBC-4 gives them, then under the range lock the
 * data stored (`store`, default: written as it is), made durable when `fua`, and `verify` (if any) run on
 * it while the range is still locked.
 */
async function doWrite(
  ctx: Ctx,
  lba: bigint,
  n: number,
  lenByte: number,
  fua: boolean,
  o: { verify?: (data: Buffer) => Promise<void>; store?: (data: Buffer) => Promise<void> } = {},
): Promise<HandlerResult> {
  const { lu } = ctx;
  checkTransfer(ctx, n, lenByte);
  lu.requireMedium();
  lu.requireWritable();
  lu.checkRange(lba, BigInt(n));
  const { data, transferLength } = dataOut(ctx, n * lu.blockSize);
  const out: HandlerResult = transferLength === undefined ? {} : { transferLength };
  if (data.length === 0) return out;
  await locked(ctx, lba, BigInt(n), true, async () => {
    await (o.store ? o.store(data) : lu.writeBytes(lba, data));
    await durable(ctx, fua);
    if (o.verify) await o.verify(data);
  });
  return out;
}

// READ (6) and WRITE (6) (SBC-3) have no protection or FUA fields; their TRANSFER LENGTH 0 decodes as 256
const readN: CommandSpec['handler'] = async (ctx) => {
  checkProtect(ctx); // SBC-4 5.16: RDPROTECT without protection information
  const { lba, n, lenByte } = lbaLen(ctx);
  return doRead(ctx, lba, n, lenByte);
};
const writeN: CommandSpec['handler'] = async (ctx) => {
  checkProtect(ctx);
  const { lba, n, lenByte } = lbaLen(ctx);
  return doWrite(ctx, lba, n, lenByte, ctx.f.on('fua'));
};

// --- VERIFY / WRITE AND VERIFY (SBC-4 5.36-5.38, 5.44-5.46) ----------------------------------------------------

const verifyN: CommandSpec['handler'] = async (ctx) => {
  const { lu } = ctx;
  checkProtect(ctx);
  const bytchk = ctx.f.num('bytchk');
  if (bytchk === 2) throw invalidCdb(1, 2); // 10b is reserved
  const { lba, n, lenByte } = lbaLen(ctx);
  if (bytchk !== 0) checkTransfer(ctx, n, lenByte);
  lu.requireMedium();
  lu.checkRange(lba, BigInt(n));
  if (bytchk === 0) {
    // medium verification: the emulated medium has no unreadable blocks; no data is transferred
    return ctx.req.dataOut?.length ? { transferLength: 0 } : {};
  }
  if (n === 0) return ctx.req.dataOut?.length ? { transferLength: 0 } : {};
  const bs = lu.blockSize;
  const { data, transferLength } = dataOut(ctx, bytchk === 1 ? n * bs : bs);
  const out: HandlerResult = transferLength === undefined ? {} : { transferLength };
  if (data.length === 0) return out;
  await locked(ctx, lba, BigInt(n), false, async () => {
    const medium = await lu.readBlocks(lba, BigInt(n));
    if (ctx.core.quirks.has(Q.VERIFY_NO_COMPARE)) return;
    if (bytchk === 1) {
      const at = firstDiff(data, medium);
      if (at >= 0) throw miscompare(ctx, at);
    } else {
      // 11b: every block is compared with the single block sent
      for (let b = 0; b < n; b++) {
        const at = firstDiff(data, medium.subarray(b * bs, (b + 1) * bs));
        if (at >= 0) throw miscompare(ctx, b * bs + at);
      }
    }
  });
  return out;
};

const writeVerifyN: CommandSpec['handler'] = async (ctx) => {
  const { lu } = ctx;
  checkProtect(ctx);
  const bytchk = ctx.f.num('bytchk');
  if (bytchk > 1) throw invalidCdb(1, 2); // 10b and 11b are reserved for WRITE AND VERIFY
  const { lba, n, lenByte } = lbaLen(ctx);
  // Verification reads the medium: the data must be on it, not in a volatile cache (hence FUA).
  const verify = async (data: Buffer): Promise<void> => {
    const back = await lu.readBlocks(lba, BigInt(Math.ceil(data.length / lu.blockSize)));
    const at = firstDiff(data, back, data.length);
    if (at >= 0) throw miscompare(ctx, at);
  };
  return doWrite(ctx, lba, n, lenByte, true, bytchk === 1 ? { verify } : {});
};

// --- WRITE SAME (SBC-4 5.52, 5.53) -------------------------------------------------------------------------

const writeSame: CommandSpec['handler'] = async (ctx) => {
  const { lu, core } = ctx;
  checkProtect(ctx);
  const anchor = ctx.f.on('anchor');
  const unmap = ctx.f.on('unmap');
  const ndob = ctx.f.has('ndob') && ctx.f.on('ndob');
  // SBC-4 table (ANCHOR, UNMAP, ANC_SUP): ANCHOR without UNMAP is an error
  if (anchor && !unmap) throw invalidCdb(1, 4);
  const { lba, lenByte } = lbaLen(ctx);
  let n = ctx.f.num('blocks');
  const noLimit = core.quirks.has(Q.NO_WRITE_SAME_LIMIT);
  if (n > 0 && lu.limits.maxWriteSame > 0 && n > lu.limits.maxWriteSame && !noLimit) throw invalidCdb(lenByte, 7);
  lu.requireMedium();
  lu.requireWritable(); // before the UNMAP checks: a write-protected LU reports DATA PROTECT for any write
  // UNMAP needs LBPWS / LBPWS10, ANCHOR needs ANC_SUP: a thick LU has neither
  if (unmap && !lu.thin) throw invalidCdb(1, anchor ? 4 : 3);
  if (n === 0) {
    if (lba >= BigInt(lu.blocks)) throw lbaOutOfRange();
    // WSNZ=1: a NUMBER OF LOGICAL BLOCKS of 0 is not supported (SBC-4 6.6.4)
    if (lu.limits.wsnz && !noLimit) throw invalidCdb(lenByte, 7);
    n = lu.blocks - Number(lba);
    if (lu.limits.maxWriteSame > 0 && n > lu.limits.maxWriteSame && !noLimit) throw invalidCdb(lenByte, 7);
  }
  lu.checkRange(lba, BigInt(n));
  const bs = lu.blockSize;
  let pattern: Buffer;
  let residual: HandlerResult = {};
  if (ndob) {
    pattern = Buffer.alloc(bs); // LBPRZ xx1b: zeros
    if (ctx.req.dataOut?.length) residual = { transferLength: 0 };
  } else {
    const d = ctx.req.dataOut ?? Buffer.alloc(0);
    // the Data-Out buffer holds exactly one logical block
    if (d.length !== bs) throw ioInformationUnit();
    pattern = d;
  }
  if (n === 0) return residual;
  await locked(ctx, lba, BigInt(n), true, async () => {
    if (unmap) {
      // UNMAP=1: deallocate (or anchor) each LBA whatever the data (SBC-4 WRITE SAME table, footnote e)
      if (!core.quirks.has(Q.UNMAP_NOOP)) {
        const c = lu.clamp(lba, BigInt(n));
        await lu.deallocate(c.lba, c.blocks, anchor);
      }
      return;
    }
    const per = Math.max(1, Math.floor(CHUNK / bs));
    const chunk = Buffer.alloc(Math.min(per, n) * bs);
    chunk.fill(pattern);
    for (let done = 0; done < n; done += per) {
      checkAbort(ctx);
      const k = Math.min(per, n - done);
      await lu.writeBytes(lba + BigInt(done), chunk.subarray(0, k * bs));
      if (done + k < n) await yieldLoop();
    }
    await durable(ctx, false);
  });
  return residual;
};

// --- UNMAP (SBC-4 5.35) -----------------------------------------------------------------------------------

const unmapCmd: CommandSpec['handler'] = async (ctx) => {
  const { lu, core } = ctx;
  const anchor = ctx.f.on('anchor');
  const len = ctx.f.num('paramLen');
  lu.requireMedium();
  lu.requireWritable();
  if (len === 0) return ctx.req.dataOut?.length ? { transferLength: 0 } : {};
  const { data: params, transferLength } = dataOut(ctx, len);
  const out: HandlerResult = transferLength === undefined ? {} : { transferLength };
  // SBC-4 5.35.1: a PARAMETER LIST LENGTH of 1..7 (shorter than the header) is PARAMETER LIST LENGTH ERROR;
  // so is a Data-Out buffer that holds less than the PARAMETER LIST LENGTH says
  if (params.length < len || len < 8) throw paramListLengthError();
  // SBC-4 5.35.2: block descriptors cut short by the PARAMETER LIST LENGTH, or by an UNMAP BLOCK DESCRIPTOR DATA
  // LENGTH that is not a multiple of 16, are ignored; neither is an error (the parser keeps only complete ones)
  const p = parseUnmapParameterList(params);
  const strict = !core.quirks.has(Q.IGNORE_RESERVED_BITS);
  if (strict) for (let i = 4; i < 8; i++) if (params[i]) throw invalidParam(i, topBit(params[i]!));
  const noLimits = core.quirks.has(Q.NO_UNMAP_LIMITS);
  if (p.descriptors.length > lu.limits.maxUnmapDescriptors && !noLimits) throw invalidParam(2);
  let total = 0;
  for (const d of p.descriptors) {
    if (strict) for (let i = 12; i < 16; i++) if (params[d.offset + i]) throw invalidParam(d.offset + i, topBit(params[d.offset + i]!));
    lu.checkRange(d.lba, BigInt(d.blocks));
    total += d.blocks;
    if (total > lu.limits.maxUnmapLbaCount && !noLimits) throw invalidParam(d.offset + 8);
  }
  if (core.quirks.has(Q.UNMAP_NOOP)) return out;
  for (const d of p.descriptors) {
    if (d.blocks === 0) continue;
    checkAbort(ctx);
    await locked(ctx, d.lba, BigInt(d.blocks), true, async () => {
      const c = lu.clamp(d.lba, BigInt(d.blocks));
      await lu.deallocate(c.lba, c.blocks, anchor);
    });
  }
  return out;
};

// --- GET LBA STATUS (SBC-4 5.6) ---------------------------------------------------------------------------

const STATUS_CODE = { mapped: ProvisioningStatus.MAPPED, deallocated: ProvisioningStatus.DEALLOCATED, anchored: ProvisioningStatus.ANCHORED } as const;

const getLbaStatus: CommandSpec['handler'] = async (ctx) => {
  const { lu, core } = ctx;
  const lba = ctx.f.big('lba');
  const alloc = ctx.f.num('alloc');
  lu.requireMedium();
  if (lba >= BigInt(lu.blocks)) throw lbaOutOfRange();
  const bs = lu.blockSize;
  const maxDesc = Math.max(1, Math.min(4096, Math.floor((alloc - 8) / 16)));
  const descs: { lba: bigint; blocks: number; provisioningStatus: number }[] = [];
  let pos = Number(lba);
  const allMapped = core.quirks.has(Q.LBA_STATUS_ALL_MAPPED);
  while (descs.length < maxDesc && pos < lu.blocks) {
    const limitBlocks = Math.min(lu.blocks - pos, 0xffffffff);
    const run = allMapped ? { state: 'mapped' as const, length: limitBlocks * bs } : lu.store.provisioning(pos * bs, limitBlocks * bs);
    const blocks = Math.max(1, Math.min(limitBlocks, Math.floor(run.length / bs)));
    const last = descs[descs.length - 1];
    const code = STATUS_CODE[run.state];
    if (last && last.provisioningStatus === code && last.blocks + blocks <= 0xffffffff) last.blocks += blocks;
    else descs.push({ lba: BigInt(pos), blocks, provisioningStatus: code });
    pos += blocks;
  }
  return { data: encodeLbaStatus(descs, alloc) };
};

// --- COMPARE AND WRITE (SBC-4 5.3) ---------------------------------------------------------------------------

const compareAndWrite: CommandSpec['handler'] = async (ctx) => {
  const { lu, core } = ctx;
  checkProtect(ctx);
  const { lba, n, lenByte } = lbaLen(ctx);
  if (n > lu.limits.maxCompareAndWrite && !core.quirks.has(Q.NO_TRANSFER_LIMIT)) throw invalidCdb(lenByte, 7);
  lu.requireMedium();
  lu.requireWritable();
  lu.checkRange(lba, BigInt(n));
  const bs = lu.blockSize;
  const d = ctx.req.dataOut ?? Buffer.alloc(0);
  // the Data-Out buffer holds the verify data then the write data: exactly 2 × NUMBER OF LOGICAL BLOCKS
  if (d.length !== 2 * n * bs) throw invalidCdb(lenByte, 7);
  if (n === 0) return {};
  const verify = d.subarray(0, n * bs);
  const write = d.subarray(n * bs);
  await locked(ctx, lba, BigInt(n), true, async () => {
    if (!core.quirks.has(Q.CAW_NO_COMPARE)) {
      const medium = await lu.readBlocks(lba, BigInt(n));
      const at = firstDiff(verify, medium);
      // SBC-4 5.3: MISCOMPARE with the offset of the first differing byte in INFORMATION; nothing written
      if (at >= 0) throw miscompare(ctx, at);
    }
    checkAbort(ctx);
    await lu.writeBytes(lba, write);
    await durable(ctx, ctx.f.on('fua'));
  });
  return {};
};

// --- ORWRITE (16) (SBC-4 5.10) ------------------------------------------------------------------------------

const orWrite: CommandSpec['handler'] = async (ctx) => {
  const { lu } = ctx;
  checkProtect(ctx);
  const { lba, n, lenByte } = lbaLen(ctx);
  // each block becomes the OR of what it holds and the Data-Out (SBC-4 5.10, BMOP 000b)
  const store = async (data: Buffer): Promise<void> => {
    const cur = await lu.readBlocks(lba, BigInt(Math.ceil(data.length / lu.blockSize)));
    if (ctx.core.quirks.has(Q.ORWRITE_NO_OR)) data.copy(cur);
    else for (let i = 0; i < data.length; i++) cur[i] = cur[i]! | data[i]!;
    await lu.writeBytes(lba, cur.subarray(0, data.length));
  };
  return doWrite(ctx, lba, n, lenByte, ctx.f.on('fua'), { store });
};

// --- WRITE ATOMIC (16) (SBC-4 5.48) -------------------------------------------------------------------------

const writeAtomic: CommandSpec['handler'] = async (ctx) => {
  const { lu, core } = ctx;
  checkProtect(ctx);
  const { lba, n, lenByte } = lbaLen(ctx);
  // MAXIMUM ATOMIC BOUNDARY SIZE is 0: an ATOMIC BOUNDARY is not supported
  if (ctx.f.num('atomicBoundary') !== 0) throw invalidCdb(ctx.f.byteOf('atomicBoundary'), 7);
  lu.requireMedium();
  lu.requireWritable();
  lu.checkRange(lba, BigInt(n));
  const l = lu.limits;
  const lax = core.quirks.has(Q.NO_TRANSFER_LIMIT);
  if (n > l.maxAtomicTransfer && !lax) throw invalidCdb(lenByte, 7);
  if (l.atomicGranularity > 1 && n % l.atomicGranularity !== 0 && !lax) throw invalidCdb(lenByte, 7);
  if (l.atomicAlignment > 1 && lba % BigInt(l.atomicAlignment) !== 0n && !lax) throw invalidCdb(ctx.f.byteOf('lba'), 7);
  const { data, transferLength } = dataOut(ctx, n * lu.blockSize);
  const out: HandlerResult = transferLength === undefined ? {} : { transferLength };
  if (n === 0) return out;
  // SBC-4 4.29: all the blocks or none; a Data-Out short of them cannot be written atomically (FCP-4 9.4.2 b)
  if (data.length < n * lu.blockSize) throw ioInformationUnit();
  // atomic: one store write under an exclusive range lock
  await locked(ctx, lba, BigInt(n), true, async () => {
    await lu.writeBytes(lba, data);
    await durable(ctx, ctx.f.on('fua'));
  });
  return out;
};

// --- PRE-FETCH / SYNCHRONIZE CACHE (SBC-4 5.13, 5.14, 5.33, 5.34) ----------------------------------------------

const preFetch: CommandSpec['handler'] = async (ctx) => {
  const { lu } = ctx;
  const { lba, n, lenByte } = lbaLen(ctx);
  checkTransfer(ctx, n, lenByte, lu.limits.maxPrefetch);
  lu.requireMedium();
  lu.checkRange(lba, BigInt(n));
  // the emulated read cache exists only with RCD=0; CONDITION MET when the whole range fits it, GOOD when
  // it does not (or when there is no cache), with IMMED as soon as the CDB is validated
  const fits = !lu.mode.rcd && n <= lu.limits.readCacheBlocks;
  return fits ? { status: ScsiStatus.CONDITION_MET } : {};
};

const syncCache: CommandSpec['handler'] = async (ctx) => {
  const { lu, itKey } = ctx;
  const immed = ctx.f.on('immed');
  const { lba, n } = lbaLen(ctx);
  lu.requireMedium();
  lu.checkRange(lba, BigInt(n)); // 0 blocks: from LBA to the end
  if (immed) {
    lu.flush().catch((e: unknown) => {
      if (e instanceof CheckCondition) lu.addDeferred(itKey, e);
    });
    return {};
  }
  await lu.flush();
  return {};
};

// --- READ CAPACITY (SBC-4 5.20, 5.21) -----------------------------------------------------------------------

function lastLba(ctx: Ctx): number {
  return ctx.core.quirks.has(Q.READCAP_OFF_BY_ONE) ? ctx.lu.blocks : ctx.lu.blocks - 1;
}

const readCapacity10: CommandSpec['handler'] = async (ctx) => {
  ctx.lu.requireMedium();
  return { data: encodeReadCapacity10({ lastLba: lastLba(ctx), blockLength: ctx.lu.blockSize }) };
};

const readCapacity16: CommandSpec['handler'] = async (ctx) => {
  const { lu } = ctx;
  lu.requireMedium();
  const alloc = ctx.f.num('alloc');
  const data = encodeReadCapacity16({
    lastLba: lastLba(ctx),
    blockLength: lu.blockSize,
    lbppbExponent: lu.lbppbExponent,
    // SBC-4 5.21.2: LBPME and LBPRZ agree with the Logical Block Provisioning VPD page
    lbpme: lu.thin,
    lbprz: lu.thin,
    lowestAlignedLba: 0,
  });
  return { data: data.length > alloc ? data.subarray(0, alloc) : data };
};

// --- READ DEFECT DATA (SBC-4 5.22, 5.23) -------------------------------------------------------------------

const readDefect: CommandSpec['handler'] = async (ctx) => {
  const { lu, f } = ctx;
  const twelve = ctx.cdb[0] === Op.READ_DEFECT_DATA_12;
  const format = f.num('format');
  if (format === 7) throw invalidCdb(f.byteOf('format'), 2); // 111b is reserved
  lu.requireMedium();
  // the emulated medium has no defects: both lists are empty, in whatever format was asked
  const o = { plistv: f.on('reqPlist'), glistv: f.on('reqGlist'), format };
  const data = twelve ? encodeDefectData12(o) : encodeDefectData10(o);
  const alloc = f.num('alloc');
  return { data: data.length > alloc ? data.subarray(0, alloc) : data };
};

// --- START STOP UNIT (SBC-4 5.31) ---------------------------------------------------------------------------

const startStop: CommandSpec['handler'] = async (ctx) => {
  const { lu, core, itKey, f } = ctx;
  const pcm = f.num('powerConditionModifier');
  const pc = f.num('powerCondition');
  const noFlush = f.on('noFlush');
  const loej = f.on('loej');
  const start = f.on('start');
  if (pc === 0 && pcm !== 0) throw invalidCdb(f.byteOf('powerConditionModifier'), 3);
  if (pc !== 0) {
    // START and LOEJ are ignored (SBC-4 5.31). Every POWER CONDITION value is accepted: libiscsi's
    // StartStopUnit.PwrCnd requires GOOD for all of 1h..Fh.
    if (pc === 2) lu.power = 'idle';
    else if (pc === 3) lu.power = 'standby';
    else if (pc === 1) lu.power = 'active';
    if (!noFlush && lu.power !== 'active' && lu.mediumPresent) await lu.flush();
    return {};
  }
  if (loej && !lu.removable) throw invalidCdb(4, 1);
  if (!loej) {
    if (start) {
      lu.requireMedium();
      lu.power = 'active';
    } else {
      if (!noFlush && lu.mediumPresent) await lu.flush();
      // the stopped condition ends with the next medium access (no spindle to spin up)
      lu.power = 'stopped';
    }
    return {};
  }
  // SBC-4 5.15: medium removal is refused while any I_T nexus prevents it
  if (lu.prevent.size > 0 && !core.quirks.has(Q.NO_MEDIUM_REMOVAL_PREVENT)) {
    throw new CheckCondition(SenseKey.ILLEGAL_REQUEST, Asc.MEDIUM_REMOVAL_PREVENTED);
  }
  await locked(ctx, 0n, BigInt(lu.blocks), true, async () => {
    if (start) {
      if (!lu.mediumPresent) {
        lu.mediumPresent = true;
        lu.power = 'active';
        for (const k of core.itKeys()) if (k !== itKey) lu.establishUa(k, Asc.NOT_READY_TO_READY_CHANGE);
      }
    } else if (lu.mediumPresent) {
      if (!noFlush) await lu.flush();
      lu.mediumPresent = false;
    }
  });
  return {};
};

// --- SANITIZE (SBC-4 5.30, 4.11) ---------------------------------------------------------------------------

/** Starts the sanitize operation; it runs apart from the task (an abort or a reset does not stop it). */
function startSanitize(ctx: Ctx, sa: number, ause: boolean, pattern: Buffer | null): SanitizeOp {
  const { lu, core } = ctx;
  let resolveDone!: () => void;
  const op: SanitizeOp = { sa, started: Date.now(), workDone: 0, failed: false, done: new Promise((r) => (resolveDone = r)) };
  lu.sanitizeOp = op;
  lu.sanitizeFailure = null;
  const work = async () => {
    const release = await lu.lock(null, 0n, BigInt(lu.blocks), true);
    try {
      const progress = (f: number) => (op.workDone = f);
      // OVERWRITE fills the pattern. BLOCK ERASE and CRYPTOGRAPHIC ERASE leave every LBA deallocated on a
      // thin LU (it reads as zeros, LBPRZ 1); on a fully provisioned LU they set every block to zeros, the
      // vendor-specific value of the erase (SBC-4 4.11: not the previous user data). Reads then succeed
      // (Block Device Characteristics WABEREQ / WACEREQ 01b).
      if (pattern) await lu.io(() => lu.store.fill(pattern, progress), 'write');
      else if (lu.thin) await lu.deallocate(0, lu.blocks, false);
      else await lu.io(() => lu.store.fill(Buffer.alloc(lu.blockSize), progress), 'write');
      op.workDone = 1;
      await lu.flush();
      const left = core.sanitizeDurationMs - (Date.now() - op.started);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    } catch {
      op.failed = true;
      lu.sanitizeFailure = { ause };
    } finally {
      release();
      lu.sanitizeOp = null;
      resolveDone();
    }
  };
  void work();
  return op;
}

function sanitize(sa: number): CommandSpec['handler'] {
  return async (ctx) => {
    const { lu, f } = ctx;
    const immed = f.on('immed');
    const ause = f.on('ause');
    const len = f.num('paramLen');
    const bs = lu.blockSize;
    if (sa === SanitizeSa.OVERWRITE) {
      // SBC-4 5.30: the OVERWRITE parameter list is 5 .. block length + 4 bytes
      if (len < 5 || len > bs + 4) throw invalidCdb(7, 7);
    } else if (len !== 0) {
      throw invalidCdb(7, 7);
    }
    if (sa === SanitizeSa.EXIT_FAILURE_MODE) {
      if (!lu.mediumPresent) throw new CheckCondition(SenseKey.NOT_READY, Asc.MEDIUM_NOT_PRESENT);
      if (lu.sanitizeFailure) {
        if (!lu.sanitizeFailure.ause) throw invalidCdb(1, 4);
        lu.sanitizeFailure = null; // completes the failed sanitize without error; contents indeterminate
      }
      return {};
    }
    if (!lu.mediumPresent) throw new CheckCondition(SenseKey.NOT_READY, Asc.MEDIUM_NOT_PRESENT);
    lu.requireWritable();
    let pattern: Buffer | null = null;
    const out: HandlerResult = {};
    if (sa === SanitizeSa.OVERWRITE) {
      const { data: params, transferLength } = dataOut(ctx, len);
      if (transferLength !== undefined) out.transferLength = transferLength;
      if (params.length < len) throw paramListLengthError();
      const p = parseSanitizeOverwriteParameterList(params)!;
      if (p.test !== 0) throw invalidParam(0, 6);
      if (p.count === 0) throw invalidParam(0, 4);
      if (p.reserved1 !== 0) throw invalidParam(1, topBit(p.reserved1));
      if (p.patternLength === 0 || p.patternLength > bs) throw invalidParam(2);
      if (4 + p.patternLength > len) throw paramListLengthError();
      if (4 + p.patternLength < len) throw invalidParam(2);
      // the pattern is repeated to fill a block; with INVERT the passes alternate, the last decides
      const block = Buffer.alloc(bs);
      for (let i = 0; i < bs; i++) block[i] = p.pattern[i % p.patternLength]!;
      if (p.invert && p.count % 2 === 0) for (let i = 0; i < bs; i++) block[i] = ~block[i]! & 0xff;
      pattern = block;
    }
    const op = startSanitize(ctx, sa, ause, pattern);
    if (immed) return out;
    await new Promise<void>((resolve, reject) => {
      const unhook = ctx.task.onAbort(() => reject(new TaskAborted()));
      op.done.then(() => {
        unhook();
        resolve();
      }, reject);
    });
    if (op.failed) throw new CheckCondition(SenseKey.MEDIUM_ERROR, Asc.SANITIZE_COMMAND_FAILED);
    return out;
  };
}

// --- the table -----------------------------------------------------------------------------------------------

const thin = (lu: LogicalUnit) => lu.thin;

/** A command of the catalogue with its reservation access and handler. */
const spec = (op: number, access: CommandSpec['access'], handler: CommandSpec['handler'], extra: Partial<CommandSpec> = {}): CommandSpec => ({
  ...catalogued(op),
  access,
  handler,
  ...extra,
});

function sanitizeSpec(sa: number): CommandSpec {
  return { ...catalogued(Op.SANITIZE, sa), timeout: 3600, access: 'write', handler: sanitize(sa) };
}

/** The same handler, access and extras for each of `ops`. */
const specs = (ops: number[], access: CommandSpec['access'], handler: CommandSpec['handler'], extra: Partial<CommandSpec> = {}): CommandSpec[] =>
  ops.map((op) => spec(op, access, handler, extra));

export const sbcCommands: CommandSpec[] = [
  ...specs([Op.READ_6, Op.READ_10, Op.READ_12, Op.READ_16], 'read', readN),
  ...specs([Op.WRITE_6, Op.WRITE_10, Op.WRITE_12, Op.WRITE_16], 'write', writeN),
  ...specs([Op.WRITE_AND_VERIFY_10, Op.WRITE_AND_VERIFY_12, Op.WRITE_AND_VERIFY_16], 'write', writeVerifyN),
  ...specs([Op.VERIFY_10, Op.VERIFY_12, Op.VERIFY_16], 'read', verifyN),
  ...specs([Op.PRE_FETCH_10, Op.PRE_FETCH_16], 'read', preFetch),
  ...specs([Op.SYNCHRONIZE_CACHE_10, Op.SYNCHRONIZE_CACHE_16], 'write', syncCache),
  ...specs([Op.WRITE_SAME_10, Op.WRITE_SAME_16], 'write', writeSame, { timeout: 120 }),
  ...specs([Op.READ_DEFECT_DATA_10, Op.READ_DEFECT_DATA_12], 'read', readDefect),
  // SBC-4 reservations table: START=1 with POWER CONDITION 0h is allowed through any reservation; stopping,
  // ejecting or changing the power condition conflicts like a write
  spec(Op.START_STOP_UNIT, (cdb) => ((cdb[4]! & 0x01) === 1 && cdb[4]! >> 4 === 0 ? 'any' : 'write'), startStop),
  spec(Op.READ_CAPACITY_10, 'any', readCapacity10),
  spec(Op.UNMAP, 'write', unmapCmd, { available: thin, timeout: 120 }),
  spec(Op.COMPARE_AND_WRITE, 'write', compareAndWrite),
  spec(Op.ORWRITE_16, 'write', orWrite),
  spec(Op.WRITE_ATOMIC_16, 'write', writeAtomic),
  { ...catalogued(Op.SERVICE_ACTION_IN_16, SaIn16.READ_CAPACITY_16), access: 'any', handler: readCapacity16 },
  // REPORT TYPE (SBC-4 5.6) is not evaluated: every LBA is reported, so a non-zero REPORT TYPE is rejected
  { ...catalogued(Op.SERVICE_ACTION_IN_16, SaIn16.GET_LBA_STATUS, ['reportType']), access: 'read', handler: getLbaStatus },
  // SANITIZE BLOCK ERASE on every LU: SBC-4 does not tie it to logical block provisioning (libiscsi 1.19's
  // Sanitize.BlockErase does: it fails a fully provisioned LU that offers it, asserting LBPME=1)
  ...[SanitizeSa.OVERWRITE, SanitizeSa.BLOCK_ERASE, SanitizeSa.CRYPTOGRAPHIC_ERASE, SanitizeSa.EXIT_FAILURE_MODE].map(sanitizeSpec),
];
