/**
 * The iSCSI side's view of the quirk registry, which lives in scsi/quirk-registry.ts so that the SCSI
 * device server does not import from this folder; files here keep importing './quirks.js'.
 */
export { allQuirks, defineQuirk, NO_QUIRKS, Quirks, type QuirkDef } from './scsi/quirk-registry.js';
