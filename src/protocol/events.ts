import type { CoreEvent } from '../core/index.js';
import type { Body } from './dispatch.js';

/** A core event as a protocol body: its type, then its fields in snake_case. */
export function eventBody(event: CoreEvent): Body {
  const body: Body = {};
  for (const [key, value] of Object.entries(event)) {
    body[key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = value;
  }
  return body;
}
