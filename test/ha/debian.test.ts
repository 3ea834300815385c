import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ensureDebianPackage, findBinary } from '../fixtures/debian.js';

/** A stand-in apt-get running `body`, its lock, and a bin dir on its own PATH for what it "installs". */
function sandbox(t: Test, body: string) {
  const dir = mkdtempSync(join(tmpdir(), 'chunkmaster-apt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const aptGet = join(dir, 'apt-get');
  writeFileSync(aptGet, `#!/bin/sh\necho "$@" >> ${dir}/calls\nBIN=${bin}\n${body}\n`);
  chmodSync(aptGet, 0o755);
  const lock = join(dir, 'lock');
  return { bin, lock, calls: () => readFileSync(join(dir, 'calls'), 'utf8'), options: { aptGet, lock, path: `:${bin}`, waitMs: 5000 } };
}

const INSTALLS = 'case "$*" in *install*) printf "#!/bin/sh\\n" > $BIN/tool; chmod +x $BIN/tool;; esac';

t.test('a binary on PATH is found, and nothing is installed', async (t) => {
  t.match(findBinary('sh'), /\/sh$/);
  t.equal(findBinary('sh', ''), undefined, 'an empty PATH');
  t.equal(findBinary('no-such-binary-here'), undefined);
  const box = sandbox(t, 'exit 1');
  t.equal(await ensureDebianPackage('dash', 'sh', { ...box.options, path: process.env['PATH'] }), findBinary('sh'));
});

t.test('a missing binary: apt-get update, then install -y the package', async (t) => {
  const box = sandbox(t, INSTALLS);
  t.equal(await ensureDebianPackage('tool-pkg', 'tool', box.options), join(box.bin, 'tool'));
  t.match(box.calls(), /update\n.*install -y tool-pkg\n$/);
});

t.test('a failed apt-get throws naming the package', async (t) => {
  const box = sandbox(t, 'echo "E: Unable to locate package" >&2; exit 100');
  await t.rejects(ensureDebianPackage('tool-pkg', 'tool', box.options), /apt-get update` failed \(exit 100: E: Unable to locate package\): install Debian's tool-pkg package/);
  const gone = sandbox(t, '');
  await t.rejects(ensureDebianPackage('x', 'tool', { ...gone.options, aptGet: '/nonexistent/apt-get' }), /ENOENT.*install Debian's x package/);
});

t.test('an install that puts no binary there throws too', async (t) => {
  const box = sandbox(t, 'exit 0');
  await t.rejects(ensureDebianPackage('tool-pkg', 'tool', box.options), /tool is still missing after apt-get install -y tool-pkg: install Debian's tool-pkg package/);
});

t.test('one install at a time: a held lock is waited for, a stale one taken over', async (t) => {
  const box = sandbox(t, INSTALLS);
  writeFileSync(box.lock, '');
  const release = setTimeout(() => rmSync(box.lock), 300);
  t.teardown(() => clearTimeout(release));
  t.equal(await ensureDebianPackage('tool-pkg', 'tool', box.options), join(box.bin, 'tool'), 'installed once the lock was free');

  const stale = sandbox(t, INSTALLS);
  writeFileSync(stale.lock, '');
  utimesSync(stale.lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  t.equal(await ensureDebianPackage('tool-pkg', 'tool', stale.options), join(stale.bin, 'tool'), 'left by a test that died');
});

t.test('an install done by another test while this one waited is not done again', async (t) => {
  const box = sandbox(t, 'exit 1');
  writeFileSync(box.lock, '');
  setTimeout(() => {
    writeFileSync(join(box.bin, 'tool'), '#!/bin/sh\n');
    chmodSync(join(box.bin, 'tool'), 0o755);
    rmSync(box.lock);
  }, 200);
  t.equal(await ensureDebianPackage('tool-pkg', 'tool', box.options), join(box.bin, 'tool'));
});
