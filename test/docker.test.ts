import { existsSync, readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';
import t from 'tap';

const root = new URL('../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const named = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `));
const finalStage = instructions.slice(instructions.lastIndexOf(named('FROM').at(-1) as string));

t.test('the Dockerfile passes the linter (which does catch mistakes)', async (t) => {
  t.same(validate(dockerfile), []);
  t.ok(validate('FROM node:20\nEXPOSE port\nFOO bar\n').length >= 2, 'a broken file is caught');
});

t.test('multi-stage, production dependencies only, non-root', async (t) => {
  t.ok(named('FROM').length >= 2, 'more than one stage');
  t.ok(instructions.some((line) => /npm ci --omit=dev/.test(line)), 'a stage installs production dependencies only');
  t.ok(finalStage.some((line) => /^COPY --from=deps \/app\/node_modules/.test(line)), 'the final stage takes them');
  t.notOk(finalStage.some((line) => /^RUN npm (ci|install)(?!.*--omit=dev)/.test(line)), 'no dev install in the final stage');
  const user = finalStage.filter((line) => line.startsWith('USER '));
  t.equal(user.length, 1);
  t.notMatch(user[0], /\broot\b|\b0\b/);
});

t.test('serves on 0.0.0.0:7070 with tokens and checks /healthz', async (t) => {
  t.same(named('EXPOSE'), ['EXPOSE 7070']);
  t.match(named('HEALTHCHECK')[0], /\/healthz/);
  const cmd = JSON.parse((named('CMD').at(-1) as string).slice(4)) as string[];
  const entry = JSON.parse((named('ENTRYPOINT').at(-1) as string).slice(11)) as string[];
  const argv = [...entry, ...cmd];
  t.same(argv.slice(0, 3), ['node', 'dist/cli.js', 'serve']);
  t.equal(argv[argv.indexOf('--host') + 1], '0.0.0.0');
  t.equal(argv[argv.indexOf('--port') + 1], '7070');
  t.ok(argv.includes('--tokens-file'));
  t.notOk(argv.includes('--insecure'));
});

t.test('everything the Dockerfile copies from the context exists and is not ignored', async (t) => {
  const ignored = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
  const sources = named('COPY')
    .filter((line) => !line.includes('--from='))
    .flatMap((line) => line.split(/\s+/).slice(1, -1));
  t.ok(sources.length >= 5);
  for (const source of sources) {
    t.ok(existsSync(new URL(source, root)), `${source} exists`);
    t.notOk(ignored.includes(source), `${source} is not in .dockerignore`);
  }
  t.ok(ignored.includes('node_modules'), 'the host node_modules never enters the image');
});
