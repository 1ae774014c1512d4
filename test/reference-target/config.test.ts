/**
 * The reference target's configuration: parseConfigText (ietd.conf syntax) and parseLunSpec (quick
 * mode's --lun), as tables of good input with the configuration it yields, and of bad input with the
 * error it must give: every error names the file and line (or the --lun spec) and what was wrong.
 */
import { strict as assert } from 'node:assert';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IscsiError } from '../../protocol/errors.js';
import { parseConfigText, parseLunSpec, parseSize, readConfigFile, TargetServerConfig } from '../../reference-target/index.js';
import { TargetServer } from '../../reference-target/server.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/target');
const T1 = 'iqn.2026-11.org.example:disk1';
const T2 = 'iqn.2026-11.org.example:disk2';

/** Lines joined into a config, each with its number in mind: line 1 is the first. */
const conf = (...lines: string[]) => lines.join('\n');

function configError(text: string, re: RegExp): void {
  assert.throws(
    () => parseConfigText(text, 'bad.conf'),
    (e: unknown) => {
      assert.ok(e instanceof IscsiError, `not an IscsiError: ${String(e)}`);
      assert.equal(e.code, 'E_CONFIG');
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'the message is not one line');
      return true;
    },
    `no error for:\n${text}`,
  );
}

describe('target config: parseConfigText', () => {
  it('every key, with comments, tabs, blank lines and CRLF line ends', () => {
    const text = [
      '# a full configuration',
      'Address 127.0.0.1   # the portal',
      'Port 3261',
      'NOPInterval 5',
      'NOPTimeout 7',
      'LoginTimeout 9',
      'MaxSessions 32',
      'iSNSServer isns.example.org:3205',
      'iSNSAccessControl Yes',
      'IncomingUser disco discovery-secret-1',
      'OutgoingUser discotarget discovery-secret-2',
      '',
      `Target ${T1}`,
      '\tAlias disk one',
      '\tLun 0 Path=/var/tmp/disk1.img,Type=fileio,Size=1G,ReadOnly=Yes,Thin=No,Removable=Yes,BlockSize=4096,ScsiSN=SN0001,IOMode=wt',
      '\tLun 1 Type=memory,Size=64M',
      '\tLun 2 Type=sparse,Size=2T,Thin=Yes',
      '\tLun 3 Type=nullio,Size=1M',
      '\tLun 4 Path=/dev/sdz,Type=blockio,Size=10G',
      '\tLun 5 Path=/var/tmp/disk5.img,Size=512K',
      '\tIncomingUser alice alice-secret-12',
      '\tIncomingUser bob bob-secret-1234',
      '\tOutgoingUser target1 target-secret-12',
      '\tInitiatorName iqn.1993-08.org.debian:01:host1',
      '\tAllowInitiator iqn.1993-08.org.debian:01:host2',
      '\tQueuedCommands 64',
      '\tHeaderDigest CRC32C,None',
      '\tDataDigest None',
      '\tMaxRecvDataSegmentLength 65536',
      '\tMaxBurstLength 262144',
      '\tFirstBurstLength 65536',
      '\tInitialR2T No',
      '\tImmediateData Yes',
      '\tMaxOutstandingR2T 4',
      '\tDefaultTime2Wait 2',
      '\tDefaultTime2Retain 0',
      '\tMaxConnections 1',
      '\tErrorRecoveryLevel 0',
      '\tDataPDUInOrder Yes',
      '\tDataSequenceInOrder Yes',
      '   # indented comment',
      `Target ${T2}`,
      '  Lun 0 Type=memory,Size=1M',
    ].join('\r\n');
    const want: TargetServerConfig = {
      address: '127.0.0.1',
      port: 3261,
      nopInterval: 5,
      nopTimeout: 7,
      loginTimeout: 9,
      maxSessions: 32,
      isns: 'isns.example.org:3205',
      isnsAccessControl: true,
      discoveryUsers: [{ user: 'disco', secret: 'discovery-secret-1' }],
      discoveryOutgoingUser: { user: 'discotarget', secret: 'discovery-secret-2' },
      targets: [
        {
          iqn: T1,
          alias: 'disk one',
          luns: [
            { lun: 0, backing: 'file', path: '/var/tmp/disk1.img', size: 1 << 30, readOnly: true, removable: true, blockSize: 4096, serial: 'SN0001' },
            { lun: 1, backing: 'memory', size: 64 << 20 },
            { lun: 2, backing: 'sparse', size: 2 * 2 ** 40, thin: true },
            { lun: 3, backing: 'sparse', size: 1 << 20 },
            { lun: 4, backing: 'file', path: '/dev/sdz', size: 10 * 2 ** 30 },
            { lun: 5, backing: 'file', path: '/var/tmp/disk5.img', size: 512 << 10 },
          ],
          incomingUsers: [
            { user: 'alice', secret: 'alice-secret-12' },
            { user: 'bob', secret: 'bob-secret-1234' },
          ],
          outgoingUser: { user: 'target1', secret: 'target-secret-12' },
          allowInitiators: ['iqn.1993-08.org.debian:01:host1', 'iqn.1993-08.org.debian:01:host2'],
          queueDepth: 64,
          params: {
            HeaderDigest: 'CRC32C,None',
            DataDigest: 'None',
            MaxRecvDataSegmentLength: '65536',
            MaxBurstLength: '262144',
            FirstBurstLength: '65536',
            InitialR2T: 'No',
            ImmediateData: 'Yes',
            MaxOutstandingR2T: '4',
            DefaultTime2Wait: '2',
            DefaultTime2Retain: '0',
            MaxConnections: '1',
            ErrorRecoveryLevel: '0',
            DataPDUInOrder: 'Yes',
            DataSequenceInOrder: 'Yes',
          },
        },
        { iqn: T2, luns: [{ lun: 0, backing: 'memory', size: 1 << 20 }] },
      ],
    };
    assert.deepEqual(parseConfigText(text, 'full.conf'), want);
  });

  const good: [string, string, (c: TargetServerConfig) => void][] = [
    ['an empty file', '', (c) => assert.deepEqual(c, { targets: [] })],
    ['only comments', conf('# one', '   # two', '#'), (c) => assert.deepEqual(c, { targets: [] })],
    [
      "NOPInterval and NOPTimeout before any Target are server-wide; inside one, that target's",
      conf('NOPInterval 5', `Target ${T1}`, 'NOPInterval 1', 'NOPTimeout 2', 'Lun 0 Type=memory,Size=1M', `Target ${T2}`, 'Lun 0 Type=memory,Size=1M'),
      (c) => {
        assert.equal(c.nopInterval, 5);
        assert.equal(c.nopTimeout, undefined);
        assert.equal(c.targets[0]!.nopInterval, 1);
        assert.equal(c.targets[0]!.nopTimeout, 2);
        assert.equal(c.targets[1]!.nopInterval, undefined);
      },
    ],
    ['a comment right after a value', conf(`Target ${T1}#no space`, 'Lun 0 Type=memory,Size=1M#x'), (c) => assert.equal(c.targets[0]!.iqn, T1)],
    [
      'discovery IncomingUser (outside any Target) and none in the target',
      conf('IncomingUser d discovery-secret', `Target ${T1}`, 'Lun 0 Type=memory,Size=1M'),
      (c) => {
        assert.deepEqual(c.discoveryUsers, [{ user: 'd', secret: 'discovery-secret' }]);
        assert.equal(c.targets[0]!.incomingUsers, undefined);
      },
    ],
    [
      'several targets, each with its own LUNs and accounts',
      conf(
        `Target ${T1}`,
        'Lun 0 Type=memory,Size=1M',
        'IncomingUser a secret-aaaaaaa',
        `Target ${T2}`,
        'Lun 0 Type=memory,Size=2M',
        'Lun 7 Type=sparse,Size=1G',
        'IncomingUser b secret-bbbbbbb',
      ),
      (c) => {
        assert.deepEqual(
          c.targets.map((t) => [t.iqn, t.luns.map((l) => l.lun), t.incomingUsers?.map((u) => u.user)]),
          [
            [T1, [0], ['a']],
            [T2, [0, 7], ['b']],
          ],
        );
      },
    ],
    ['eui. and naa. target names', conf('Target eui.0123456789ABCDEF', 'Target naa.52004567BA64678D'), (c) => assert.equal(c.targets.length, 2)],
    ['a target with no LUN', conf(`Target ${T1}`), (c) => assert.deepEqual(c.targets[0]!.luns, [])],
    [
      'the same LUN number in two targets',
      conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M', `Target ${T2}`, 'Lun 0 Type=memory,Size=1M'),
      (c) => assert.equal(c.targets.length, 2),
    ],
    [
      'a MaxBurstLength alone (FirstBurstLength follows it at login)',
      conf(`Target ${T1}`, 'MaxBurstLength 16384'),
      (c) => assert.deepEqual(c.targets[0]!.params, { MaxBurstLength: '16384' }),
    ],
    [
      'sizes in every unit',
      conf(
        `Target ${T1}`,
        'Lun 0 Type=sparse,Size=512',
        'Lun 1 Type=sparse,Size=4K',
        'Lun 2 Type=sparse,Size=1.5M',
        'Lun 3 Type=sparse,Size=1GiB',
        'Lun 4 Type=sparse,Size=1TB',
        'Lun 5 Type=sparse,Size=1P',
      ),
      (c) => {
        assert.deepEqual(
          c.targets[0]!.luns.map((l) => l.size),
          [512, 4096, 1.5 * 2 ** 20, 2 ** 30, 2 ** 40, 2 ** 50],
        );
      },
    ],
    [
      'TargetReset: names, None, All',
      conf(
        `Target ${T1}`,
        'TargetReset iqn.1993-08.org.debian:01:admin',
        'TargetReset iqn.1993-08.org.debian:01:ops',
        `Target ${T2}`,
        'TargetReset None',
        'Target iqn.2026-11.org.example:disk3',
        'TargetReset all',
      ),
      (c) => {
        assert.deepEqual(
          c.targets.map((t) => t.targetReset),
          [['iqn.1993-08.org.debian:01:admin', 'iqn.1993-08.org.debian:01:ops'], 'none', 'all'],
        );
      },
    ],
    [
      'the write-data budgets and DataTimeout (outside any Target)',
      conf('SessionDataBudget 32M', 'TargetDataBudget 1G', 'DataTimeout 5', `Target ${T1}`),
      (c) => {
        assert.deepEqual([c.sessionDataBudget, c.targetDataBudget, c.dataTimeout], [32 << 20, 1 << 30, 5]);
      },
    ],
  ];
  for (const [name, text, check] of good) it(`good: ${name}`, () => check(parseConfigText(text, 'good.conf')));

  const bad: [string, string, RegExp][] = [
    ['an unknown key', conf(`Target ${T1}`, 'Frobnicate 1'), /^bad\.conf:2: "Frobnicate" is not an iSCSI key a target can set/],
    [
      'an iSCSI key no configuration may set',
      conf(`Target ${T1}`, 'SessionType Discovery'),
      /^bad\.conf:2: "SessionType" is not an iSCSI key a target can set in its configuration/,
    ],
    ['AuthMethod (IncomingUser decides it)', conf(`Target ${T1}`, 'AuthMethod CHAP'), /^bad\.conf:2: "AuthMethod" is not/],
    ['a CHAP key', conf(`Target ${T1}`, 'CHAP_A 5'), /^bad\.conf:2: "CHAP_A" is not/],
    ['an obsolete key', conf(`Target ${T1}`, 'OFMarker Yes'), /^bad\.conf:2: "OFMarker" is not/],
    ['a number out of range', conf(`Target ${T1}`, 'MaxBurstLength 100'), /^bad\.conf:2: MaxBurstLength 100: expected a number in 512\.\.16777215/],
    ['a number that is not one', conf(`Target ${T1}`, 'MaxOutstandingR2T many'), /^bad\.conf:2: MaxOutstandingR2T many: expected a number/],
    ['a boolean that is not Yes or No', conf(`Target ${T1}`, 'InitialR2T Maybe'), /^bad\.conf:2: InitialR2T Maybe: expected Yes or No/],
    [
      'a digest that does not exist',
      conf(`Target ${T1}`, 'HeaderDigest CRC32C,MD5'),
      /^bad\.conf:2: HeaderDigest CRC32C,MD5: "MD5" is not one of CRC32C, None/,
    ],
    [
      'ErrorRecoveryLevel above what the target implements',
      conf(`Target ${T1}`, 'ErrorRecoveryLevel 2'),
      /^bad\.conf:2: ErrorRecoveryLevel 2: this target implements ErrorRecoveryLevel 0 only/,
    ],
    ['MaxConnections above one', conf(`Target ${T1}`, 'MaxConnections 4'), /^bad\.conf:2: MaxConnections 4: this target takes one connection per session/],
    ['DataPDUInOrder No', conf(`Target ${T1}`, 'DataPDUInOrder No'), /^bad\.conf:2: DataPDUInOrder No: this target takes Data-Out PDUs in order only/],
    [
      'FirstBurstLength above MaxBurstLength',
      conf(`Target ${T1}`, 'MaxBurstLength 65536', 'Lun 0 Type=memory,Size=1M', 'FirstBurstLength 131072'),
      /^bad\.conf:4: target iqn\.2026-11\.org\.example:disk1: FirstBurstLength 131072 exceeds MaxBurstLength 65536 \(RFC 7143 13\.14/,
    ],
    ['a key with two values', conf(`Target ${T1}`, 'MaxBurstLength 65536 131072'), /^bad\.conf:2: MaxBurstLength takes one value/],
    ['iSNSAccessControl neither Yes nor No', conf('iSNSAccessControl maybe'), /^bad\.conf:1: iSNSAccessControl maybe: expected Yes or No/],
    ['Port out of range', conf('Port 70000'), /^bad\.conf:1: Port 70000: expected 0\.\.65535/],
    ['NOPInterval negative', conf('NOPInterval -1'), /^bad\.conf:1: NOPInterval -1: expected a whole number/],
    ['QueuedCommands 0', conf(`Target ${T1}`, 'QueuedCommands 0'), /^bad\.conf:2: QueuedCommands 0: expected 1\.\.65536/],
    ['a Lun without Type', conf(`Target ${T1}`, 'Lun 0 Size=1G'), /^bad\.conf:2: Type= is not fileio, memory or sparse/],
    ['a Lun with an unknown Type', conf(`Target ${T1}`, 'Lun 0 Type=tape,Size=1G'), /^bad\.conf:2: Type=tape is not fileio, memory or sparse/],
    ['a memory Lun without Size', conf(`Target ${T1}`, 'Lun 0 Type=memory'), /^bad\.conf:2: Type=memory needs Size=/],
    ['a file Lun without Size', conf(`Target ${T1}`, 'Lun 0 Path=/var/tmp/x.img,Type=fileio'), /^bad\.conf:2: a file LUN needs Size=/],
    ['a fileio Lun without Path', conf(`Target ${T1}`, 'Lun 0 Type=fileio,Size=1G'), /^bad\.conf:2: Type=fileio needs Path=/],
    ['a size that is not one', conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=12Q'), /^bad\.conf:2: Size=12Q is not a size such as 64M or 1G/],
    ['a size of zero', conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=0'), /^bad\.conf:2: Size=0 is not a size/],
    ['a size below one byte', conf(`Target ${T1}`, 'Lun 0 Type=sparse,Size=0.1'), /^bad\.conf:2: Size=0\.1 is not a size/],
    ['a size past 2^53 bytes', conf(`Target ${T1}`, 'Lun 0 Type=sparse,Size=99999999P'), /^bad\.conf:2: Size=99999999P is not a size/],
    [
      'a LUN smaller than one block',
      conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1K,BlockSize=4096'),
      /^bad\.conf:2: Size=1K is less than one 4096-byte block/,
    ],
    [
      'a memory LUN larger than the machine',
      conf(`Target ${T1}`, `Lun 0 Type=memory,Size=${Math.ceil(totalmem() / 2 ** 30) + 1}G`),
      /^bad\.conf:2: Size=\d+G: a memory LUN is allocated up front and this machine has \d+ bytes of memory \(use sparse\)/,
    ],
    ['a LUN number past 16383', conf(`Target ${T1}`, 'Lun 16384 Type=memory,Size=1M'), /^bad\.conf:2: LUN "16384" is not a number in 0\.\.16383/],
    [
      'a block size other than 512 or 4096',
      conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M,BlockSize=1024'),
      /^bad\.conf:2: BlockSize=1024: expected 512 or 4096/,
    ],
    ['ReadOnly neither Yes nor No', conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M,ReadOnly=maybe'), /^bad\.conf:2: ReadOnly=maybe: expected Yes or No/],
    ['an unknown Lun parameter', conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M,Colour=blue'), /^bad\.conf:2: unknown Lun parameter Colour=/],
    ['a Lun parameter twice', conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M,Size=2M'), /^bad\.conf:2: Lun parameter Size= is given twice/],
    ['a Lun line split by a space', conf(`Target ${T1}`, 'Lun 0 Type=memory, Size=1M'), /^bad\.conf:2: Lun takes a number and Key=Value/],
    ['a Lun parameter without =', conf(`Target ${T1}`, 'Lun 0 Type=memory,Size'), /^bad\.conf:2: "Size" is not Key=Value/],
    [
      'a Lun Latency that is not a number of ms',
      conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M,Latency=1s'),
      /^bad\.conf:2: Latency=1s: expected milliseconds/,
    ],
    [
      'a LUN defined twice',
      conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M', 'Lun 0 Type=sparse,Size=1G'),
      /^bad\.conf:3: target iqn\.2026-11\.org\.example:disk1 defines LUN 0 twice/,
    ],
    ['a target defined twice', conf(`Target ${T1}`, `Target ${T2}`, `Target ${T1}`), /^bad\.conf:3: target iqn\.2026-11\.org\.example:disk1 is defined twice/],
    ['a target name that is not an iSCSI name', conf('Target disk1'), /^bad\.conf:1: "disk1" is not an iSCSI name/],
    ['Target without a name', conf('Target'), /^bad\.conf:1: Target takes one iSCSI name/],
    ['an ACL entry that is not an iSCSI name', conf(`Target ${T1}`, 'InitiatorName host1'), /^bad\.conf:2: "host1" is not an iSCSI name/],
    ['a short CHAP secret', conf(`Target ${T1}`, 'IncomingUser alice short'), /^bad\.conf:2: IncomingUser alice: a CHAP secret must be at least 12 characters/],
    ['a short discovery CHAP secret', conf('IncomingUser d 12345678901'), /^bad\.conf:1: IncomingUser d: a CHAP secret must be at least 12/],
    ['IncomingUser without a secret', conf(`Target ${T1}`, 'IncomingUser alice'), /^bad\.conf:2: IncomingUser takes a user name and a secret/],
    [
      'the same IncomingUser twice',
      conf(`Target ${T1}`, 'IncomingUser alice secret-one-1234', 'IncomingUser alice secret-two-1234'),
      /^bad\.conf:3: IncomingUser alice is given twice for target/,
    ],
    [
      'OutgoingUser without IncomingUser',
      conf(`Target ${T1}`, 'Lun 0 Type=memory,Size=1M', 'OutgoingUser t target-secret-12'),
      /^bad\.conf:3: target iqn\.2026-11\.org\.example:disk1 has an OutgoingUser but no IncomingUser/,
    ],
    [
      'two OutgoingUser lines',
      conf(`Target ${T1}`, 'IncomingUser a secret-aaaaaaa', 'OutgoingUser t target-secret-12', 'OutgoingUser u target-secret-34'),
      /^bad\.conf:4: target iqn\.2026-11\.org\.example:disk1 has two OutgoingUser lines/,
    ],
    [
      'a discovery OutgoingUser without a discovery IncomingUser',
      conf('OutgoingUser t target-secret-12', `Target ${T1}`, 'IncomingUser a secret-aaaaaaa'),
      /^bad\.conf:1: discovery has an OutgoingUser but no IncomingUser/,
    ],
    ['a Lun before any Target', conf('Lun 0 Type=memory,Size=1M', `Target ${T1}`), /^bad\.conf:1: "Lun" must follow a Target line/],
    ['an operational key before any Target', conf('MaxBurstLength 65536'), /^bad\.conf:1: "MaxBurstLength" must follow a Target line/],
    ['Alias before any Target', conf('# c', 'Alias x'), /^bad\.conf:2: "Alias" must follow a Target line/],
    ['Alias without a name', conf(`Target ${T1}`, 'Alias'), /^bad\.conf:2: Alias needs a name/],
    ['TargetReset that is no name', conf(`Target ${T1}`, 'TargetReset admin'), /^bad\.conf:2: TargetReset "admin" is neither All, None nor an iSCSI name/],
    [
      'TargetReset None after names',
      conf(`Target ${T1}`, 'TargetReset iqn.1993-08.org.debian:01:admin', 'TargetReset None'),
      /^bad\.conf:3: TargetReset None for target .*: it already has TargetReset lines/,
    ],
    ['a budget that is not a size', conf('TargetDataBudget lots'), /^bad\.conf:1: TargetDataBudget lots: expected a size of at least 1M/],
    ['a budget under 1M', conf('SessionDataBudget 4K'), /^bad\.conf:1: SessionDataBudget 4K: expected a size of at least 1M/],
    ['DataTimeout 0', conf('DataTimeout 0'), /^bad\.conf:1: DataTimeout 0: expected at least 1 second/],
  ];
  for (const [name, text, re] of bad) it(`bad: ${name}`, () => configError(text, re));

  it('DenyInitiator refuses a name even where no ACL limits the target, and must be an iSCSI name', () => {
    const c = parseConfigText('Target iqn.2026-11.org.iscsi-test:d\n  Lun 0 Type=memory,Size=1M\n  DenyInitiator iqn.2026-12.org.iscsi-test:acl-refused\n');
    assert.deepEqual(c.targets[0]!.denyInitiators, ['iqn.2026-12.org.iscsi-test:acl-refused']);
    assert.equal(c.targets[0]!.allowInitiators, undefined);
    assert.throws(() => parseConfigText('Target iqn.2026-11.org.iscsi-test:d\n  DenyInitiator someone\n'), /"someone" is not an iSCSI name/);
  });

  it('readConfigFile names a file it cannot read', () => {
    assert.throws(() => readConfigFile('/nonexistent/iscsi-target.conf'), /^IscsiError: \/nonexistent\/iscsi-target\.conf: cannot read: ENOENT$/);
  });

  it('the shipped fixtures/target/sample.conf', () => {
    const c = readConfigFile(join(FIXTURES, 'sample.conf'));
    assert.deepEqual(
      c.targets.map((t) => t.iqn),
      ['iqn.2026-11.org.iscsi-test:sample-disk', 'iqn.2026-11.org.iscsi-test:sample-chap'],
    );
    assert.deepEqual(c.targets[0]!.luns, [
      { lun: 0, backing: 'memory', size: 32 << 20 },
      { lun: 1, backing: 'sparse', size: 1 << 30, thin: true, blockSize: 4096 },
    ]);
    assert.equal(c.targets[1]!.outgoingUser?.user, 'sample-target');
    assert.deepEqual(c.targets[1]!.allowInitiators, ['iqn.2026-11.org.iscsi-test:sample-initiator']);
  });
});

describe('target config: parseLunSpec (quick mode --lun)', () => {
  const good: [string, object][] = [
    ['0:memory:64M', { lun: 0, backing: 'memory', size: 64 << 20 }],
    ['1:sparse:1G', { lun: 1, backing: 'sparse', size: 1 << 30 }],
    ['16383:sparse:512', { lun: 16383, backing: 'sparse', size: 512 }],
    ['2:file:/var/tmp/disk.img:16M', { lun: 2, backing: 'file', path: '/var/tmp/disk.img', size: 16 << 20 }],
    ['3:file:/var/tmp/a:b.img:1G', { lun: 3, backing: 'file', path: '/var/tmp/a:b.img', size: 1 << 30 }],
    [
      '4:sparse:2T,ro,thin,removable,bs=4096,lbppbe=3',
      { lun: 4, backing: 'sparse', size: 2 * 2 ** 40, readOnly: true, thin: true, removable: true, blockSize: 4096, lbppbExponent: 3 },
    ],
    ['5:memory:1536K,bs=512', { lun: 5, backing: 'memory', size: 1536 << 10, blockSize: 512 }],
    ['6:memory:1M,latency=250', { lun: 6, backing: 'memory', size: 1 << 20, latencyMs: 250 }],
  ];
  for (const [spec, want] of good) it(`good: ${spec}`, () => assert.deepEqual(parseLunSpec(spec), want));

  const bad: [string, RegExp][] = [
    ['x:memory:1G', /^--lun x:memory:1G: LUN "x" is not a number in 0\.\.16383$/],
    ['16384:memory:1G', /LUN "16384" is not a number in 0\.\.16383/],
    ['-1:memory:1G', /LUN "-1" is not a number/],
    ['0:memory', /^--lun 0:memory: expected 0:memory:SIZE$/],
    ['0:memory:1G:extra', /expected 0:memory:SIZE/],
    ['0:tape:1G', /backing "tape" is not memory, sparse or file/],
    ['0', /backing "" is not memory, sparse or file/],
    ['0:memory:1Q', /size "1Q" is not a size such as 64M or 1G/],
    ['0:memory:0', /size "0" is not a size/],
    ['0:sparse:0.1', /size "0\.1" is not a size/],
    ['0:sparse:99999999P', /size "99999999P" is not a size/],
    ['0:memory:100', /size 100 is less than one 512-byte block/],
    ['0:sparse:1K,bs=4096', /size 1024 is less than one 4096-byte block/],
    [`0:memory:${Math.ceil(totalmem() / 2 ** 30) + 1}G`, /a memory LUN is allocated up front and this machine has \d+ bytes of memory \(use sparse\)/],
    ['0:file:/var/tmp/x.img', /expected 0:file:PATH:SIZE/],
    ['0:file::1G', /the file path is empty/],
    ['0:memory:1G,bs=1024', /bs=1024: the block size must be 512 or 4096/],
    ['0:memory:1G,lbppbe=16', /lbppbe=16: expected 0\.\.15/],
    ['0:memory:1G,latency=60001', /latency=60001: expected milliseconds, 0\.\.60000/],
    ['0:memory:1G,latency=-5', /latency=-5: expected milliseconds/],
    ['0:memory:1G,bogus', /unknown LUN option "bogus"/],
    ['0:memory:1G,', /unknown LUN option ""/],
  ];
  for (const [spec, re] of bad) {
    it(`bad: ${spec}`, () => {
      assert.throws(
        () => parseLunSpec(spec),
        (e: unknown) => e instanceof IscsiError && e.code === 'E_CONFIG' && re.test(e.message) && e.message.startsWith(`--lun ${spec}`),
      );
    });
  }

  it('parseSize', () => {
    const table: [string, number | undefined][] = [
      ['512', 512],
      ['4K', 4096],
      ['4k', 4096],
      ['64M', 64 << 20],
      ['64MB', 64 << 20],
      ['64MiB', 64 << 20],
      ['1.5G', 1.5 * 2 ** 30],
      ['2T', 2 * 2 ** 40],
      ['1P', 2 ** 50],
      ['0', undefined],
      ['0.4', undefined],
      ['', undefined],
      ['M', undefined],
      ['-1M', undefined],
      ['1e6', undefined],
      ['1 G', undefined],
      ['99999999P', undefined],
    ];
    for (const [text, want] of table) assert.equal(parseSize(text), want, `parseSize(${JSON.stringify(text)})`);
  });
});

describe('target config: CHAP secrets (RFC 7143 9.2.1)', () => {
  const lun = { lun: 0, backing: 'memory' as const, size: 1 << 20 };
  it('a secret that authenticates initiators (IncomingUser) and the target (OutgoingUser) is refused, naming both accounts', () => {
    const text =
      'Target iqn.2026-11.org.iscsi-test:a\n  Lun 0 Path=x,Type=memory,Size=1M\n  IncomingUser alice same-secret-123\nTarget iqn.2026-11.org.iscsi-test:b\n  Lun 0 Path=y,Type=memory,Size=1M\n  IncomingUser bob other-secret-456\n  OutgoingUser tgt same-secret-123\n';
    const cfg = parseConfigText(text, 't.conf');
    assert.throws(
      () => new TargetServer(cfg),
      (e: unknown) =>
        IscsiError.is(e, 'E_CONFIG') &&
        /OutgoingUser tgt \(target iqn\.2026-11\.org\.iscsi-test:b\) has the same CHAP secret as IncomingUser alice \(target iqn\.2026-11\.org\.iscsi-test:a\)/.test(
          e.message,
        ),
    );
  });
  it('distinct secrets both ways are accepted', () => {
    const s = new TargetServer({
      targets: [
        {
          iqn: 'iqn.2026-11.org.iscsi-test:c',
          luns: [lun],
          incomingUsers: [{ user: 'u', secret: 'initiator-secret-1' }],
          outgoingUser: { user: 't', secret: 'target-secret-22' },
        },
      ],
    });
    assert.ok(s);
  });
});
