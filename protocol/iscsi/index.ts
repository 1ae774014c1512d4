export * from './constants.js';
export * from './crc32c.js';
export * from './pdu.js';
export * from './frame.js';
export * from './text.js';
export * from './keys.js';
export * from './negotiation.js';
export * from './chap.js';
