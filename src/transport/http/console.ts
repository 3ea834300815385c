import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fastifyStatic from '@fastify/static';
import { ErrorResponse } from './schemas.js';

/** The page's own files: beside this module in src/, copied beside its build in dist/ (src/tools/console-assets.ts). */
export const CONSOLE_DIR = fileURLToPath(new URL('./console/', import.meta.url));
/** uPlot's browser build, served from its package: the page loads nothing from elsewhere. */
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
const UPLOT_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'];

const ConsoleParams = Type.Object({
  file: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.-]*$', maxLength: 64, description: 'One of the page\'s files: its scripts, styles and uPlot.' }),
});
const Page = Type.String({ description: 'The file.' });

/**
 * The operator's web console: GET / and the files it loads, served without
 * a token (they hold no data; the page asks for one and sends it with every
 * read). Only the files found at start are served, so no path reaches
 * anything else on disk.
 */
export const consoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roots = new Map<string, string>();
  for (const name of readdirSync(CONSOLE_DIR)) if (name !== 'index.html') roots.set(name, CONSOLE_DIR);
  for (const name of UPLOT_FILES) roots.set(name, UPLOT_DIR);
  await app.register(fastifyStatic, { root: CONSOLE_DIR, serve: false });

  app.get('/', {
    config: { access: 'public' },
    schema: {
      summary: 'The web console: summary, servers, events and a chart of repairs, read through the routes below',
      tags: ['console'],
      security: [],
      produces: ['text/html'],
      response: { 200: Page },
    },
  }, async (_request, reply) => reply.sendFile('index.html', CONSOLE_DIR));

  app.get('/console/:file', {
    config: { access: 'public' },
    schema: {
      summary: "The console's scripts and styles",
      tags: ['console'],
      security: [],
      params: ConsoleParams,
      produces: ['text/javascript', 'text/css'],
      response: { 200: Page, 400: ErrorResponse, 404: ErrorResponse },
    },
  }, async (request, reply) => {
    const root = roots.get(request.params.file);
    if (root !== undefined) return reply.sendFile(request.params.file, root);
    reply.callNotFound();
    return reply;
  });
};
