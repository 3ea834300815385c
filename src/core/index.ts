export { Master } from './master.js';
export { type CoreConfig, defaultCoreConfig, deadTimeoutMs } from './config.js';
export type * from './types.js';
