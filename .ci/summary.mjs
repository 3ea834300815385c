// Turns tap's closing "# { total: N, pass: N, ... }" into "N passed, N failed".
import { readFileSync } from 'node:fs';

const [logFile, statusText] = process.argv.slice(2);
const log = readFileSync(logFile, 'utf8');
const summaries = [...log.matchAll(/^# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, skip: (\d+))?(?:, todo: (\d+))? \}$/gm)];
const last = summaries.at(-1);
if (last === undefined) {
  console.log(`0 passed, 1 failed`);
  console.error(`no tap summary found (npm test exited ${statusText})`);
} else {
  const [, total, pass = '0', fail, skip = '0', todo = '0'] = last;
  const failed = fail ?? String(Number(total) - Number(pass) - Number(skip) - Number(todo));
  const extra = Number(skip) + Number(todo);
  console.log(`${pass} passed, ${failed} failed${extra > 0 ? `, ${extra} skipped` : ''}`);
}
