import { cpSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../src/transport/http/console/', import.meta.url));
const BUILT = fileURLToPath(new URL('../transport/http/console/', import.meta.url));

/**
 * The web console's files are served from beside the HTTP transport's code:
 * tsc compiles the TypeScript into dist/, and this puts the page's own
 * HTML, scripts and styles next to it (`npm run build` runs it).
 */
export function copyConsoleAssets(from = SOURCE, to = BUILT): void {
  // Run from src/ (not built) the two are one: nothing to copy, and nothing to delete.
  if (resolve(from) === resolve(to)) return;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyConsoleAssets();
