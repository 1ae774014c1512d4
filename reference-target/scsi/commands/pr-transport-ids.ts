/**
 * TransportIDs in PERSISTENT RESERVE OUT parameter lists (SPC-5 TransportID, iSCSI: PROTOCOL IDENTIFIER 5h,
 * FORMAT CODE 00b naming an initiator device by its iSCSI name, 01b naming one initiator port as
 * `name,i,0x<ISID>`): decoded and checked here, and turned into the initiator ports a REGISTER with SPEC_I_PT
 * or a REGISTER AND MOVE registers.
 *
 * The device server registers only initiators it knows: an iSCSI name that has an I_T nexus with this target
 * (any ISID for format 01b, so that a port that logs in later can be named). A TransportID naming anything else
 * (an unknown name, another transport protocol, a reserved format code, an empty name) is an invalid field
 * of the parameter list: INVALID FIELD IN PARAMETER LIST, its field pointer on the TransportID's byte.
 */
import { iscsiTransportId } from '../../../protocol/scsi/pr.js';
import { invalidParam, paramListLengthError } from '../check.js';
import type { Nexus } from '../types.js';

/** PROTOCOL IDENTIFIER of iSCSI (SPC-5 protocol identifier values). */
const ISCSI = 0x5;
/** The smallest iSCSI TransportID: 4 header bytes and an ADDITIONAL LENGTH of at least 20. */
const MIN_ISCSI_TID = 24;

/** One initiator port named by a TransportID. */
export interface NamedPort {
  /** Its initiator port name, as the transport writes it (`name,i,0x<isid>`). */
  initiatorPort: string;
  /** The format 01b TransportID of the port (READ FULL STATUS reports it). */
  transportId: Buffer;
}

/** A decoded iSCSI TransportID and where it sits in the parameter list. */
export interface IscsiTid {
  name: string;
  /** Format 01b: the ISID, 12 lower-case hex digits. */
  isid?: string;
  /** Offset of the TransportID in the parameter list (field pointers point there). */
  at: number;
  /** Its length in bytes. */
  length: number;
}

/**
 * The TransportID at `at` of `list`, which must end by `end`: a TransportID running past `end` is a
 * PARAMETER LIST LENGTH ERROR (the TransportID length fields truncate it: SPC-5 PERSISTENT RESERVE OUT
 * parameter lists), any other defect an INVALID FIELD IN PARAMETER LIST.
 */
export function decodeTid(list: Buffer, at: number, end: number): IscsiTid {
  if (at + 4 > end) throw paramListLengthError();
  const b0 = list[at]!;
  if ((b0 & 0x0f) !== ISCSI) throw invalidParam(at, 3);
  const format = b0 >> 6;
  if (format > 1) throw invalidParam(at, 7);
  if (b0 & 0x30) throw invalidParam(at, 5);
  const len = list.readUInt16BE(at + 2);
  // ADDITIONAL LENGTH: at least 20 and a multiple of 4 (SPC-5 iSCSI TransportID)
  if (len < MIN_ISCSI_TID - 4 || len % 4 !== 0) throw invalidParam(at + 2);
  if (at + 4 + len > end) throw paramListLengthError();
  const body = list.subarray(at + 4, at + 4 + len);
  const nul = body.indexOf(0);
  // the name must be NUL terminated inside the TransportID
  if (nul <= 0) throw invalidParam(at + 4);
  const text = body.subarray(0, nul).toString('utf8');
  const out: IscsiTid = { name: text, at, length: 4 + len };
  if (format === 1) {
    const m = /^(.+),i,0x([0-9a-fA-F]{12})$/.exec(text);
    if (!m) throw invalidParam(at + 4);
    out.name = m[1]!;
    out.isid = m[2]!.toLowerCase();
  } else if (text.includes(',i,0x')) throw invalidParam(at + 4);
  return out;
}

/**
 * The initiator ports a TransportID names among the I_T nexuses of this target (`targetName`): format 01b its one
 * port, format 00b every port of that initiator device with a nexus now. An iSCSI name without any nexus to
 * the target names no initiator the device server knows: INVALID FIELD IN PARAMETER LIST.
 */
export function portsOf(tid: IscsiTid, nexuses: readonly Nexus[], targetName: string): NamedPort[] {
  const known = nexuses.filter((n) => n.targetName === targetName && n.initiatorName === tid.name);
  if (known.length === 0) throw invalidParam(tid.at + 4);
  if (tid.isid !== undefined) return [{ initiatorPort: `${tid.name},i,0x${tid.isid}`, transportId: iscsiTransportId(tid.name, tid.isid) }];
  const ports = new Map<string, NamedPort>();
  for (const n of known) if (!ports.has(n.initiatorPort)) ports.set(n.initiatorPort, { initiatorPort: n.initiatorPort, transportId: n.transportId });
  return [...ports.values()];
}
