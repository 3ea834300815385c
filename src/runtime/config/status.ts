import { type Slice, httpUrl, int, setting, switchSetting, text } from '../settings.js';

/** The `status` command: one master's health and servers, once or redrawn. */
export interface StatusConfig {
  url: string;
  /** A file holding an operator's bearer token; undefined sends none. */
  tokenFile: string | undefined;
  /** Redraw every watchIntervalMs until interrupted. */
  watch: boolean;
  watchIntervalMs: number;
}

export const DEFAULT_STATUS_URL = 'http://127.0.0.1:7070';

type Status = StatusConfig;

export const STATUS: Slice<StatusConfig> = {
  title: 'health and servers of a running master (status)',
  settings: [
    setting(
      'token-file',
      "a text file holding an operator's bearer token to send (line 1 of `chunkmaster token`; none: send no token)",
      text,
      (c: Status, v) => { c.tokenFile = v; },
    ),
    setting('url', `the master to ask (${DEFAULT_STATUS_URL})`, httpUrl('one http:// URL'), (c: Status, v) => { c.url = v; }),
    switchSetting('watch', 'redraw every --watch-interval-ms until interrupted', (c: Status, v) => { c.watch = v; }),
    setting('watch-interval-ms', 'time between redraws with --watch (2000)', int(100, 86_400_000), (c: Status, v) => { c.watchIntervalMs = v; }),
  ],
  defaults: () => ({ url: DEFAULT_STATUS_URL, tokenFile: undefined, watch: false, watchIntervalMs: 2000 }),
};
