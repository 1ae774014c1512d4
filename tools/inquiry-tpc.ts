/**
 * The Third-party Copy VPD page (8Fh) as a section of the `inquiry` tool: the page's descriptors in page order,
 * each a part with its decoded fields (or its parameters in hex when this project does not decode that type).
 */
import { hexBytes, parseThirdPartyCopyVpd, TPC_DESCRIPTOR_NAMES, TpcDescriptor, type ThirdPartyCopyVpd } from '../protocol/scsi/index.js';
import type { Section } from './common.js';

const hx = (v: number, w = 2): string => `0x${v.toString(16).padStart(w, '0')}`;
const list = (codes: number[], w = 2): string => codes.map((c) => hx(c, w)).join(' ') || 'none';

function descriptorFields(p: ThirdPartyCopyVpd, type: number, parameters: Buffer): Section['fields'] {
  switch (type) {
    case TpcDescriptor.SUPPORTED_COMMANDS:
      return (p.supportedCommands ?? []).map((c): [string, string] => [`OPERATION CODE ${hx(c.opcode)}`, `service actions ${list(c.serviceActions)}`]);
    case TpcDescriptor.PARAMETER_DATA: {
      const d = p.parameterData!;
      return [
        ['MAXIMUM CSCD DESCRIPTOR COUNT', d.maxCscdDescriptors],
        ['MAXIMUM SEGMENT DESCRIPTOR COUNT', d.maxSegmentDescriptors],
        ['MAXIMUM DESCRIPTOR LIST LENGTH', d.maxDescriptorListLength],
        ['MAXIMUM INLINE DATA LENGTH', d.maxInlineDataLength],
      ];
    }
    case TpcDescriptor.SUPPORTED_DESCRIPTORS:
      return [['DESCRIPTOR TYPE CODES', list(p.supportedDescriptors ?? [])]];
    case TpcDescriptor.SUPPORTED_CSCD_IDS:
      return [['CSCD IDS', list(p.supportedCscdIds ?? [], 4)]];
    case TpcDescriptor.GENERAL_COPY_OPERATIONS: {
      const g = p.generalCopyOperations!;
      return [
        ['TOTAL CONCURRENT COPIES', g.totalConcurrentCopies],
        ['MAXIMUM IDENTIFIED CONCURRENT COPIES', g.maxIdentifiedConcurrentCopies],
        ['MAXIMUM SEGMENT LENGTH', g.maxSegmentLength],
        ['DATA SEGMENT GRANULARITY (log2)', g.dataSegmentGranularity],
        ['INLINE DATA GRANULARITY (log2)', g.inlineDataGranularity],
      ];
    }
    default:
      return [['PARAMETERS', hexBytes(parameters)]];
  }
}

/** The page's header fields and one part per third-party copy descriptor. */
export function thirdPartyCopySection(buf: Buffer, title: string, head: (pdt: number) => Section['fields']): Section {
  const p = parseThirdPartyCopyVpd(buf);
  return {
    title,
    fields: [...head(p.peripheralDeviceType), ['THIRD-PARTY COPY DESCRIPTORS', p.descriptors.length]],
    parts: p.descriptors.map((d) => ({
      title: `${hx(d.type, 4)} ${TPC_DESCRIPTOR_NAMES[d.type] ?? 'reserved or vendor specific'} (${d.length} bytes)`,
      fields: descriptorFields(p, d.type, d.parameters),
    })),
  };
}
