/**
 * Heartbeat discovery (RFC 4171 5.6.5.14): the datagram decoder against bytes written out by hand (an
 * oracle independent of heartbeatPayload), the client's Heartbeat listener (UDP, and a Heartbeat on its
 * TCP connection) and discoverByHeartbeat. open-isns's isnsd sends no Heartbeat (it has no sender for
 * one, only a slot for receiving it), so scripted senders play the server here.
 */
import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { IsnsChannel } from '../../isns/channel.js';
import { IsnsClient } from '../../isns/client.js';
import { discoverByHeartbeat } from '../../isns/heartbeat.js';
import { decodeHeartbeatDatagram, Flag, Func, Heartbeat, heartbeatPayload, IsnsError } from '../../isns/index.js';

/** version 1, Heartbeat (14), length 28, flags server|last|first, xid 7, seq 0; ::ffff:10.1.2.3, 3205, 3206, 30 s, counter 4. */
const HEARTBEAT_HEX = '0001' + '000e' + '001c' + '4c00' + '0007' + '0000' + '00000000000000000000ffff0a010203' + '0c85' + '0c86' + '0000001e' + '00000004';
const heartbeatBytes = () => Buffer.from(HEARTBEAT_HEX, 'hex');
const EXPECTED: Heartbeat = { address: '10.1.2.3', tcpPort: 3205, udpPort: 3206, interval: 30, counter: 4 };

function patched(at: number, bytes: number[]): Buffer {
  const b = heartbeatBytes();
  Buffer.from(bytes).copy(b, at);
  return b;
}

const pduError = (what: RegExp) => (e: unknown) => IsnsError.is(e, 'ISNS_E_PDU') && what.test(e.message);

function sendDatagram(port: number, d: Buffer): Promise<void> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => s.send(d, port, '127.0.0.1', (e) => (s.close(), e ? reject(e) : resolve())));
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

describe('iSNS Heartbeat datagrams', () => {
  it('decodes a Heartbeat written out byte by byte', () => {
    assert.deepEqual(decodeHeartbeatDatagram(heartbeatBytes()), EXPECTED);
    assert.deepEqual(heartbeatPayload(EXPECTED), heartbeatBytes().subarray(12), 'the encoder writes the same 28 bytes');
  });

  const bad: [string, Buffer, RegExp][] = [
    ['a truncated header', heartbeatBytes().subarray(0, 7), /header truncated: 7 of 12/],
    ['iSNSP version 2', patched(0, [0, 2]), /version 2, expected 1/],
    ['another function (DevAttrReg)', patched(2, [0, 1]), /DevAttrReg, not a Heartbeat/],
    ['a PDU length longer than the datagram', patched(4, [0, 32]), /PDU length 32 but 28 bytes follow/],
    ['a payload cut short (length says so)', Buffer.concat([patched(4, [0, 8]).subarray(0, 12), Buffer.alloc(8)]), /shorter than its 28 bytes/],
    ['a PDU not marked first and last', patched(6, [0x40, 0x00]), /flags 0x4000 do not mark it the first and last PDU/],
  ];
  for (const [what, d, message] of bad) {
    it(`refuses ${what} with ISNS_E_PDU naming it`, () => {
      assert.throws(() => decodeHeartbeatDatagram(d), pduError(message));
    });
  }
});

describe('iSNS client: Heartbeat listener', function () {
  this.timeout(10_000);

  it('emits each Heartbeat received by UDP; a datagram that is no Heartbeat is an error event, and listening goes on', async () => {
    const c = new IsnsClient({ host: '127.0.0.1', port: 1 });
    const beats: Heartbeat[] = [];
    const errors: IsnsError[] = [];
    c.on('heartbeat', (h) => beats.push(h));
    c.on('error', (e) => errors.push(e));
    try {
      const port = await c.listenHeartbeat(0, '127.0.0.1');
      await sendDatagram(port, Buffer.from('not iSNS at all'));
      await sendDatagram(port, heartbeatBytes());
      await sendDatagram(port, patched(36, [0, 0, 0, 5]));
      const end = Date.now() + 3000;
      while (beats.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(beats, [EXPECTED, { ...EXPECTED, counter: 5 }]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.code, 'ISNS_E_PDU');
    } finally {
      c.stop();
    }
  });

  it('emits a Heartbeat the server sends on the TCP connection, which needs no answer', async () => {
    let sent = 0;
    const srv = net.createServer((sock) => {
      const ch = new IsnsChannel(sock, { message: () => sent++ });
      ch.send({ functionId: Func.Heartbeat, flags: Flag.SERVER, transactionId: 3, payload: heartbeatPayload(EXPECTED) });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const c = new IsnsClient({ host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port });
    try {
      const got = new Promise<Heartbeat>((r) => c.once('heartbeat', r));
      await c.send(c.transaction(Func.DevAttrQry), 300).catch(() => undefined);
      assert.deepEqual(await got, EXPECTED);
      assert.equal(sent, 1, 'only the DevAttrQry reached the server: no answer to the Heartbeat');
    } finally {
      c.stop();
      srv.close();
    }
  });
});

describe('discoverByHeartbeat', function () {
  this.timeout(10_000);

  it('resolves with the server the first well-formed Heartbeat names, after reporting a bad one', async () => {
    const port = await freeUdpPort();
    const errors: IsnsError[] = [];
    const found = discoverByHeartbeat({ port, host: '127.0.0.1', timeoutMs: 3000, onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 100));
    await sendDatagram(port, patched(0, [0, 9]));
    await sendDatagram(port, heartbeatBytes());
    const s = await found;
    assert.equal(s.host, '10.1.2.3');
    assert.equal(s.port, 3205);
    assert.deepEqual(s.heartbeat, EXPECTED);
    assert.match(s.from, /^127\.0\.0\.1:\d+$/);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /version 9/);
  });

  it('a Heartbeat that names no address (0.0.0.0): the sender is the server', async () => {
    const port = await freeUdpPort();
    const found = discoverByHeartbeat({ port, host: '127.0.0.1', timeoutMs: 3000 });
    await new Promise((r) => setTimeout(r, 100));
    await sendDatagram(port, patched(12, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0]));
    assert.equal((await found).host, '127.0.0.1');
  });

  it('no Heartbeat: ISNS_E_TIMEOUT within the wait', async () => {
    const port = await freeUdpPort();
    const t0 = Date.now();
    await assert.rejects(discoverByHeartbeat({ port, host: '127.0.0.1', timeoutMs: 300 }), (e: unknown) => IsnsError.is(e, 'ISNS_E_TIMEOUT'));
    assert.ok(Date.now() - t0 < 1500);
  });
});
