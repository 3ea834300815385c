import type { PageCursor } from '../core/index.js';
import { ID_MAX_LENGTH } from './schemas.js';

/**
 * The `after` cursor of GET /replication: the last entry's queue group and
 * handle, base64url-encoded so that any handle travels in a query string
 * as is. Opaque to clients; only a cursor this master gave is accepted.
 */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.group}.${cursor.chunk}`, 'utf8').toString('base64url');
}

/** A queue group, a dot, then a chunk handle of 1 to ID_MAX_LENGTH UTF-16 units. */
const CURSOR = new RegExp(`^(0|[1-9][0-9]*)\\.([\\s\\S]{1,${ID_MAX_LENGTH}})$`);

/** The cursor, or undefined when `text` is not one encodeCursor() could have made for `groups` groups. */
export function decodeCursor(text: string, groups: number): PageCursor | undefined {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  // Invalid UTF-8 or stray characters would not survive the way back.
  if (Buffer.from(decoded, 'utf8').toString('base64url') !== text) return undefined;
  const match = CURSOR.exec(decoded);
  if (match === null) return undefined;
  const group = Number(match[1]);
  return group < groups ? { group, chunk: match[2] as string } : undefined;
}
