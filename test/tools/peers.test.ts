/**
 * The everyday tools against the reference target and against Debian's tgtd, each checked against
 * libiscsi's own tool on the same LUN: `discover --luns` against `iscsi-ls -s` (targets, LUNs, types,
 * sizes), `inquiry` against `iscsi-inq` (standard data, the VPD page list, serial number, designators, block
 * limits, provisioning), `capacity` against `iscsi-readcapacity16`; `perf` runs a short read load on both;
 * CHAP through the URL; and bad input (a portal that does not answer, a URL with no LUN, a login refused)
 * ends in one line and the documented exit code.
 */
import { strict as assert } from 'node:assert';
import { startTarget, RunningTarget } from '../../reference-target/index.js';
import { requirePeers } from '../support/peers.js';
import { freePort, run } from '../support/proc.js';
import { Tgtd } from '../support/tgtd.js';

import { oneLine, tool } from './support.js';

async function json<T>(args: string[]): Promise<T> {
  const o = await tool([...args, '--json']);
  assert.equal(o.code, 0, `iscsi-test ${args.join(' ')}: ${o.stderr}`);
  return JSON.parse(o.stdout) as T;
}

async function libiscsi(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `Key:value` lines of libiscsi's tools. */
function kv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split('\n')) {
    const i = l.indexOf(':');
    if (i > 0) m.set(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  return m;
}

interface Section {
  title: string;
  fields: [string, string | number | boolean][];
  parts?: Section[];
}
const field = (s: Section, name: string): string => String(s.fields.find(([k]) => k === name)?.[1] ?? '');
const flag = (s: Section, name: string): string => (s.fields.find(([k]) => k === name)?.[1] ? '1' : '0');

interface Peer {
  name: string;
  portal: string;
  target: string;
  /** LUNs with a block device, the thin one among them. */
  luns: number[];
  thinLun: number;
  url(lun: number): string;
}

/** What one peer must show: the same facts through our tools as through libiscsi's. */
function compareWithLibiscsi(get: () => Peer) {
  it('discover --luns lists the targets, LUNs, types and sizes iscsi-ls -s lists', async () => {
    const p = get();
    const ours = await json<{
      targets: { name: string; portals: string[]; luns: { lun: number; typeName: string; bytes?: number; blockSize?: number; thin?: boolean }[] }[];
    }>(['discover', '--luns', p.portal]);
    const theirs = await libiscsi('iscsi-ls', ['-s', p.portal]);
    const targets = [...theirs.matchAll(/^Target:(\S+) Portal:(\S+)/gm)].map((m) => ({ name: m[1]!, portal: m[2]! }));
    assert.deepEqual(ours.targets.map((t) => t.name).sort(), targets.map((t) => t.name).sort());
    for (const t of targets) assert.ok(ours.targets.find((x) => x.name === t.name)!.portals.includes(t.portal), `portal ${t.portal} of ${t.name}`);
    const lunLines = [...theirs.matchAll(/^Lun:(\d+)\s+Type:(\S+)(?: \(Size:(\d+)([KMGT])\))?/gm)];
    const ourLuns = ours.targets.flatMap((t) => t.luns);
    assert.equal(ourLuns.length, lunLines.length, `LUN count: ours ${JSON.stringify(ourLuns)} theirs ${theirs}`);
    for (const m of lunLines) {
      const l = ourLuns.find((x) => x.lun === Number(m[1]));
      assert.ok(l, `LUN ${m[1]} missing from ours`);
      assert.equal(l.typeName, m[2], `LUN ${m[1]} type`);
      if (m[3] !== undefined) {
        // iscsi-ls multiplies the last LBA (not the block count) by the block length and rounds down, as
        // seen on both targets (a 64 MiB LUN is "63M"): ours is the true size, one block more.
        const unit = 1024 ** ' KMGT'.indexOf(m[4]!);
        assert.equal(Math.floor((l.bytes! - l.blockSize!) / unit), Number(m[3]), `LUN ${m[1]} size: ours ${l.bytes} bytes, iscsi-ls ${m[3]}${m[4]}`);
      } else assert.equal(l.bytes, undefined, `LUN ${m[1]}: iscsi-ls shows no size, we do`);
    }
    assert.equal(ourLuns.find((x) => x.lun === p.thinLun)?.thin, true, 'the thin LUN is thin');
  });

  it('inquiry decodes what iscsi-inq shows: standard data, VPD pages, serial, designators, limits, provisioning', async () => {
    const p = get();
    for (const lun of p.luns) {
      const url = p.url(lun);
      const ours = (await json<{ sections: Section[] }>(['inquiry', url])).sections;
      const std = ours[0]!;
      const t = kv(await libiscsi('iscsi-inq', [url]));
      assert.equal(field(std, 'T10 VENDOR IDENTIFICATION'), t.get('Vendor')!.trim());
      assert.equal(field(std, 'PRODUCT IDENTIFICATION'), t.get('Product')!.trim());
      assert.equal(field(std, 'PRODUCT REVISION LEVEL'), t.get('Revision')!.trim());
      assert.match(field(std, 'PERIPHERAL DEVICE TYPE'), new RegExp(` ${t.get('Peripheral Device Type')}$`));
      for (const [ourName, theirs] of [
        ['HISUP', 'HiSup'],
        ['CMDQUE', 'CmdQue'],
        ['RMB', 'Removable'],
        ['PROTECT', 'Protect'],
        ['3PC', '3PC'],
        ['TPGS', 'TPGS'],
      ] as const) {
        assert.equal(ourName === 'TPGS' ? field(std, ourName) : flag(std, ourName), t.get(theirs), `${ourName} of LUN ${lun}`);
      }
      const pages = [...(await libiscsi('iscsi-inq', ['-e', '1', '-c', '0', url])).matchAll(/^Page:0x([0-9a-f]{2})/gm)].map((m) => `0x${m[1]}`);
      assert.deepEqual(
        ours.slice(1).map((s) => s.title.split(' ')[2]),
        pages,
        'every VPD page listed, in order',
      );
      const page = (code: string) => ours.find((s) => s.title.startsWith(`VPD page ${code} `))!;
      const serial = /Unit Serial Number:\[([^\]]*)\]/.exec(await libiscsi('iscsi-inq', ['-e', '1', '-c', '128', url]))![1]!.trim();
      assert.equal(field(page('0x80'), 'PRODUCT SERIAL NUMBER'), serial);
      // Designators: libiscsi lists them in reverse order and prints NAA bytes raw; compare the set of
      // (type, association, code set) and the text designators.
      const di = await libiscsi('iscsi-inq', ['-e', '1', '-c', '131', url]);
      const theirsD = [
        ...di.matchAll(/Code Set:\((\d+)\)[^\n]*\nPIV:\d\nAssociation:\((\d+)\)[^\n]*\nDesignator Type:\((\d+)\)[^\n]*\nDesignator:\[([^\]]*)\]/g),
      ].map((m) => ({ key: `${m[3]}/${m[2]}/${m[1]}`, text: m[4]! }));
      const oursD = page('0x83').parts!.map((d) => ({
        key: `${parseInt(field(d, 'DESIGNATOR TYPE'), 16)}/${parseInt(field(d, 'ASSOCIATION'), 16)}/${parseInt(field(d, 'CODE SET'), 16)}`,
        d,
      }));
      assert.deepEqual(oursD.map((x) => x.key).sort(), theirsD.map((x) => x.key).sort(), 'designators');
      for (const x of oursD) {
        const name = field(x.d, 'SCSI NAME STRING');
        if (name)
          assert.ok(
            theirsD.some((y) => y.text === name),
            `SCSI name ${name}`,
          );
        const vendor = field(x.d, 'T10 VENDOR IDENTIFICATION');
        if (vendor)
          assert.ok(
            theirsD.some((y) => y.text.replace(/\s+/g, '') === `${vendor}${field(x.d, 'VENDOR SPECIFIC IDENTIFIER')}`.replace(/\s+/g, '')),
            `T10 vendor ID ${vendor}`,
          );
      }
      const bl = kv(await libiscsi('iscsi-inq', ['-e', '1', '-c', '176', url]));
      for (const [ours0, theirs0] of [
        ['MAXIMUM TRANSFER LENGTH', 'maximum transfer length'],
        ['OPTIMAL TRANSFER LENGTH', 'optimal transfer length'],
        ['MAXIMUM COMPARE AND WRITE LENGTH', 'maximum compare and write length'],
        ['MAXIMUM UNMAP LBA COUNT', 'maximum unmap lba count'],
        ['MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT', 'maximum unmap block descriptor count'],
        ['OPTIMAL UNMAP GRANULARITY', 'optimal unmap granularity'],
        ['MAXIMUM WRITE SAME LENGTH', 'maximum write same length'],
      ])
        assert.equal(field(page('0xb0'), ours0!), bl.get(theirs0!), `${ours0} of LUN ${lun}`);
      const lbp = kv(await libiscsi('iscsi-inq', ['-e', '1', '-c', '178', url]));
      for (const k of ['lbpu', 'lbpws', 'lbpws10']) assert.equal(flag(page('0xb2'), k.toUpperCase()), lbp.get(k), `${k} of LUN ${lun}`);
      assert.equal(field(page('0xb2'), 'LBPRZ'), lbp.get('lbprz'));
      assert.match(field(page('0xb2'), 'PROVISIONING TYPE'), new RegExp(`^${lbp.get('provisioning type')} `));
    }
  });

  it('capacity decodes what iscsi-readcapacity16 shows', async () => {
    const p = get();
    for (const lun of p.luns) {
      const ours = await json<{
        lastLba: number;
        blockLength: number;
        lbpme: boolean;
        lbprz: boolean;
        pType: number;
        protEn: boolean;
        pIExponent: number;
        lbppbExponent: number;
        lowestAlignedLba: number;
        bytes: number;
      }>(['capacity', p.url(lun)]);
      const out = await libiscsi('iscsi-readcapacity16', [p.url(lun)]);
      const n = (re: RegExp) => Number(re.exec(out)![1]);
      assert.equal(ours.lastLba, n(/RETURNED LOGICAL BLOCK ADDRESS:(\d+)/));
      assert.equal(ours.blockLength, n(/LOGICAL BLOCK LENGTH IN BYTES:(\d+)/));
      assert.equal(Number(ours.lbpme), n(/LBPME:(\d)/));
      assert.equal(Number(ours.lbprz), n(/LBPRZ:(\d)/));
      assert.equal(ours.pType, n(/P_TYPE:(\d+)/));
      assert.equal(Number(ours.protEn), n(/PROT_EN:(\d)/));
      assert.equal(ours.pIExponent, n(/P_I_EXPONENT:(\d+)/));
      assert.equal(ours.lbppbExponent, n(/LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT:(\d+)/));
      assert.equal(ours.lowestAlignedLba, n(/LOWEST ALIGNED LOGICAL BLOCK ADDRESS:(\d+)/));
      assert.equal(ours.bytes, n(/Total size:(\d+)/));
    }
  });

  it('perf runs a random READ load for a second and reports IOPS, MiB/s and latency percentiles', async () => {
    const p = get();
    const r = await json<{ commands: number; iops: number; mibPerSecond: number; seconds: number; latencyUs: Record<string, number> }>([
      'perf',
      '--random',
      '--seconds',
      '1',
      '-b',
      '4096',
      '-q',
      '4',
      p.url(p.luns[0]!),
    ]);
    assert.ok(r.commands > 0 && r.iops > 0 && r.mibPerSecond > 0, JSON.stringify(r));
    assert.ok(r.seconds >= 1 && r.seconds < 20, `bounded in time: ${r.seconds} s`);
    const l = r.latencyUs;
    assert.ok(l['min']! <= l['p50']! && l['p50']! <= l['p90']! && l['p90']! <= l['p99']! && l['p99']! <= l['max']!, JSON.stringify(l));
  });
}

describe('tools against the reference target and libiscsi (real peer)', function () {
  this.timeout(300_000);
  let t: RunningTarget | undefined;
  let chap: RunningTarget | undefined;
  const IQN = 'iqn.2026-11.org.iscsi-test:tools';
  const CHAP_IQN = 'iqn.2026-11.org.iscsi-test:tools-chap';
  const alice = { user: 'alice', secret: 'alice-secret-123' };
  const peer = (): Peer => ({
    name: 'reference',
    portal: `iscsi://127.0.0.1:${t!.port}`,
    target: IQN,
    luns: [0, 1],
    thinLun: 1,
    url: (lun) => `iscsi://127.0.0.1:${t!.port}/${IQN}/${lun}`,
  });

  before(async function () {
    requirePeers(this, 'iscsi-ls', 'iscsi-inq', 'iscsi-readcapacity16');
    t = await startTarget({
      address: '127.0.0.1',
      port: 0,
      targets: [
        {
          iqn: IQN,
          luns: [
            { lun: 0, backing: 'memory', size: 64 << 20 },
            { lun: 1, backing: 'sparse', size: 1 << 30, thin: true },
          ],
        },
      ],
    });
    // A portal with a target that requires CHAP and one that does not.
    chap = await startTarget({
      address: '127.0.0.1',
      port: 0,
      targets: [
        { iqn: IQN, luns: [{ lun: 0, backing: 'memory', size: 16 << 20 }] },
        { iqn: CHAP_IQN, luns: [{ lun: 0, backing: 'memory', size: 16 << 20 }], chap: alice },
      ],
    });
  });
  after(async () => {
    await t?.stop();
    await chap?.stop();
  });

  // discover --luns cannot log in to the CHAP target without credentials: it says so, and exits 1.
  it("discover lists a CHAP target it cannot log in to with the reason, exit 1; with user%secret in the URL or libiscsi's variables inquiry logs in", async () => {
    const o = await tool(['discover', '--luns', `127.0.0.1:${chap!.port}`]);
    assert.equal(o.code, 1, o.stderr);
    assert.match(
      o.stdout,
      new RegExp(`Target: ${IQN.replace(/\./g, '\\.')}\\n  Portal: [^\\n]+\\n  LUN 0: DIRECT_ACCESS  ISCSITST REFERENCE TARGET \\S+  16 MiB`),
    );
    assert.match(
      o.stdout,
      new RegExp(`Target: ${CHAP_IQN.replace(/\./g, '\\.')}\\n  Portal: [^\\n]+\\n  cannot list LUNs: cannot log in to ${CHAP_IQN.replace(/\./g, '\\.')}`),
    );
    const ok = await tool(['inquiry', '--page', '0x80', `iscsi://${alice.user}%${alice.secret}@127.0.0.1:${chap!.port}/${CHAP_IQN}/0`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /warning: the URL carries a CHAP secret/);
    const env = await tool(['inquiry', '--page', '0x80', `iscsi://127.0.0.1:${chap!.port}/${CHAP_IQN}/0`], 60_000, {
      ...process.env,
      LIBISCSI_CHAP_USERNAME: alice.user,
      LIBISCSI_CHAP_PASSWORD: alice.secret,
    });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stderr, '');
    assert.match(ok.stdout, /PRODUCT SERIAL NUMBER: +\S+/);
  });

  describe('the same facts as libiscsi', () => compareWithLibiscsi(peer));

  it('inquiry --page N shows that page only; --hex shows the raw pages', async () => {
    const one = await tool(['inquiry', '--page', '0xb0', peer().url(1)]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^VPD page 0xb0 BLOCK_LIMITS\n/);
    assert.doesNotMatch(one.stdout, /Standard INQUIRY|VPD page 0x83/);
    assert.match(one.stdout, /MAXIMUM TRANSFER LENGTH: +\d+/);
    const hex = await tool(['inquiry', '--hex', peer().url(1)]);
    assert.equal(hex.code, 0, hex.stderr);
    assert.match(hex.stdout, /^Standard INQUIRY data \(\d+ bytes\)\n  0000  00 00 /);
    assert.match(hex.stdout, /\nVPD page 0xb2 LOGICAL_BLOCK_PROVISIONING \(8 bytes\)\n  0000  00 b2 00 04 /);
  });

  it('inquiry decodes the Third-party Copy VPD page (8Fh), which iscsi-inq 1.19 cannot unmarshall', async () => {
    const o = await tool(['inquiry', '--page', '0x8f', peer().url(0)]);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, /^VPD page 0x8f THIRD_PARTY_COPY\n/);
    assert.match(
      o.stdout,
      /0x0001 Supported Commands \(8 bytes\)\n +OPERATION CODE 0x83: service actions 0x00\n +OPERATION CODE 0x84: service actions 0x00 0x03\n/,
    );
    assert.match(o.stdout, /0x0004 Parameter Data \(28 bytes\)\n +MAXIMUM CSCD DESCRIPTOR COUNT: +8\n/);
    assert.match(o.stdout, /DESCRIPTOR TYPE CODES: 0x02 0xe4\n/);
    assert.match(o.stdout, /0x8001 General Copy Operations \(32 bytes\)\n/);
  });

  it('perf --write --dataloss writes for the time given and reports it', async () => {
    const o = await tool(['perf', '--write', '--dataloss', '--random', '-t', '0.5', '-b', '8192', '-q', '2', '--json', peer().url(0)]);
    assert.equal(o.code, 0, o.stderr);
    const r = JSON.parse(o.stdout) as { op: string; pattern: string; blockSize: number; queueDepth: number; commands: number; bytes: number };
    assert.deepEqual([r.op, r.pattern, r.blockSize, r.queueDepth], ['write', 'random', 8192, 2]);
    assert.ok(r.commands > 0);
    assert.equal(r.bytes, r.commands * 8192);
    oneLine(await tool(['perf', '-b', '1000', peer().url(0)]), 2, /--block-size=1000 is not a multiple of the LUN's 512-byte logical block/);
  });

  it('bad input: a portal that does not answer (3), a URL with no LUN (2), no LU at that LUN (1), a refused login (3), an unknown option (2)', async () => {
    const port = await freePort();
    oneLine(await tool(['discover', `127.0.0.1:${port}`]), 3, new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}`));
    oneLine(await tool(['inquiry', `iscsi://127.0.0.1:${t!.port}/${IQN}`]), 2, /bad iSCSI URL .*the LUN is missing/);
    oneLine(await tool(['inquiry', peer().url(9)]), 1, /LUN 9 .*no logical unit there/);
    // The credentials from libiscsi's variables: a secret in the URL adds a warning line (the process list).
    const wrong = { ...process.env, LIBISCSI_CHAP_USERNAME: alice.user, LIBISCSI_CHAP_PASSWORD: 'wrong-secret' };
    oneLine(await tool(['capacity', `iscsi://127.0.0.1:${chap!.port}/${CHAP_IQN}/0`], 60_000, wrong), 3, /cannot log in to .*tools-chap/);
    oneLine(await tool(['capacity', '--bogus', peer().url(0)]), 2, /capacity: Unknown option '--bogus'/);
    oneLine(await tool(['perf', '--write', peer().url(0)]), 2, /--write overwrites the LUN: give --dataloss/);
  });
});

describe('tools against tgtd and libiscsi (real peers)', function () {
  this.timeout(300_000);
  let tgtd: Tgtd | undefined;
  const peer = (): Peer => ({
    name: 'tgtd',
    portal: `iscsi://127.0.0.1:${tgtd!.port}`,
    target: tgtd!.iqn,
    luns: [1, 2],
    thinLun: 2,
    url: (lun) => tgtd!.url(lun),
  });

  before(async function () {
    requirePeers(this, 'tgtd', 'tgtadm', 'iscsi-ls', 'iscsi-inq', 'iscsi-readcapacity16');
    tgtd = await Tgtd.start({
      targets: [
        {
          iqn: 'iqn.2026-11.org.iscsi-test:tools-tgtd',
          luns: [
            { lun: 1, sizeMiB: 64 },
            { lun: 2, sizeMiB: 32, thin: true },
          ],
        },
      ],
    });
  });
  after(async () => {
    await tgtd?.stop();
  });

  compareWithLibiscsi(peer);
});
