import { type Static, Type } from '@sinclair/typebox';
import { HEALTH_CODES, HEALTH_DETAIL_MAX, type Master, healthOf } from '../core/index.js';

/*
 * GET /health: the master's health checks, in the manner of Ceph's
 * `ceph health detail`. An HTTP read only; /healthz and /readyz stay the
 * probes (the process is up; safe mode is over).
 */

const Severity = Type.Union([Type.Literal('HEALTH_WARN'), Type.Literal('HEALTH_ERR')]);

export const HealthCheckEntry = Type.Object({
  code: Type.Union(HEALTH_CODES.map((code) => Type.Literal(code)), { description: 'What the check is about (CONTRACT section 8, GET /health).' }),
  severity: Severity,
  summary: Type.String({ description: 'One line: what is wrong, with its count.' }),
  count: Type.Integer({ minimum: 0, description: 'How many servers or chunks the check is about; 1 for a state of the master.' }),
  detail: Type.Array(Type.String(), {
    maxItems: HEALTH_DETAIL_MAX,
    description: `At most ${HEALTH_DETAIL_MAX} server ids, chunk handles or short lines.`,
  }),
});

export const HealthChecks = Type.Object({
  status: Type.Union([Type.Literal('HEALTH_OK'), Severity], { description: 'The worst severity among the checks; HEALTH_OK with none.' }),
  checks: Type.Array(HealthCheckEntry, { description: 'The checks that apply now: errors first, then warnings, each by code.' }),
}, { description: "The master's health checks; a check that does not apply is absent." });

/** Cheap reads only: O(servers), never a scan of every chunk. */
export function healthChecks(master: Master, now: number): Static<typeof HealthChecks> {
  return healthOf(master, now);
}
