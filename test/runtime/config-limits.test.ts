import t from 'tap';
import { FLEET_SETTINGS, SERVE_SETTINGS, defaultHttpLimits, loadConfig, settingsHelp } from '../../src/runtime/config.js';

t.test('the abuse threshold and the WebSocket budgets are daemon settings', async (t) => {
  const defaults = defaultHttpLimits();
  t.equal(defaults.rateLimitAddressMax, 1_200_000, 'ten times a 10,000-server fleet at 5 s from one address');
  t.equal(defaults.wsSendBudgetBytes, 16 * 1024 * 1024);
  t.equal(defaults.wsEventBudgetBytes, 1024 * 1024);
  const { http } = loadConfig(['serve', '--rate-limit-address-max', '5000', '--ws-send-budget-bytes', '65536'], { CHUNKMASTER_WS_EVENT_BUDGET_BYTES: '4096' }, SERVE_SETTINGS).config.daemon;
  t.equal(http.rateLimitAddressMax, 5000);
  t.equal(http.wsSendBudgetBytes, 65536);
  t.equal(http.wsEventBudgetBytes, 4096);
  t.throws(() => loadConfig(['--ws-event-budget-bytes', '10'], {}, SERVE_SETTINGS), /--ws-event-budget-bytes: expected an integer from 1024/);
  t.throws(() => loadConfig(['fleet', '--rate-limit-address-max', '1'], {}, { fleet: FLEET_SETTINGS.fleet }), /not a setting of this command/);
  t.match(settingsHelp(), /--rate-limit-address-max +requests and WebSocket frames per address/);
});
