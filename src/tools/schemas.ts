import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { Envelope, EVENTS, EventsDropped, REPLIES, REQUESTS, Subscribe, SubscribeOk } from '../protocol/schemas.js';

export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

/** Every protocol message's JSON Schema, by file name, from the TypeBox definitions. */
export function schemaFiles(): Map<string, string> {
  const all: TSchema[] = [Envelope, ...Object.values(REQUESTS), Subscribe, ...REPLIES, SubscribeOk, EventsDropped, ...EVENTS];
  const files = new Map<string, string>();
  for (const schema of all) {
    const id = schema.$id as string;
    const document = { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
    files.set(`${id}.json`, JSON.stringify(document, null, 2) + '\n');
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const name of readdirSync(SCHEMAS_DIR)) if (name.endsWith('.json')) rmSync(join(SCHEMAS_DIR, name));
  const files = schemaFiles();
  for (const [name, text] of files) writeFileSync(join(SCHEMAS_DIR, name), text);
  process.stdout.write(`wrote ${files.size} schemas to ${SCHEMAS_DIR}\n`);
}
