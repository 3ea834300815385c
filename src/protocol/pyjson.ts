/**
 * JSON exactly as Python's json.dumps prints it with default settings:
 * ", " and ": " separators, every non-ASCII (and DEL) escaped as a lowercase
 * \uXXXX, astral characters as surrogate pairs, "/" left alone. Keys keep
 * insertion order; undefined members are left out like JSON.stringify does.
 */
export function pyDumps(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return pyString(value);
    case 'number':
      return pyNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return Array.isArray(value) ? pyArray(value) : pyObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`pyDumps cannot encode a ${typeof value}`);
  }
}

const NON_ASCII = /[\u007f-\uffff]/g;

/** Printable ASCII other than quote and backslash: the text is its own JSON. */
function isPlain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

export function pyString(text: string): string {
  // Most ids and handles need no escaping at all; skip the copies for them.
  if (isPlain(text)) return '"' + text + '"';
  // JSON.stringify already escapes quotes, backslashes, control and lone
  // surrogate characters the way Python does; only non-ASCII is left.
  return JSON.stringify(text).replace(NON_ASCII, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

function pyNumber(value: number): string {
  // Small integers (ids, counters, ms) print the same everywhere.
  if (Number.isSafeInteger(value)) return String(value);
  // Python pads exponents to two digits: 1e-07 where JavaScript says 1e-7.
  if (Number.isFinite(value)) return JSON.stringify(value).replace(/e([+-])(\d)$/, 'e$10$2');
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

function pyArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ', ';
    const item = items[i];
    out += item === undefined ? 'null' : pyDumps(item);
  }
  return out + ']';
}

/**
 * Encoded keys with their ": ", cached: replies reuse a few dozen field names.
 * Bounded so that objects keyed by ids cannot grow it without limit.
 */
const encodedKeys = new Map<string, string>();
const MAX_ENCODED_KEYS = 512;

function pyKey(key: string): string {
  let encoded = encodedKeys.get(key);
  if (encoded === undefined) {
    encoded = pyString(key) + ': ';
    if (encodedKeys.size < MAX_ENCODED_KEYS) encodedKeys.set(key, encoded);
  }
  return encoded;
}

function pyObject(record: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const key of Object.keys(record)) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ', ';
    first = false;
    out += pyKey(key) + pyDumps(member);
  }
  return out + '}';
}
