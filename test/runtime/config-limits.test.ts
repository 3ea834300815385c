import t from 'tap';
import { defaultHttpLimits, loadConfig, settingsHelp } from '../../src/runtime/config.js';

t.test('the abuse threshold and the WebSocket budgets are daemon settings', async (t) => {
  const defaults = defaultHttpLimits();
  t.equal(defaults.rateLimitAddressMax, 1_200_000, 'ten times a 10,000-server fleet at 5 s from one address');
  t.equal(defaults.wsSendBudgetBytes, 16 * 1024 * 1024);
  t.equal(defaults.wsEventBudgetBytes, 1024 * 1024);
  const { config } = loadConfig(['serve', '--rate-limit-address-max', '5000', '--ws-send-budget-bytes', '65536'], { CHUNKMASTER_WS_EVENT_BUDGET_BYTES: '4096' });
  t.equal(config.http.rateLimitAddressMax, 5000);
  t.equal(config.http.wsSendBudgetBytes, 65536);
  t.equal(config.http.wsEventBudgetBytes, 4096);
  t.throws(() => loadConfig(['--ws-event-budget-bytes', '10'], {}), /--ws-event-budget-bytes: expected an integer from 1024/);
  t.throws(() => loadConfig(['fleet', '--rate-limit-address-max', '1'], {}, ['fleet']), /not a setting of this command/);
  t.match(settingsHelp(), /--rate-limit-address-max +requests and WebSocket frames per address/);
});
