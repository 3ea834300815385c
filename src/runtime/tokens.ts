import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Id } from '../protocol/schemas.js';
import { describeError } from '../protocol/validate.js';

/** Who a bearer token belongs to. */
export type Identity = { kind: 'operator' } | { kind: 'server'; server: string };

const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });
const TokensFileSchema = Type.Object(
  {
    servers: Type.Optional(Type.Record(Id('A chunk server id.'), Digest)),
    operators: Type.Optional(Type.Array(Digest)),
  },
  { additionalProperties: false },
);
const checkTokensFile = TypeCompiler.Compile(TokensFileSchema);

export class TokensFileError extends Error {
  override name = 'TokensFileError';
}

interface Entry {
  digest: Buffer;
  identity: Identity;
}

/**
 * The SHA-256 digests of every accepted bearer token. Tokens are never
 * stored; a presented token is hashed and compared to every digest in
 * constant time, so neither timing nor an early exit tells which matched.
 */
export class TokenStore {
  private readonly entries: Entry[];

  constructor(entries: readonly Entry[]) {
    this.entries = [...entries];
  }

  /** Parses the tokens file's JSON text: {"servers": {id: digest}, "operators": [digest]}. */
  static parse(text: string): TokenStore {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new TokensFileError(`not JSON: ${(error as Error).message}`);
    }
    if (!checkTokensFile.Check(value)) {
      throw new TokensFileError(describeError(checkTokensFile.Errors(value).First()!));
    }
    const entries: Entry[] = [];
    // JSON.parse makes "__proto__" an own key, so entries() sees every server id.
    for (const [server, digest] of Object.entries(value.servers ?? {})) {
      entries.push({ digest: fromHex(digest), identity: { kind: 'server', server } });
    }
    for (const digest of value.operators ?? []) entries.push({ digest: fromHex(digest), identity: { kind: 'operator' } });
    return new TokenStore(entries);
  }

  static load(path: string): TokenStore {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new TokensFileError((error as Error).message);
    }
    return TokenStore.parse(text);
  }

  get size(): number {
    return this.entries.length;
  }

  identify(token: string): Identity | undefined {
    const presented = sha256(token);
    let found: Identity | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented) && found === undefined) found = entry.identity;
    }
    return found;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function fromHex(digest: string): Buffer {
  return Buffer.from(digest.slice('sha256:'.length), 'hex');
}

/** The digest line a tokens file holds for a token. */
export function digestOf(token: string): string {
  return `sha256:${sha256(token).toString('hex')}`;
}

/** A fresh random bearer token: 32 bytes, URL-safe base64. */
export function createToken(): string {
  return randomBytes(32).toString('base64url');
}
