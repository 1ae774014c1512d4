/**
 * The iSNS server the harness plays, driven by the project's own client: registration with the period
 * it grants, a refresh query, deregistration, error statuses and silence on demand, a forgetful restart,
 * ESI to a registered ESI port, and bad input (garbage, an unknown function, a response nobody asked for).
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { IsnsClient } from '../../isns/client.js';
import { encodeMessage, Flag, Func, IsnsError, NodeType, responsePayload, Status, Tag, tlvValue } from '../../isns/index.js';
import { IsnsServer } from '../../isns/server.js';

const NODE = 'iqn.2026-01.org.iscsi-test:server-test';

describe('isns server (the harness plays it)', function () {
  this.timeout(20_000);
  let s: IsnsServer;
  let c: IsnsClient;
  let esiPort: number;

  beforeEach(async () => {
    s = new IsnsServer({ registrationPeriod: 7 });
    await s.start();
    c = new IsnsClient({ host: '127.0.0.1', port: s.port, timeoutMs: 2000, reconnectDelayMs: 100 });
    esiPort = await c.listen();
  });
  afterEach(async () => {
    c.stop();
    await s.stop();
  });

  const register = () =>
    c.send(
      c
        .transaction(Func.DevAttrReg)
        .add(Tag.IscsiName, NODE)
        .delimiter()
        .add(Tag.EntityId, 'ent')
        .add(Tag.EntityProtocol, 2)
        .add(Tag.PortalIp, '127.0.0.1')
        .add(Tag.PortalPort, 3260)
        .add(Tag.EsiPort, esiPort)
        .add(Tag.EsiInterval, 5)
        .add(Tag.IscsiName, NODE)
        .add(Tag.IscsiNodeType, NodeType.Target)
        .add(Tag.PgIscsiName, NODE)
        .add(Tag.PgPortalIp, '127.0.0.1')
        .add(Tag.PgPortalPort, 3260)
        .add(Tag.PgTag, 3),
    );

  it('keeps what is registered, grants its period, answers a refresh query and a deregistration', async () => {
    const r = await register();
    assert.equal(r.statusName, 'Successful');
    assert.equal(tlvValue(r.tlvs.find((t) => t.tag === Tag.RegistrationPeriod)!), 7);
    const e = s.entityOf(NODE)!;
    assert.deepEqual(
      { eid: e.eid, protocol: e.protocol, portals: e.portals, nodes: e.nodes, pgs: e.portalGroups },
      {
        eid: 'ent',
        protocol: 2,
        portals: [{ ip: '127.0.0.1', port: 3260, esiPort, esiInterval: 5 }],
        nodes: [{ name: NODE, type: 1 }],
        pgs: [{ name: NODE, ip: '127.0.0.1', port: 3260, tag: 3 }],
      },
    );
    const q = await c.send(
      c.transaction(Func.DevAttrQry).add(Tag.IscsiName, NODE).add(Tag.IscsiName, NODE).delimiter().add(Tag.EntityId).add(Tag.RegistrationPeriod),
    );
    assert.deepEqual(
      q.tlvs.map((t) => (t.tag === 0 ? '|' : tlvValue(t))),
      [NODE, '|', 'ent', 7],
    );
    assert.equal(s.messagesFrom([NODE]).length, 2);
    assert.equal((await c.send(c.transaction(Func.DevDereg).add(Tag.IscsiName, NODE).delimiter().add(Tag.EntityId, 'ent'))).statusName, 'Successful');
    assert.equal(s.entityOf(NODE), undefined);
  });

  it('on demand: error statuses, then silence, then a restart that forgets', async () => {
    s.failNext(Status.Busy, 1);
    assert.equal((await register()).statusName, 'Busy');
    assert.equal((await register()).statusName, 'Successful');
    s.setSilent(true);
    await assert.rejects(register(), (e: unknown) => IsnsError.is(e, 'ISNS_E_TIMEOUT'));
    s.setSilent(false);
    await s.stop({ forget: true });
    await s.start();
    assert.equal(s.entityOf(NODE), undefined);
    // Let the client see its connection close; a send racing that close ends ISNS_E_CLOSED (bounded).
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await register()).statusName, 'Successful', 'the client reconnected');
  });

  it('sends an ESI to the registered ESI port and returns the ESIRsp; a portal that does not answer times out', async () => {
    await register();
    const e = s.entityOf(NODE)!;
    const r = await s.esi(e, e.portals[0]!, 2000);
    assert.equal(r.status, Status.Successful);
    c.ignoreEsi = true;
    await assert.rejects(s.esi(e, e.portals[0]!, 300), (x: unknown) => IsnsError.is(x, 'ISNS_E_TIMEOUT'));
  });

  it('bad input: garbage closes that connection only, an unknown function is answered MessageNotSupported, a stray response is ignored', async () => {
    const raw = (bytes: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port: s.port }, () => sock.write(bytes));
        const got: Buffer[] = [];
        sock.on('data', (d) => got.push(d));
        sock.on('close', () => resolve(Buffer.concat(got)));
        setTimeout(() => sock.destroy(), 500);
      });
    assert.equal((await raw(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).length, 0, 'no answer to garbage');
    const dd = await raw(encodeMessage({ functionId: Func.DDSReg, flags: Flag.CLIENT, transactionId: 5, payload: Buffer.alloc(0) })[0]!);
    assert.equal(dd.readUInt16BE(2), Func.DDSReg | 0x8000);
    assert.equal(dd.readUInt32BE(12), Status.MessageNotSupported);
    const stray = await raw(encodeMessage({ functionId: Func.ESI | 0x8000, flags: Flag.CLIENT, transactionId: 9, payload: responsePayload(0) })[0]!);
    assert.equal(stray.length, 0);
    assert.equal((await register()).statusName, 'Successful', 'the server still serves');
  });
});
