/** The iSNS codec (RFC 4171): pure, no sockets, no timers. The client and server sit beside it. */
export * from './constants.js';
export * from './errors.js';
export * from './tlv.js';
export * from './message.js';
export * from './parser.js';
