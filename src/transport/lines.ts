import { isUtf8 } from 'node:buffer';

/** A line of text, or the bytes of a line that is not valid UTF-8. */
export type Line = string | Buffer;

const LF = 0x0a;
const CR = 0x0d;
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Splits a byte stream into lines at \n, \r\n or a lone \r, as readline
 * does; the empty line a \r\n split across chunks leaves is a blank line.
 * Bytes are checked before they are decoded, so a line that is not UTF-8
 * comes out as its bytes instead of with U+FFFD in it.
 */
export class LineSplitter {
  private partial: Buffer[] = [];

  /** Appends to `out` every line `chunk` completes. */
  push(chunk: Buffer, out: Line[]): void {
    const end = lastBreak(chunk);
    if (end === -1) {
      // A long line arrives in many chunks: joined once, when it ends.
      this.partial.push(chunk);
      return;
    }
    const head = chunk.subarray(0, end + 1);
    const block = this.partial.length === 0 ? head : Buffer.concat([...this.partial, head]);
    this.partial = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
    splitBlock(block, out);
  }

  /** Appends the last line, the one no line break ended. */
  end(out: Line[]): void {
    if (this.partial.length > 0) splitBlock(Buffer.concat(this.partial), out);
    this.partial = [];
  }
}

/** The offset of the last line break in `chunk`, or -1. */
function lastBreak(chunk: Buffer): number {
  const lf = chunk.lastIndexOf(LF);
  // Only the bytes after the last \n need a look for a lone \r.
  return chunk.indexOf(CR, lf + 1) === -1 ? lf : chunk.lastIndexOf(CR);
}

/**
 * Line breaks are ASCII and never inside a multi-byte sequence, so a valid
 * block has only valid lines: decoded and split at once, the common case.
 * Otherwise each line is checked on its own.
 */
function splitBlock(block: Buffer, out: Line[]): void {
  if (isUtf8(block)) {
    for (const line of block.toString('utf8').split(LINE_BREAK)) out.push(line);
    return;
  }
  let start = 0;
  for (let at = 0; at <= block.length; at++) {
    const byte = block[at];
    if (byte !== LF && byte !== CR && at < block.length) continue;
    const bytes = block.subarray(start, at);
    out.push(isUtf8(bytes) ? bytes.toString('utf8') : Buffer.from(bytes));
    if (byte === CR && block[at + 1] === LF) at++;
    start = at + 1;
  }
}
