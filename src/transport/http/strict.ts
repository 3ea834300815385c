import { isUtf8 } from 'node:buffer';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction, errorCodes } from 'fastify';
import { ChunkmasterError } from '../../protocol/errors.js';

type Done = (error: Error | null, value?: unknown) => void;

/**
 * The application/json body parser: it takes the raw bytes, so that invalid
 * UTF-8 is a 400 instead of U+FFFD (which made `k\xff` and `k\xfe` one handle).
 */
export function parseJsonBody(_request: FastifyRequest, body: Buffer, done: Done): void {
  if (body.length === 0) {
    done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY());
    return;
  }
  if (!isUtf8(body)) {
    done(new ChunkmasterError('BODY_NOT_UTF8'));
    return;
  }
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark, as Fastify allows
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY());
    return;
  }
  if (hasPoison(value, text)) done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY());
  else done(null, value);
}

/**
 * Prototype poisoning, refused as Fastify's default parser (secure-json-parse)
 * refuses it: an own "__proto__" key anywhere, or an own "constructor" that
 * is an object with its own "prototype". Our routes copy no body into other
 * objects, but a plugin or a later route might, so the guard stays. It looks
 * at the parsed value instead of the text: secure-json-parse runs two regexes
 * over every body (escapes included, so they stop at every quote), while this
 * walk visits only objects and array slots; a body with no "{" past its
 * first character (a heartbeat) has no object but the root to look at.
 */
function hasPoison(root: unknown, text: string): boolean {
  if (text.indexOf('{', 1) === -1) return isPoisonedObject(root);
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (typeof node[i] === 'object') stack.push(node[i]);
      continue;
    }
    if (isPoisonedObject(node)) return true;
    for (const key in node) stack.push((node as Record<string, unknown>)[key]);
  }
  return false;
}

function isPoisonedObject(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  if (Object.hasOwn(node, '__proto__')) return true;
  if (!Object.hasOwn(node, 'constructor')) return false;
  const constructor: unknown = (node as { constructor: unknown }).constructor;
  return typeof constructor === 'object' && constructor !== null && Object.hasOwn(constructor, 'prototype');
}

/**
 * HTTP/1.1 requires Host (RFC 9112 section 3.2). Node's own check answers a
 * bare 400 without a body, so the server is told not to check
 * (requireHostHeader: false) and this hook answers Fastify's JSON 400
 * instead, closing the connection as Node does.
 */
export function requireHost(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const raw = request.raw;
  if (raw.headers.host !== undefined || raw.httpVersion !== '1.1') {
    done();
    return;
  }
  reply.header('connection', 'close');
  done(new ChunkmasterError('HOST_REQUIRED'));
}

/** Strict input for an app, installed before any route plugin. */
export function installStrictInput(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody);
  app.addHook('onRequest', requireHost);
}
