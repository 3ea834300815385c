import t from 'tap';
import { DAEMON_SETTINGS } from '../../src/runtime/config/demo.js';
import { FLEET } from '../../src/runtime/config.js';
import {
  ConfigError, type Slice, argsFor, envName, int, oneOf, parseCommandLine, real, setting, settingsHelp, switchSetting, text, without,
} from '../../src/runtime/settings.js';

t.test('argsFor keeps the flags of the slices given, with their values, in order', async (t) => {
  const args = ['--servers', '5', '--port=0', '--insecure', '--kill', '1@1', '--heartbeat-interval-ms', '100', '--ws', '--host', 'h'];
  t.same(argsFor(args, DAEMON_SETTINGS), ['--port=0', '--insecure', '--heartbeat-interval-ms', '100', '--host', 'h']);
  t.same(argsFor(['--port'], DAEMON_SETTINGS), ['--port'], 'a flag at the end without its value stays as given');
});

t.test('without drops flags from a slice and may retitle it', async (t) => {
  const slice = without(FLEET, ['url'], 'no url');
  t.equal(slice.title, 'no url');
  t.notOk(slice.settings.some((s) => s.flag === 'url'));
  t.equal(slice.settings.length, FLEET.settings.length - 1);
  t.equal(without(FLEET, []).title, FLEET.title);
  t.equal(envName('max-dead-fraction'), 'CHUNKMASTER_MAX_DEAD_FRACTION');
});

interface Knobs {
  size: number;
  ratio: number;
  mode: 'a' | 'b';
  name: string;
  loud: boolean;
  given: string[];
}

const KNOBS: Slice<Knobs> = {
  title: 'knobs (test)',
  settings: [
    setting('size', 'a size (1)', int(1, 10), (config, value) => (config.size = value)),
    setting('ratio', 'a ratio (0.5)', real(0, 1), (config, value) => (config.ratio = value)),
    setting('mode', 'a mode (a)', oneOf(['a', 'b'] as const), (config, value) => (config.mode = value)),
    setting('name', 'a name (n)', text, (config, value) => (config.name = value)),
    switchSetting('loud', 'a switch (off)', (config, value) => (config.loud = value)),
  ],
  defaults: () => ({ size: 1, ratio: 0.5, mode: 'a', name: 'n', loud: false, given: [] }),
  finish: (config, given) => (config.given = [...given].sort()),
};
const OTHER: Slice<object> = { title: 'another command (other)', settings: [setting('color', 'a color', text, () => {})], defaults: () => ({}) };

const knobs = (args: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(args, env, { knobs: KNOBS }, [KNOBS, OTHER]);

t.test('a flag beats its variable, which beats the default; finish is told which were given', async (t) => {
  const parsed = knobs(['--size', '3', 'extra', '--mode=b'], { CHUNKMASTER_SIZE: '9', CHUNKMASTER_RATIO: '0.25' });
  t.same(parsed.config.knobs, { size: 3, ratio: 0.25, mode: 'b', name: 'n', loud: false, given: ['mode', 'ratio', 'size'] });
  t.same(parsed.positionals, ['extra']);
  t.equal(parsed.help, false);
  t.equal(knobs(['-h']).help, true);
  t.same(knobs([]).config.knobs.given, [], 'nothing given, nothing told');
});

t.test('the value parsers take their range and refuse the rest, and the refusal names the flag or the variable', async (t) => {
  t.equal(int(1, 10)(' 7 '), 7);
  t.equal(int(1, 10)('10'), 10);
  t.equal(real(0, 1)('0'), 0);
  t.equal(real(0, 1)('1e-1'), 0.1);
  for (const raw of ['0', '11', '2.5', '1e1', '', 'x']) t.throws(() => int(1, 10)(raw), ConfigError, `int ${JSON.stringify(raw)}`);
  for (const raw of ['', ' ', '1.5', '-0.1', 'NaN', 'Infinity']) t.throws(() => real(0, 1)(raw), ConfigError, `real ${JSON.stringify(raw)}`);
  t.throws(() => knobs(['--size', '11']), { name: 'ConfigError', message: '--size: expected an integer from 1 to 10, got "11"' });
  t.throws(() => knobs([], { CHUNKMASTER_RATIO: '2' }), { message: 'CHUNKMASTER_RATIO: expected a number from 0 to 1, got "2"' });
  t.throws(() => knobs(['--mode', 'c']), { message: '--mode: expected one of a, b, got "c"' });
  t.throws(() => knobs([], { CHUNKMASTER_NAME: '' }), { message: 'CHUNKMASTER_NAME: expected a non-empty value' });
});

t.test('a switch is a bare flag, or a yes/no variable', async (t) => {
  t.equal(knobs(['--loud']).config.knobs.loud, true);
  t.same(knobs(['--loud']).config.knobs.given, ['loud']);
  for (const [raw, value] of [['yes', true], ['TRUE', true], ['1', true], ['no', false], ['0', false], ['', false]] as const) {
    t.equal(knobs([], { CHUNKMASTER_LOUD: raw }).config.knobs.loud, value, JSON.stringify(raw));
  }
  t.throws(() => knobs([], { CHUNKMASTER_LOUD: 'maybe' }), { message: 'CHUNKMASTER_LOUD: expected true or false, got "maybe"' });
  t.throws(() => knobs(['--loud=yes']), ConfigError, 'a switch takes no value on the command line');
});

t.test('a refused flag is told whose it is, and a look-alike gets a did-you-mean', async (t) => {
  t.throws(() => knobs(['--bogus']), { name: 'ConfigError', message: /^Unknown option '--bogus'/ });
  t.throws(() => knobs(['--color', 'red']), { message: '--color is not a setting of this command (it is for: another command (other))' });
  t.throws(() => knobs(['--sizes', '2']), { message: "Unknown option '--sizes'. Did you mean --size? --size is a size (1)" });
  t.throws(() => knobs(['--siz', '2']), { message: /^Unknown option '--siz'(?!. Did you mean)/ }, 'a short flag is too short to guess from');
});

t.test('the help lists each slice under its title, flags aligned, with their variables', async (t) => {
  t.equal(
    settingsHelp([OTHER, without(KNOBS, ['ratio', 'mode', 'name', 'loud'])]),
    'another command (other):\n  --color   a color [CHUNKMASTER_COLOR]\n\nknobs (test):\n  --size    a size (1) [CHUNKMASTER_SIZE]',
  );
});
