import { REPORT_PARTS_MAX } from './schemas.js';

/**
 * A full chunk list cut into the parts of a split report (CONTRACT 9): parts
 * of `size` handles, or of more when that would make more parts than a report
 * may have; one part at least.
 */
export function splitList(chunks: readonly string[], size: number): string[][] {
  const perPart = Math.max(size, Math.ceil(chunks.length / REPORT_PARTS_MAX));
  const count = Math.max(1, Math.ceil(chunks.length / perPart));
  return Array.from({ length: count }, (_, i) => chunks.slice(i * perPart, (i + 1) * perPart));
}
