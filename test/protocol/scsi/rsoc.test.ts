import { strict as assert } from 'node:assert';
import * as S from '../../../protocol/scsi/index.js';
import { assertBytes, assertThrowsCode, everyPrefix, h } from './helpers.js';

describe('scsi/rsoc all_commands data (SPC-5 REPORT SUPPORTED OPERATION CODES)', () => {
  const data = h(`00 00 00 24
    00 00 00 00 00 00 00 06
    9e 00 00 10 00 03 00 10  00 0a 00 00 00 00 00 1e 00 00 00 3c
    28 00 00 00 00 64 00 0a`);

  it('parses descriptors with and without timeouts', () => {
    const r = S.parseRsocAllCommands(data);
    assert.equal(r.commandDataLength, 36);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.commands, [
      { opcode: 0x00, serviceAction: 0, servactv: false, cdbLength: 6, ctdp: false, rwcdlp: false, mlu: 0, cdlp: 0 },
      {
        opcode: 0x9e,
        serviceAction: 0x10,
        servactv: true,
        cdbLength: 16,
        ctdp: true,
        rwcdlp: false,
        mlu: 0,
        cdlp: 0,
        timeouts: { commandSpecific: 0, nominal: 30, recommended: 60 },
      },
      { opcode: 0x28, serviceAction: 0, servactv: false, cdbLength: 10, ctdp: false, rwcdlp: true, mlu: 2, cdlp: 1 },
    ]);
  });

  it('encodes the same bytes', () => {
    const got = S.encodeRsocAllCommands([
      { opcode: 0x00, cdbLength: 6 },
      { opcode: 0x9e, serviceAction: 0x10, cdbLength: 16, timeouts: { commandSpecific: 0, nominal: 30, recommended: 60 } },
      { opcode: 0x28, cdbLength: 10, rwcdlp: true, mlu: 2, cdlp: 1 },
    ]);
    assertBytes(got, data);
    assertBytes(S.encodeRsocAllCommands([{ opcode: 0x00, cdbLength: 6 }], 6), h('00 00 00 08 00 00'));
  });

  it('handles truncation and inconsistency', () => {
    everyPrefix(data, S.parseRsocAllCommands);
    assert.equal(S.parseRsocAllCommands(data.subarray(0, 30)).commands.length, 1);
    assertThrowsCode(() => S.parseRsocAllCommands(h('00 00 00 0c 9e 00 00 10 00 03 00 10 00 0a 00 00')), 'SCSI_E_DECODE', /overruns COMMAND DATA LENGTH/);
    assertThrowsCode(
      () => S.parseRsocAllCommands(h('00 00 00 14 9e 00 00 10 00 03 00 10 00 08 00 00 00 00 00 1e 00 00 00 3c')),
      'SCSI_E_DECODE',
      /DESCRIPTOR LENGTH 8/,
    );
  });
});

describe('scsi/rsoc one_command data (SPC-5 REPORT SUPPORTED OPERATION CODES)', () => {
  const usage = h('28 1c ff ff ff ff 3f ff ff 07');

  it('parses and encodes without timeouts', () => {
    const b = Buffer.concat([h('00 03 00 0a'), usage]);
    const r = S.parseRsocOneCommand(b);
    assert.deepEqual(r, { support: 3, ctdp: false, rwcdlp: false, mlu: 0, cdlp: 0, cdbSize: 10, usageMap: usage, truncated: false });
    assertBytes(S.encodeRsocOneCommand({ support: S.RsocSupport.SUPPORTED, usageMap: usage }), b);
    assert.equal(S.rsocSupportName(r.support), 'supported');
  });

  it('parses and encodes CTDP, MLU, CDLP, RWCDLP', () => {
    const b = Buffer.concat([h('01 b3 00 0a'), usage, h('00 0a 00 05 00 00 00 0a 00 00 00 14')]);
    const r = S.parseRsocOneCommand(b);
    assert.deepEqual(r.timeouts, { commandSpecific: 5, nominal: 10, recommended: 20 });
    assert.deepEqual([r.ctdp, r.rwcdlp, r.mlu, r.cdlp, r.support], [true, true, 1, 2, 3]);
    assertBytes(
      S.encodeRsocOneCommand({ support: 3, usageMap: usage, rwcdlp: true, mlu: 1, cdlp: 2, timeouts: { commandSpecific: 5, nominal: 10, recommended: 20 } }),
      b,
    );
    everyPrefix(b, S.parseRsocOneCommand);
  });

  it('parses "not supported" with an empty usage map', () => {
    const r = S.parseRsocOneCommand(h('00 01 00 00'));
    assert.equal(r.support, S.RsocSupport.NOT_SUPPORTED);
    assert.equal(r.usageMap.length, 0);
    assert.equal(S.rsocSupportName(2), 'SUPPORT 0x2');
    assertThrowsCode(() => S.encodeRsocOneCommand({ support: 8, usageMap: h('00') }), 'E_RANGE', /SUPPORT/);
  });
});
