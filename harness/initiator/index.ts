export * from './url.js';
export * from './connection.js';
export * from './login.js';
export * from './session.js';
export * from './discovery.js';
