import { parseArgs } from 'node:util';

/**
 * The settings machinery every command shares: a setting is a flag, its
 * CHUNKMASTER_ environment variable and a parser; a slice is the settings one
 * part of the program reads into its own typed config. A command names the
 * slices it reads; flags win over environment variables, which win over defaults.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Setting<C> {
  readonly flag: string;
  readonly env: string;
  /** Says what the value is and its default in parentheses. */
  readonly help: string;
  /** A switch: present as a flag, or 1/true/0/false in the environment. */
  readonly boolean: boolean;
  /** Parses `raw` into `config`; throws ConfigError on a bad value. */
  readonly read: (config: C, raw: string) => void;
}

export interface Slice<C> {
  /** The help heading: what these settings are for and which commands read them. */
  readonly title: string;
  readonly settings: readonly Setting<C>[];
  defaults(): C;
  /** Fills in what follows from the settings given (`given` holds their flags). */
  finish?(config: C, given: ReadonlySet<string>): void;
}

/** What the help and the did-you-mean hints need to know of any slice. */
export interface SliceInfo {
  readonly title: string;
  readonly settings: readonly Pick<Setting<unknown>, 'flag' | 'env' | 'help'>[];
}

// `any`: each slice's config type is its own; ConfigOf recovers them.
export type Slices = Readonly<Record<string, Slice<any>>>;
export type ConfigOf<S extends Slices> = { [K in keyof S]: S[K] extends Slice<infer C> ? C : never };

export interface CommandLine<S extends Slices> {
  config: ConfigOf<S>;
  help: boolean;
  positionals: string[];
}

export function envName(flag: string): string {
  return `CHUNKMASTER_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export function setting<C, V>(flag: string, help: string, parse: (raw: string) => V, apply: (config: C, value: V) => void): Setting<C> {
  return { flag, env: envName(flag), help, boolean: false, read: (config, raw) => apply(config, parse(raw)) };
}

export function switchSetting<C>(flag: string, help: string, apply: (config: C, value: boolean) => void): Setting<C> {
  return { ...setting(flag, help, yesNo, apply), boolean: true };
}

/** The same slice without some of its flags (a command that sets those itself). */
export function without<C>(slice: Slice<C>, flags: readonly string[], title = slice.title): Slice<C> {
  return { ...slice, title, settings: slice.settings.filter((s) => !flags.includes(s.flag)) };
}

export const int = (min: number, max: number) => (raw: string) => {
  const value = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
};

export const real = (min: number, max: number) => (raw: string) => {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
};

export const oneOf = <T extends string>(options: readonly T[]) => (raw: string): T => {
  if (!(options as readonly string[]).includes(raw)) throw new ConfigError(`expected one of ${options.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
};

/** An http:// or https:// URL, without trailing slashes; refused as not being `expected` ("an http:// URL"). */
export const httpUrl = (expected: string) => (raw: string): string => {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // Said below, with the value.
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new ConfigError(`expected ${expected}, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
};

export const text = (raw: string) => {
  if (raw === '') throw new ConfigError('expected a non-empty value');
  return raw;
};

function yesNo(raw: string): boolean {
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no|)$/i.test(raw)) return false;
  throw new ConfigError(`expected true or false, got ${JSON.stringify(raw)}`);
}

/**
 * Reads `slices` from `args` and `env`. Any other flag is refused, and when
 * it is a setting of one of `known` (another command's) the message says whose;
 * a look-alike of an accepted flag gets a did-you-mean naming what each holds.
 */
export function parseCommandLine<S extends Slices>(args: readonly string[], env: NodeJS.ProcessEnv, slices: S, known: readonly SliceInfo[] = []): CommandLine<S> {
  const accepted = Object.values(slices).flatMap((slice) => slice.settings);
  const options = Object.fromEntries(accepted.map((s) => [s.flag, { type: s.boolean ? ('boolean' as const) : ('string' as const) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError(refusal(args, accepted, known) ?? (error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const config = Object.fromEntries(Object.entries(slices).map(([name, slice]) => [name, readSlice(slice, values, env)]));
  return { config: config as ConfigOf<S>, help: values['help'] === true, positionals: parsed.positionals };
}

function readSlice<C>(slice: Slice<C>, values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): C {
  const config = slice.defaults();
  const given = new Set<string>();
  for (const setting of slice.settings) {
    const flagValue = values[setting.flag];
    const raw = typeof flagValue === 'boolean' ? String(flagValue) : (flagValue ?? env[setting.env]);
    if (raw === undefined) continue;
    try {
      setting.read(config, raw);
    } catch (error) {
      throw new ConfigError(`${flagValue !== undefined ? `--${setting.flag}` : setting.env}: ${(error as Error).message}`);
    }
    given.add(setting.flag);
  }
  slice.finish?.(config, given);
  return config;
}

type Described = Pick<Setting<unknown>, 'flag' | 'help'>;

/** Why the first refused flag was refused, when there is more to say than the parser does. */
function refusal(args: readonly string[], accepted: readonly Described[], known: readonly SliceInfo[]): string | undefined {
  for (const arg of args) {
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name === undefined || name === 'help' || accepted.some((s) => s.flag === name)) continue;
    const owner = known.find((slice) => slice.settings.some((s) => s.flag === name));
    const foreign = owner === undefined ? undefined : `--${name} is not a setting of this command (it is for: ${owner.title})`;
    const hint = lookAlikeHint(name, accepted, owner?.settings.find((s) => s.flag === name));
    if (foreign === undefined && hint === undefined) return undefined;
    return `${foreign ?? `Unknown option '--${name}'`}${hint ?? ''}`;
  }
  return undefined;
}

/** A did-you-mean for a flag one or two letters off an accepted one, saying what each holds. */
function lookAlikeHint(name: string, accepted: readonly Described[], refused: Described | undefined): string | undefined {
  const near = accepted.find((s) => editDistance(name, s.flag) <= Math.min(2, Math.floor(name.length / 4)));
  if (near === undefined) return undefined;
  const theirs = refused === undefined ? '' : `; --${name} is ${refused.help}`;
  return `. Did you mean --${near.flag}? --${near.flag} is ${near.help}${theirs}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, (previous[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/** Each slice's settings under its title. */
export function settingsHelp(slices: readonly SliceInfo[]): string {
  const width = Math.max(...slices.flatMap((slice) => slice.settings.map((s) => s.flag.length))) + 2;
  return slices
    .map((slice) => `${slice.title}:\n${slice.settings.map((s) => `  --${s.flag.padEnd(width)} ${s.help} [${s.env}]`).join('\n')}`)
    .join('\n\n');
}

/** The arguments of `args` that set one of `slices`' flags, in order, for a child command. */
export function argsFor(args: readonly string[], slices: Slices): string[] {
  const flags = new Map(Object.values(slices).flatMap((slice) => slice.settings.map((s) => [s.flag, s.boolean] as const)));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const isSwitch = name === undefined ? undefined : flags.get(name);
    if (isSwitch === undefined) continue;
    out.push(arg);
    if (!isSwitch && !arg.includes('=') && i + 1 < args.length) out.push(args[++i] as string);
  }
  return out;
}
