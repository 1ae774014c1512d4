/**
 * The iSNS client against open-isns's isnsd (a real, independent server started here on a free
 * loopback port with its own state directory) and isnsadm, and against small scripted servers for what
 * a real server does not do on demand: silence, garbage, answers to transactions never sent.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { IsnsChannel } from '../../isns/channel.js';
import { IsnsClient, IsnsResponse, ScnNotice } from '../../isns/client.js';
import { decodeTlvs, describeTlv, Flag, Func, IsnsError, IsnsMessage, NodeType, responsePayload, ScnBit, Status, Tag, tlvValue } from '../../isns/index.js';
import { Isnsd } from '../support/isnsd.js';
import { requirePeers } from '../support/peers.js';

const INI = 'iqn.2026-01.org.iscsi-test:client-ini';
const values = (r: IsnsResponse) => r.tlvs.map((t) => (t.tag === 0 ? '|' : `${t.tag}=${String(tlvValue(t))}`));

function until<T>(what: string, ms: number, get: () => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const poll = () => {
      const v = get();
      if (v !== undefined) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error(`${what}: not within ${ms} ms`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

/** DevAttrReg of an entity with one portal (its SCN/ESI port is the client's listener) and one node. */
function registration(c: IsnsClient, eid: string, node: string, type: number, port: number, esiInterval?: number) {
  const t = c
    .transaction(Func.DevAttrReg, Flag.REPLACE)
    .add(Tag.IscsiName, node)
    .add(Tag.EntityId, eid)
    .delimiter()
    .add(Tag.EntityId, eid)
    .add(Tag.EntityProtocol, 2)
    .add(Tag.PortalIp, '127.0.0.1')
    .add(Tag.PortalPort, port)
    .add(Tag.ScnPort, port);
  if (esiInterval) t.add(Tag.EsiPort, port).add(Tag.EsiInterval, esiInterval);
  return t.add(Tag.IscsiName, node).add(Tag.IscsiNodeType, type);
}

describe('isns client against isnsd', function () {
  this.timeout(60_000);
  let d: Isnsd;
  let c: IsnsClient;
  let port: number;
  const scns: ScnNotice[] = [];
  const errors: IsnsError[] = [];

  before(async function () {
    requirePeers(this, 'isnsd', 'isnsadm');
    d = await Isnsd.start({ registrationPeriod: 6, esiMin: 1, esiMax: 2 });
    c = new IsnsClient({ host: '127.0.0.1', port: d.port, reconnectDelayMs: 200 });
    c.on('scn', (n) => scns.push(n));
    c.on('error', (e) => errors.push(e));
    port = await c.listen();
  });
  after(async () => {
    c?.stop();
    await d?.close();
  });

  it('registers an entity, portal and node; isnsadm --query shows them', async () => {
    const r = await c.send(registration(c, 'ent-client', INI, NodeType.Initiator, port));
    assert.equal(r.statusName, 'Successful', values(r).join(' '));
    assert.ok(values(r).includes(`1=ent-client`), `response names the entity: ${values(r).join(' ')}`);
    const q = await d.query();
    assert.match(q, new RegExp(`iSCSI name = "${INI}"`));
    assert.match(q, new RegExp(`Portal TCP/UDP port = ${port}/tcp`));
  });

  it('DevAttrQry: the portals of the entity, by its EID', async () => {
    const r = await c.send(
      c.transaction(Func.DevAttrQry).add(Tag.IscsiName, INI).add(Tag.EntityId, 'ent-client').delimiter().add(Tag.PortalIp).add(Tag.PortalPort),
    );
    assert.equal(r.status, Status.Successful);
    assert.deepEqual(values(r), ['1=ent-client', '|', '16=127.0.0.1', `17=${port}`]);
  });

  it('SCN: registered for object changes, a notification arrives when isnsadm registers a target', async () => {
    const r = await c.send(
      c
        .transaction(Func.SCNReg)
        .add(Tag.IscsiName, INI)
        .add(Tag.IscsiName, INI)
        .delimiter()
        .add(Tag.IscsiScnBitmap, ScnBit.ObjectAdded | ScnBit.ObjectRemoved | ScnBit.ObjectUpdated),
    );
    assert.equal(r.statusName, 'Successful');
    const reg = await d.isnsadm('--register', 'entity=ent-other', 'portal=127.0.0.1:3260', 'target=iqn.2026-01.org.iscsi-test:other');
    assert.match(reg.stdout, /Successfully registered/, reg.stdout + reg.stderr);
    const n = await until('SCN for the new target', 10_000, () => scns.find((s) => s.changes.some((x) => x.name.endsWith(':other'))));
    assert.equal(n.destination, INI);
    assert.ok(n.changes.find((x) => x.name.endsWith(':other'))!.bitmap & ScnBit.ObjectAdded);
  });

  it('DevGetNext iterates every iSCSI Name, ending with NoSuchEntry', async () => {
    const names: string[] = [];
    let last: string | null = null;
    for (let i = 0; i < 20; i++) {
      const r = await c.send(c.transaction(Func.DevGetNext).add(Tag.IscsiName, INI).add(Tag.IscsiName, last).delimiter().add(Tag.IscsiNodeType));
      if (r.status === Status.NoSuchEntry) break;
      assert.equal(r.statusName, 'Successful');
      last = tlvValue(r.tlvs[0]!) as string;
      names.push(last);
    }
    assert.deepEqual([...names].sort(), [INI, 'iqn.2026-01.org.iscsi-test:other'].sort());
  });

  it('a bad request gets a status code, not an error: an empty DevAttrReg is MessageFormatError', async () => {
    const r = await c.send(c.transaction(Func.DevAttrReg));
    assert.equal(r.statusName, 'MessageFormatError');
  });

  it('refresh keeps the registration past its period; without it the server drops the entity', async () => {
    const seen: string[] = [];
    const cancel = c.startRefresh(INI, 2000, (r) => seen.push(r instanceof IsnsError ? r.code : r.statusName));
    await new Promise((r) => setTimeout(r, 9000)); // registration period 6 s
    assert.match(await d.query(), new RegExp(INI), `still registered after 9 s of refreshes (${seen.join(', ')})`);
    assert.ok(seen.length >= 3 && seen.every((s) => s === 'Successful'), seen.join(', '));
    cancel();
    assert.doesNotMatch(await d.query(), /iscsi-test:other/, 'isnsadm registered its entity once and never refreshed it: expired');
  });

  it('DevDereg removes the entity; isnsadm no longer shows the node', async () => {
    await c.send(registration(c, 'ent-client', INI, NodeType.Initiator, port));
    const r = await c.send(c.transaction(Func.DevDereg).add(Tag.IscsiName, INI).delimiter().add(Tag.EntityId, 'ent-client'));
    assert.equal(r.statusName, 'Successful');
    assert.doesNotMatch(await d.query(), new RegExp(INI));
  });

  it('answers ESI: the server keeps polling an entity that registered an ESI port', async () => {
    const esis: unknown[] = [];
    c.on('esi', (t) => esis.push(t.map(describeTlv)));
    await c.send(registration(c, 'ent-esi', INI, NodeType.Initiator, port, 1));
    await until('two ESIs', 10_000, () => (esis.length >= 2 ? true : undefined));
    assert.match(await d.query(), new RegExp(INI), 'the answered ESIs kept the entity registered');
  });

  it('the handle reconnects after the server restarts', async () => {
    await d.restart();
    const r = await c.send(registration(c, 'ent-esi', INI, NodeType.Initiator, port), 8000); // the entity the database kept
    assert.equal(r.statusName, 'Successful');
    assert.ok(c.connected);
  });
});

/** A scripted server: `onMessage` decides what to send back over the channel, if anything. */
async function scripted(onConn: (ch: IsnsChannel, sock: net.Socket) => void, onMessage?: (m: IsnsMessage, ch: IsnsChannel) => void) {
  const srv = net.createServer((sock) => {
    const ch = new IsnsChannel(sock, { message: (m, c) => onMessage?.(m, c) });
    onConn(ch, sock);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { srv, port: (srv.address() as net.AddressInfo).port };
}

describe('isns client: bounded waits and bad servers', function () {
  this.timeout(20_000);
  const code = (c: string) => (e: unknown) => IsnsError.is(e) && e.code === c;

  it('a server that never answers: ISNS_E_TIMEOUT within the wait', async () => {
    const { srv, port } = await scripted(() => {});
    const c = new IsnsClient({ host: '127.0.0.1', port });
    const t0 = Date.now();
    await assert.rejects(c.send(c.transaction(Func.DevAttrQry).add(Tag.IscsiName, INI), 300), code('ISNS_E_TIMEOUT'));
    assert.ok(Date.now() - t0 < 1000);
    c.stop();
    srv.close();
  });

  it('nothing listening: the send fails within its wait with ISNS_E_CLOSED or ISNS_E_TIMEOUT', async () => {
    const { srv, port } = await scripted(() => {});
    srv.close();
    const c = new IsnsClient({ host: '127.0.0.1', port, reconnectDelayMs: 50 });
    await assert.rejects(c.send(c.transaction(Func.DevAttrQry), 500), (e: unknown) => IsnsError.is(e) && ['ISNS_E_CLOSED', 'ISNS_E_TIMEOUT'].includes(e.code));
    c.stop();
  });

  it('garbage from the server: an ISNS_E_PDU error event and the pending send ends ISNS_E_CLOSED', async () => {
    const { srv, port } = await scripted(
      () => {},
      (_m, ch) => ch.sendRaw(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    const c = new IsnsClient({ host: '127.0.0.1', port });
    const errs: IsnsError[] = [];
    c.on('error', (e) => errs.push(e));
    await assert.rejects(c.send(c.transaction(Func.DevAttrQry), 2000), code('ISNS_E_CLOSED'));
    assert.equal(errs[0]?.code, 'ISNS_E_PDU');
    c.stop();
    srv.close();
  });

  it('a response to a transaction never sent: ISNS_E_UNSOLICITED, and the real answer still resolves', async () => {
    const { srv, port } = await scripted(
      () => {},
      (m, ch) => {
        ch.send({ functionId: m.functionId | 0x8000, flags: Flag.SERVER, transactionId: (m.transactionId + 100) & 0xffff, payload: responsePayload(0) });
        ch.send({ functionId: m.functionId | 0x8000, flags: Flag.SERVER, transactionId: m.transactionId, payload: responsePayload(Status.Busy) });
      },
    );
    const c = new IsnsClient({ host: '127.0.0.1', port });
    const errs: IsnsError[] = [];
    c.on('error', (e) => errs.push(e));
    const r = await c.send(c.transaction(Func.DevAttrQry), 2000);
    assert.equal(r.statusName, 'Busy');
    assert.equal(errs[0]?.code, 'ISNS_E_UNSOLICITED');
    c.stop();
    srv.close();
  });

  it('stop() ends pending sends with ISNS_E_STOPPED and later sends at once', async () => {
    const { srv, port } = await scripted(() => {});
    const c = new IsnsClient({ host: '127.0.0.1', port });
    const p = c.send(c.transaction(Func.DevAttrQry), 5000);
    await new Promise((r) => setTimeout(r, 100));
    c.stop();
    await assert.rejects(p, code('ISNS_E_STOPPED'));
    await assert.rejects(c.send(c.transaction(Func.DevAttrQry)), code('ISNS_E_STOPPED'));
    srv.close();
  });

  it('an unknown server-initiated function is answered MessageNotSupported', async () => {
    let answer: number | undefined;
    const { srv, port } = await scripted(
      () => {},
      (m, ch) => {
        if (m.functionId === (Func.DDReg | 0x8000)) answer = m.payload.readUInt32BE(0);
        else ch.send({ functionId: Func.DDReg, flags: Flag.SERVER, transactionId: 9, payload: Buffer.alloc(0) });
      },
    );
    const c = new IsnsClient({ host: '127.0.0.1', port });
    await c.send(c.transaction(Func.DevAttrQry), 300).catch(() => undefined);
    await until('the answer', 2000, () => answer);
    assert.equal(answer, Status.MessageNotSupported);
    c.stop();
    srv.close();
  });
});

describe('isns client: kept transactions after a server restart', function () {
  this.timeout(60_000);
  const KEPT = 'iqn.2026-01.org.iscsi-test:client-kept';

  it('re-sends its registration and then its SCN registration when isnsd comes back with an empty database; SCNs arrive again', async function () {
    requirePeers(this, 'isnsd', 'isnsadm');
    const d = await Isnsd.start();
    const c = new IsnsClient({ host: '127.0.0.1', port: d.port, reconnectDelayMs: 200 });
    const results: string[] = [];
    const scns: ScnNotice[] = [];
    c.on('scn', (n) => scns.push(n));
    const outcome = (what: string) => (r: IsnsResponse | IsnsError) => results.push(`${what} ${r instanceof IsnsError ? r.code : r.statusName}`);
    try {
      const port = await c.listen();
      c.keep(registration(c, 'ent-kept', KEPT, NodeType.Initiator, port), outcome('DevAttrReg'));
      c.keep(
        c.transaction(Func.SCNReg).add(Tag.IscsiName, KEPT).add(Tag.IscsiName, KEPT).delimiter().add(Tag.IscsiScnBitmap, ScnBit.ObjectAdded),
        outcome('SCNReg'),
      );
      await until('both answered', 5000, () => (results.length >= 2 ? true : undefined));
      assert.deepEqual(results, ['DevAttrReg Successful', 'SCNReg Successful']);

      await d.restart(true);
      await until('sent again on the new connection', 20_000, () => (results.length >= 4 ? true : undefined));
      assert.deepEqual(results, ['DevAttrReg Successful', 'SCNReg Successful', 'DevAttrReg Successful', 'SCNReg Successful']);
      assert.match(await d.query(), new RegExp(`iSCSI name = "${KEPT}"`), 'the fresh isnsd knows the node again');
      const reg = await d.isnsadm('--register', 'entity=ent-late', 'portal=127.0.0.1:3261', 'target=iqn.2026-01.org.iscsi-test:late');
      assert.match(reg.stdout, /Successfully registered/, reg.stdout + reg.stderr);
      await until('SCN after the restart', 10_000, () => scns.find((s) => s.changes.some((x) => x.name.endsWith(':late'))));
    } finally {
      c.stop();
      await d.close();
    }
  });
});

describe('isns client: keep()', function () {
  this.timeout(20_000);

  it('sends kept transactions once on each new connection, in the order kept; a cancelled one no more', async () => {
    const seen: string[] = [];
    let conns = 0;
    const { srv, port } = await scripted(
      () => conns++,
      (m, ch) => {
        seen.push(`${conns}:${String(tlvValue(decodeTlvs(m.payload)[0]!))}`);
        ch.send({ functionId: m.functionId | 0x8000, flags: Flag.SERVER, transactionId: m.transactionId, payload: responsePayload(0) });
        // The server drops the connection after each round, as a restarting server does: the client comes back.
        if (seen.length === 2 || seen.length === 4) ch.close();
      },
    );
    const c = new IsnsClient({ host: '127.0.0.1', port, reconnectDelayMs: 50 });
    try {
      c.keep(c.transaction(Func.DevAttrReg).add(Tag.IscsiName, 'first'));
      let answered = 0;
      const cancel = c.keep(c.transaction(Func.SCNReg).add(Tag.IscsiName, 'second'), () => {
        if (++answered === 2) cancel();
      });
      await until('three rounds', 5000, () => (seen.length >= 5 ? true : undefined));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(seen, ['1:first', '1:second', '2:first', '2:second', '3:first']);
    } finally {
      c.stop();
      srv.close();
    }
  });
});
