/**
 * The RFC 7143 section 11 PDU diagrams, one function a PDU, written with the independent builder of
 * wire.ts: each writes the fields at the byte offsets the RFC gives (checked by `at`), then the data
 * segment and its zero padding. Shared by the codec, framing, parser and fuzz tests.
 */
import { bhsStart, wire, Wire } from './wire.js';

const EMPTY = Buffer.alloc(0);

/** An AHS (11.2.2): AHSLength (bytes of AHS-Specific), AHSType, AHS-Specific, padded to 4. */
export function ahsWire(type: number, specific: Buffer): Wire {
  return wire().u16(specific.length).u8(type).append(specific).pad4();
}
/** Extended CDB AHS (11.2.2.3): AHSLength = CDBLength - 15, type 1, a reserved byte, CDB bytes 16... */
export const extCdbAhs = (cdb: Buffer): Wire =>
  wire()
    .u16(cdb.length - 15)
    .u8(0x01)
    .u8(0)
    .append(cdb.subarray(16))
    .pad4();
/** Bidirectional Read Expected Data Transfer Length AHS (11.2.2.4): AHSLength 5, type 2, reserved, length. */
export const bidiAhs = (len: number): Wire => wire().u16(0x0005).u8(0x02).u8(0).u32(len);

function withData(header: Wire, data: Buffer | undefined): Buffer {
  return header
    .append(data ?? EMPTY)
    .pad4()
    .build();
}

const F = 0x80;

export const diagrams = {
  /** 11.18 NOP-Out. */
  nopOut(p: { immediate?: boolean; lun: bigint; itt: number; ttt: number; cmdSN: number; expStatSN: number; data?: Buffer }): Buffer {
    const h = bhsStart({ opcode: 0x00, immediate: p.immediate, byte1: F, dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .u32(p.cmdSN)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .zeros(16)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.19 NOP-In. */
  nopIn(p: { lun: bigint; itt: number; ttt: number; statSN: number; expCmdSN: number; maxCmdSN: number; data?: Buffer }): Buffer {
    const h = bhsStart({ opcode: 0x20, byte1: F, dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .zeros(12)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.3 SCSI Command: byte 1 = F|R|W|0 0|ATTR, CDB at 32 (short CDBs zero-padded), AHS after the BHS. */
  scsiCommand(p: {
    immediate?: boolean;
    final: boolean;
    read: boolean;
    write: boolean;
    attr: number;
    lun: bigint;
    itt: number;
    edtl: number;
    cmdSN: number;
    expStatSN: number;
    cdb: Buffer;
    ahs?: Wire[];
    data?: Buffer;
  }): Buffer {
    const ahs = wire();
    for (const a of p.ahs ?? []) ahs.append(a);
    const byte1 = (p.final ? 0x80 : 0) | (p.read ? 0x40 : 0) | (p.write ? 0x20 : 0) | p.attr;
    const cdb16 = Buffer.alloc(16);
    p.cdb.copy(cdb16, 0, 0, Math.min(16, p.cdb.length));
    const h = bhsStart({ opcode: 0x01, immediate: p.immediate, byte1, ahsWords: ahs.length / 4, dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.edtl)
      .at(24)
      .u32(p.cmdSN)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .append(cdb16)
      .at(48)
      .append(ahs);
    return withData(h, p.data);
  },
  /** 11.4 SCSI Response: byte 1 = 1 0 0 o u O U 0. */
  scsiResponse(p: {
    o?: boolean;
    u?: boolean;
    O?: boolean;
    U?: boolean;
    response: number;
    status: number;
    itt: number;
    snackTag: number;
    statSN: number;
    expCmdSN: number;
    maxCmdSN: number;
    expDataSN: number;
    bidiResidual: number;
    residual: number;
    data?: Buffer;
  }): Buffer {
    const byte1 = 0x80 | (p.o ? 0x10 : 0) | (p.u ? 0x08 : 0) | (p.O ? 0x04 : 0) | (p.U ? 0x02 : 0);
    const h = bhsStart({ opcode: 0x21, byte1, byte2: p.response, byte3: p.status, dsl: p.data?.length ?? 0 })
      .at(8)
      .zeros(8)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.snackTag)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .u32(p.expDataSN)
      .at(40)
      .u32(p.bidiResidual)
      .at(44)
      .u32(p.residual)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.5 Task Management Function Request: byte 1 = 1|Function. */
  tmfRequest(p: {
    immediate?: boolean;
    fn: number;
    lun: bigint;
    itt: number;
    rtt: number;
    cmdSN: number;
    expStatSN: number;
    refCmdSN: number;
    expDataSN: number;
  }): Buffer {
    return bhsStart({ opcode: 0x02, immediate: p.immediate, byte1: 0x80 | p.fn })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.rtt)
      .at(24)
      .u32(p.cmdSN)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .u32(p.refCmdSN)
      .at(36)
      .u32(p.expDataSN)
      .at(40)
      .zeros(8)
      .at(48)
      .build();
  },
  /** 11.6 Task Management Function Response: Response at byte 2. */
  tmfResponse(p: { response: number; itt: number; statSN: number; expCmdSN: number; maxCmdSN: number }): Buffer {
    return bhsStart({ opcode: 0x22, byte1: F, byte2: p.response })
      .at(8)
      .zeros(8)
      .at(16)
      .u32(p.itt)
      .at(20)
      .zeros(4)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .zeros(12)
      .at(48)
      .build();
  },
  /** 11.7.1 SCSI Data-Out. */
  dataOut(p: { final: boolean; lun: bigint; itt: number; ttt: number; expStatSN: number; dataSN: number; offset: number; data?: Buffer }): Buffer {
    const h = bhsStart({ opcode: 0x05, byte1: p.final ? 0x80 : 0, dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .zeros(4)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .zeros(4)
      .at(36)
      .u32(p.dataSN)
      .at(40)
      .u32(p.offset)
      .at(44)
      .zeros(4)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.7.1 SCSI Data-In: byte 1 = F A 0 0 0 O U S, Status at byte 3. */
  dataIn(p: {
    F?: boolean;
    A?: boolean;
    O?: boolean;
    U?: boolean;
    S?: boolean;
    status: number;
    lun: bigint;
    itt: number;
    ttt: number;
    statSN: number;
    expCmdSN: number;
    maxCmdSN: number;
    dataSN: number;
    offset: number;
    residual: number;
    data?: Buffer;
  }): Buffer {
    const byte1 = (p.F ? 0x80 : 0) | (p.A ? 0x40 : 0) | (p.O ? 0x04 : 0) | (p.U ? 0x02 : 0) | (p.S ? 0x01 : 0);
    const h = bhsStart({ opcode: 0x25, byte1, byte3: p.status, dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .u32(p.dataSN)
      .at(40)
      .u32(p.offset)
      .at(44)
      .u32(p.residual)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.8 Ready To Transfer (R2T). */
  r2t(p: { lun: bigint; itt: number; ttt: number; statSN: number; expCmdSN: number; maxCmdSN: number; r2tSN: number; offset: number; ddtl: number }): Buffer {
    return bhsStart({ opcode: 0x31, byte1: F })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .u32(p.r2tSN)
      .at(40)
      .u32(p.offset)
      .at(44)
      .u32(p.ddtl)
      .at(48)
      .build();
  },
  /** 11.9 Asynchronous Message: ITT 0xffffffff; AsyncEvent 36, AsyncVCode 37, Parameter1-3 at 38, 40, 42. */
  asyncMessage(p: {
    lun: bigint;
    statSN: number;
    expCmdSN: number;
    maxCmdSN: number;
    event: number;
    vcode: number;
    p1: number;
    p2: number;
    p3: number;
    data?: Buffer;
  }): Buffer {
    const h = bhsStart({ opcode: 0x32, byte1: F, dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(0xffffffff)
      .at(20)
      .zeros(4)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .u8(p.event)
      .u8(p.vcode)
      .at(38)
      .u16(p.p1)
      .at(40)
      .u16(p.p2)
      .at(42)
      .u16(p.p3)
      .at(44)
      .zeros(4)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.10 Text Request: byte 1 = F C 0 0 0 0 0 0. */
  textRequest(p: {
    immediate?: boolean;
    final: boolean;
    cont: boolean;
    lun: bigint;
    itt: number;
    ttt: number;
    cmdSN: number;
    expStatSN: number;
    data?: Buffer;
  }): Buffer {
    const h = bhsStart({ opcode: 0x04, immediate: p.immediate, byte1: (p.final ? 0x80 : 0) | (p.cont ? 0x40 : 0), dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .u32(p.cmdSN)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .zeros(16)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.11 Text Response. */
  textResponse(p: {
    final: boolean;
    cont: boolean;
    lun: bigint;
    itt: number;
    ttt: number;
    statSN: number;
    expCmdSN: number;
    maxCmdSN: number;
    data?: Buffer;
  }): Buffer {
    const h = bhsStart({ opcode: 0x24, byte1: (p.final ? 0x80 : 0) | (p.cont ? 0x40 : 0), dsl: p.data?.length ?? 0 })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.ttt)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .zeros(12)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.12 Login Request: byte 0 = .|1|0x03, byte 1 = T C 0 0 CSG(2) NSG(2), ISID 8-13, TSIH 14, CID 20. */
  loginRequest(p: {
    T: boolean;
    C: boolean;
    csg: number;
    nsg: number;
    vmax: number;
    vmin: number;
    isid: number;
    tsih: number;
    itt: number;
    cid: number;
    cmdSN: number;
    expStatSN: number;
    data?: Buffer;
  }): Buffer {
    const byte1 = (p.T ? 0x80 : 0) | (p.C ? 0x40 : 0) | (p.csg << 2) | p.nsg;
    const h = bhsStart({ opcode: 0x03, immediate: true, byte1, byte2: p.vmax, byte3: p.vmin, dsl: p.data?.length ?? 0 })
      .at(8)
      .u48(p.isid)
      .at(14)
      .u16(p.tsih)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u16(p.cid)
      .at(22)
      .zeros(2)
      .at(24)
      .u32(p.cmdSN)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .zeros(16)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.13 Login Response: Version-max 2, Version-active 3, Status-Class 36, Status-Detail 37. */
  loginResponse(p: {
    T: boolean;
    C: boolean;
    csg: number;
    nsg: number;
    vmax: number;
    vactive: number;
    isid: number;
    tsih: number;
    itt: number;
    statSN: number;
    expCmdSN: number;
    maxCmdSN: number;
    cls: number;
    detail: number;
    data?: Buffer;
  }): Buffer {
    const byte1 = (p.T ? 0x80 : 0) | (p.C ? 0x40 : 0) | (p.csg << 2) | p.nsg;
    const h = bhsStart({ opcode: 0x23, byte1, byte2: p.vmax, byte3: p.vactive, dsl: p.data?.length ?? 0 })
      .at(8)
      .u48(p.isid)
      .at(14)
      .u16(p.tsih)
      .at(16)
      .u32(p.itt)
      .at(20)
      .zeros(4)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .u8(p.cls)
      .u8(p.detail)
      .at(38)
      .zeros(10)
      .at(48);
    return withData(h, p.data);
  },
  /** 11.14 Logout Request: byte 1 = 1|Reason Code, CID at 20. */
  logoutRequest(p: { immediate?: boolean; reason: number; itt: number; cid: number; cmdSN: number; expStatSN: number }): Buffer {
    return bhsStart({ opcode: 0x06, immediate: p.immediate, byte1: 0x80 | p.reason })
      .at(8)
      .zeros(8)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u16(p.cid)
      .zeros(2)
      .at(24)
      .u32(p.cmdSN)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .zeros(16)
      .at(48)
      .build();
  },
  /** 11.15 Logout Response: Response at 2, Time2Wait 40, Time2Retain 42. */
  logoutResponse(p: { response: number; itt: number; statSN: number; expCmdSN: number; maxCmdSN: number; t2w: number; t2r: number }): Buffer {
    return bhsStart({ opcode: 0x26, byte1: F, byte2: p.response })
      .at(8)
      .zeros(8)
      .at(16)
      .u32(p.itt)
      .at(20)
      .zeros(4)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .zeros(4)
      .at(40)
      .u16(p.t2w)
      .at(42)
      .u16(p.t2r)
      .at(44)
      .zeros(4)
      .at(48)
      .build();
  },
  /** 11.16 SNACK Request: byte 1 = 1 0 0 0 Type, BegRun 40, RunLength 44. */
  snack(p: { type: number; lun: bigint; itt: number; tag: number; expStatSN: number; begRun: number; runLength: number }): Buffer {
    return bhsStart({ opcode: 0x10, byte1: 0x80 | p.type })
      .at(8)
      .u64(p.lun)
      .at(16)
      .u32(p.itt)
      .at(20)
      .u32(p.tag)
      .at(24)
      .zeros(4)
      .at(28)
      .u32(p.expStatSN)
      .at(32)
      .zeros(8)
      .at(40)
      .u32(p.begRun)
      .at(44)
      .u32(p.runLength)
      .at(48)
      .build();
  },
  /** 11.17 Reject: Reason at 2, ITT 0xffffffff, DataSN/R2TSN at 36; data = the rejected PDU's header. */
  reject(p: { reason: number; statSN: number; expCmdSN: number; maxCmdSN: number; sn: number; data?: Buffer }): Buffer {
    const h = bhsStart({ opcode: 0x3f, byte1: F, byte2: p.reason, dsl: p.data?.length ?? 0 })
      .at(8)
      .zeros(8)
      .at(16)
      .u32(0xffffffff)
      .at(20)
      .zeros(4)
      .at(24)
      .u32(p.statSN)
      .at(28)
      .u32(p.expCmdSN)
      .at(32)
      .u32(p.maxCmdSN)
      .at(36)
      .u32(p.sn)
      .at(40)
      .zeros(8)
      .at(48);
    return withData(h, p.data);
  },
};

/** Header (BHS + AHS) and data segment of unframed hand-built bytes, read from bytes 4-7 (11.2.1). */
export function splitPdu(b: Buffer): { header: Buffer; data: Buffer } {
  const hlen = 48 + b[4]! * 4;
  const dsl = (b[5]! << 16) | (b[6]! << 8) | b[7]!;
  return { header: b.subarray(0, hlen), data: b.subarray(hlen, hlen + dsl) };
}
