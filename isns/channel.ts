/**
 * One TCP connection speaking iSNSP, either side: messages in through the codec's parser, messages out
 * through its encoder. Used by the client (its server connection and the connections a server opens to
 * its SCN/ESI port) and by the iSNS server the harness plays. A framing error closes the connection
 * (the stream cannot be resynchronised); a PDU-level error is reported and the connection goes on.
 */
import * as net from 'node:net';
import { IsnsError } from './errors.js';
import { encodeMessage, IsnsMessage } from './message.js';
import { IsnsParser } from './parser.js';

export interface ChannelHandlers {
  message: (m: IsnsMessage, ch: IsnsChannel) => void;
  /** Codec errors of what the peer sent; `fatal` when the channel closes because of it. */
  error?: (e: IsnsError, fatal: boolean, ch: IsnsChannel) => void;
  close?: (ch: IsnsChannel) => void;
}

export class IsnsChannel {
  private readonly parser: IsnsParser;
  private closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly handlers: ChannelHandlers,
  ) {
    this.parser = new IsnsParser(
      (m) => this.handlers.message(m, this),
      (e) => {
        const fatal = e.code === 'ISNS_E_PDU';
        this.handlers.error?.(e, fatal, this);
        if (fatal) this.close();
      },
    );
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      try {
        this.parser.push(d);
      } catch (err) {
        // A throwing handler must not become an unhandled exception on the socket.
        this.handlers.error?.(new IsnsError('ISNS_E_PDU', `handling a message failed: ${(err as Error).message}`, {}, { cause: err }), true, this);
        this.close();
      }
    });
    socket.on('error', () => this.close());
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.handlers.close?.(this);
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  send(m: IsnsMessage, maxPayload?: number): void {
    if (this.isClosed) throw new IsnsError('ISNS_E_CLOSED', `connection to ${this.remote} is closed`);
    for (const pdu of encodeMessage(m, maxPayload)) this.socket.write(pdu);
  }

  /** Write raw bytes (negative tests: garbage, truncated PDUs). */
  sendRaw(b: Buffer): void {
    if (!this.isClosed) this.socket.write(b);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.handlers.close?.(this);
  }
}
