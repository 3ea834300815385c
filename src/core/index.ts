export { type ForgetOutcome, Master } from './master.js';
export {
  HEALTH_CODES,
  HEALTH_DETAIL_MAX,
  type HealthCheck,
  type HealthCode,
  type HealthReport,
  type HealthSeverity,
  type HealthStatus,
  healthOf,
} from './health.js';
export { type CoreConfig, defaultCoreConfig, deadTimeoutMs } from './config.js';
export {
  type PageCursor,
  type ReplicationSummary,
  type UnderReplicatedPage,
  groupCount,
  replicationSummary,
  underReplicatedPage,
} from './reads.js';
export type * from './types.js';
export type { MasterStats } from './views.js';
