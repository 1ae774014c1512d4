/**
 * Pure SCSI codecs (no I/O): operation codes, status, sense data, the command catalogue with its CDB codec
 * and builders, and parsers / encoders for
 * INQUIRY, VPD pages, READ CAPACITY, mode parameters, REPORT LUNS, REPORT SUPPORTED OPERATION CODES,
 * GET LBA STATUS, READ DEFECT DATA and PERSISTENT RESERVE IN data.
 */
export * from './opcodes.js';
export * from './status.js';
export * from './sense.js';
export * from './catalogue.js';
export * from './cdbcodec.js';
export * from './cdb.js';
export * from './inquiry.js';
export * from './vpd.js';
export * from './vpdext.js';
export * from './capacity.js';
export * from './mode.js';
export * from './luns.js';
export * from './rsoc.js';
export * from './rtpg.js';
export * from './lbastatus.js';
export * from './pr.js';
export * from './defect.js';
export * from './clauses.js';
export { hexBytes, type U64 } from './util.js';
export * from './xcopy.js';
export * from './tpcvpd.js';
