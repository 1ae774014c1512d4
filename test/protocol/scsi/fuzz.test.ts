/**
 * Random and mutated input into every parser: each must either return or throw SCSI_E_DECODE, never a
 * TypeError or a RangeError from a Buffer read (the mqtt-packet fuzzer's rule). Seeded, so reproducible.
 */
import { strict as assert } from 'node:assert';
import { IscsiError } from '../../../protocol/errors.js';
import * as S from '../../../protocol/scsi/index.js';
import { h, prng } from './helpers.js';

const PARSERS: [string, (b: Buffer) => unknown][] = [
  ['decodeSense', S.decodeSense],
  ['parseStandardInquiry', S.parseStandardInquiry],
  ['parseVpdHeader', S.parseVpdHeader],
  ['parseSupportedVpdPages', S.parseSupportedVpdPages],
  ['parseUnitSerialNumber', S.parseUnitSerialNumber],
  ['parseDeviceIdentification', (b) => S.parseDeviceIdentification(b).designators.map(S.decodeDesignator)],
  ['parseBlockLimits', S.parseBlockLimits],
  ['parseBlockDeviceCharacteristics', S.parseBlockDeviceCharacteristics],
  ['parseLogicalBlockProvisioning', S.parseLogicalBlockProvisioning],
  ['parseThirdPartyCopyVpd', S.parseThirdPartyCopyVpd],
  ['parseReadCapacity10', S.parseReadCapacity10],
  ['parseReadCapacity16', S.parseReadCapacity16],
  ['parseModeParameters6', (b) => typedPages(S.parseModeParameters6(b))],
  ['parseModeParameters10', (b) => typedPages(S.parseModeParameters10(b))],
  ['parseModeParameters6 select', (b) => S.parseModeParameters6(b, { select: true })],
  ['decodeLun', S.decodeLun],
  ['parseReportLuns', S.parseReportLuns],
  ['parseRsocAllCommands', S.parseRsocAllCommands],
  ['parseRsocOneCommand', S.parseRsocOneCommand],
  ['parseLbaStatus', S.parseLbaStatus],
  ['parseReadKeys', S.parseReadKeys],
  ['parseReadReservation', S.parseReadReservation],
  ['parseReportCapabilities', S.parseReportCapabilities],
  ['parseReadFullStatus', (b) => S.parseReadFullStatus(b).descriptors.map((d) => S.parseTransportId(d.transportId))],
  ['parseTransportId', S.parseTransportId],
  ['describeCdb', S.describeCdb],
];

function typedPages(m: S.ModeParameters): unknown[] {
  return m.pages.map((p) => {
    if (p.pageCode === 0x08) return S.parseCachingPage(p);
    if (p.pageCode === 0x0a) return S.parseControlPage(p);
    if (p.pageCode === 0x1c) return S.parseInformationalExceptionsControlPage(p);
    return p;
  });
}

/** Valid examples whose mutations reach deeper than random bytes do. */
const SEEDS: Buffer[] = [
  h('f0 00 05 12 34 56 78 0a 00 00 00 00 24 00 00 cc 00 02'),
  h('72 05 21 00 00 00 00 14 00 0a 80 00 00 00 00 01 00 00 00 00 02 06 00 00 c0 00 02 00'),
  S.encodeStandardInquiry({ vendor: 'V', product: 'P', revision: 'R', versionDescriptors: [0x460] }),
  S.encodeDeviceIdentification({ designators: [S.naaRegisteredDesignator(1, 2), S.scsiNameDesignator('iqn.x', 2, 5), S.relativeTargetPortDesignator(1)] }),
  S.encodeBlockLimits({ maximumTransferLength: 1 }),
  S.encodeLogicalBlockProvisioning({ provisioningGroupDescriptor: S.naaRegisteredDesignator(1, 2) }),
  S.encodeModeParameters6({
    blockDescriptors: [{ numberOfBlocks: 1, blockLength: 512 }],
    pages: [S.encodeCachingPage({ wce: true }), S.encodeControlPage({}), S.encodeInformationalExceptionsControlPage({})],
  }),
  S.encodeModeParameters10({
    longLba: true,
    blockDescriptors: [{ numberOfBlocks: 1, blockLength: 512 }],
    pages: [S.encodeControlPage({}), { pageCode: 0x0a, subpage: 1, data: Buffer.alloc(28) }],
  }),
  S.encodeReportLuns([0, 1, 300]),
  S.encodeRsocAllCommands([
    { opcode: 0x28, cdbLength: 10 },
    { opcode: 0x9e, serviceAction: 0x10, cdbLength: 16, timeouts: { commandSpecific: 0, nominal: 1, recommended: 2 } },
  ]),
  S.encodeRsocOneCommand({ support: 3, usageMap: h('28 ff'), timeouts: { commandSpecific: 0, nominal: 1, recommended: 2 } }),
  S.encodeLbaStatus([{ lba: 1, blocks: 2, provisioningStatus: 1 }]),
  S.encodeReadKeys({ generation: 1, keys: [1, 2] }),
  S.encodeReadReservation({ generation: 1, key: 5, type: 1 }),
  S.encodeReportCapabilities({ types: [1, 3] }),
  S.encodeReadFullStatus({ generation: 1, descriptors: [{ key: 1, relativeTargetPortId: 1, transportId: S.iscsiTransportId('iqn.x', '000000000001') }] }),
  S.read16({ lba: 1, blocks: 1 }),
  // the Third-party Copy VPD page last, so that the indexes of the seeds above stay put
  S.encodeThirdPartyCopyVpd({
    descriptors: [
      S.encodeTpcSupportedCommands([{ opcode: 0x83, serviceActions: [0] }]),
      S.encodeTpcParameterData({ maxCscdDescriptors: 2, maxSegmentDescriptors: 1, maxDescriptorListLength: 92, maxInlineDataLength: 0 }),
      S.encodeTpcSupportedDescriptors([0x02, 0xe4]),
      S.encodeTpcSupportedCscdIds([0xffff]),
      S.encodeTpcGeneralCopyOperations({
        totalConcurrentCopies: 1,
        maxIdentifiedConcurrentCopies: 1,
        maxSegmentLength: 0,
        dataSegmentGranularity: 9,
        inlineDataGranularity: 0,
      }),
    ],
  }),
];

function check(name: string, parse: (b: Buffer) => unknown, b: Buffer, seed: number): void {
  try {
    parse(b);
  } catch (e) {
    if (e instanceof IscsiError && e.code === 'SCSI_E_DECODE') return;
    assert.fail(`${name} threw ${String(e)} on ${b.toString('hex')} (seed ${seed})`);
  }
}

describe('scsi/fuzz parsers only ever throw SCSI_E_DECODE', () => {
  it('random buffers of 0..96 bytes', () => {
    const rnd = prng(0x5c51);
    for (let i = 0; i < 400; i++) {
      const len = Math.floor(rnd() * 97);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      // give structured parsers plausible headers some of the time
      if (len > 0 && rnd() < 0.3) b[0] = [0x70, 0x72, 0x00][Math.floor(rnd() * 3)]!;
      if (len > 3 && rnd() < 0.5) b[3] = Math.floor(rnd() * len);
      for (const [name, parse] of PARSERS) check(name, parse, b, i);
    }
  });

  it('valid data with random bytes changed, cut or extended', () => {
    const rnd = prng(0xdec0de);
    for (let i = 0; i < 100; i++) {
      for (const seed of SEEDS) {
        const b = Buffer.from(seed);
        const flips = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < flips && b.length; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        const cut = rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : rnd() < 0.2 ? Buffer.concat([b, Buffer.alloc(8, 0xff)]) : b;
        for (const [name, parse] of PARSERS) check(name, parse, cut, i);
      }
    }
  });

  it('every seed parses with its own parser', () => {
    assert.equal(S.decodeSense(SEEDS[0]!).key, 5);
    assert.equal(S.parseReadFullStatus(SEEDS[15]!).descriptors.length, 1);
  });
});
