import type { Body } from './dispatch.js';

/** A Maelstrom envelope: who sent a body, to whom. */
export interface Envelope {
  src: string;
  dest: string;
  body: Body;
}

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The envelope `value` is, or undefined when it is not one. */
export function asEnvelope(value: unknown): Envelope | undefined {
  if (!isBody(value)) return undefined;
  const { src, dest, body } = value;
  return typeof src === 'string' && typeof dest === 'string' && isBody(body) ? { src, dest, body } : undefined;
}
