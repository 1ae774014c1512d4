/**
 * `sense HEX` and `cdb HEX`: decoding through the protocol codecs, hex as logs print it, and malformed
 * input ending in one line with exit code 2 (through the real command line).
 */
import { strict as assert } from 'node:assert';
import { encodeDescriptorSense, encodeFixedSense, read16, SenseKey, Asc } from '../../protocol/scsi/index.js';
import { parseHex } from '../../tools/common.js';
import { cdbTool, senseTool } from '../../tools/decode.js';
import { oneLine, tool } from './support.js';

async function capture(
  run: (argv: string[], io: { out: { write(s: string): unknown }; env: NodeJS.ProcessEnv }) => Promise<number>,
  argv: string[],
): Promise<string> {
  let s = '';
  const code = await run(argv, { out: { write: (x: string) => (s += x) }, env: {} });
  assert.equal(code, 0);
  return s;
}

describe('tools: sense and cdb', () => {
  it('reads hex with spaces, colons, commas, 0x prefixes or none', () => {
    const want = Buffer.from([0x70, 0x00, 0x05]);
    for (const t of ['70 00 05', '70:00:05', '0x70,0x00,0x05', '700005', ' 70-00-05 ', '0x70 0 5']) assert.deepEqual(parseHex('sense', t), want, t);
  });

  it('refuses malformed hex naming what is wrong', () => {
    assert.throws(() => parseHex('sense', '70 0g'), /"g" in "0g" is not a hex digit/);
    assert.throws(() => parseHex('sense', '700'), /"700" has an odd number of digits/);
    assert.throws(() => parseHex('cdb', '  '), /no hex given/);
  });

  it('decodes fixed sense data field by field, the field pointer included', async () => {
    const buf = encodeFixedSense({
      key: SenseKey.ILLEGAL_REQUEST,
      ascAscq: Asc.LBA_OUT_OF_RANGE,
      information: 4096n,
      fieldPointer: { cd: true, fieldPointer: 2 },
    });
    const out = await capture(senseTool, [buf.toString('hex')]);
    assert.match(out, /SENSE KEY: +0x5 ILLEGAL REQUEST/);
    assert.match(out, /ASC\/ASCQ: +LOGICAL BLOCK ADDRESS OUT OF RANGE/);
    assert.match(out, /INFORMATION: +4096 \(0x1000\)/);
    assert.match(out, /FIELD POINTER: +CDB byte 2/);
    assert.match(out, /Summary: +ILLEGAL REQUEST\/LBA OUT OF RANGE/);
  });

  it('decodes descriptor sense data and lists its descriptors', async () => {
    const buf = encodeDescriptorSense({ key: SenseKey.UNIT_ATTENTION, ascAscq: 0x2900, information: 7n });
    const out = await capture(
      senseTool,
      [...buf].map((b) => b.toString(16).padStart(2, '0')),
    );
    assert.match(out, /RESPONSE CODE: +0x72 descriptor format, current error/);
    assert.match(out, /SENSE KEY: +0x6 UNIT ATTENTION/);
    assert.match(out, /Descriptor 0: type 0x00 information/);
  });

  it('decodes a CDB: operation code, service action, length, fields', async () => {
    const out = await capture(cdbTool, [read16({ lba: 0x100000000n, blocks: 8, fua: true } as Parameters<typeof read16>[0]).toString('hex')]);
    assert.match(out, /OPERATION CODE: +0x88 READ\(16\)/);
    assert.match(out, /Fields: +READ\(16\) LBA=4294967296 LEN=8 FUA/);
    const rc = await capture(cdbTool, ['9e10000000000000000000000020 0000']);
    assert.match(rc, /SERVICE ACTION: +0x10 READ CAPACITY\(16\)/);
    const short = await capture(cdbTool, ['28 00 00']);
    assert.match(short, /CDB LENGTH: +3 \(the operation code calls for 10\)/);
  });

  it('bad input on the command line: one line, exit 2', async function () {
    this.timeout(30_000);
    oneLine(await tool(['sense', '70 zz 05']), 2, /sense: malformed hex "70 zz 05": "z" in "zz"/);
    oneLine(await tool(['sense', '50 00 00']), 2, /sense: sense data: unknown RESPONSE CODE 0x50/);
    oneLine(await tool(['cdb']), 2, /cdb: the hex bytes is missing/);
  });
});
