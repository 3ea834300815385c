import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Master } from '../core/index.js';
import { CoreDriver } from '../runtime/driver.js';
import { buildApp } from '../transport/http/app.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

/** openapi.yaml as generated from the route schemas. */
export async function openapiYaml(): Promise<string> {
  const driver = new CoreDriver(new Master(0));
  // With a group, so that the routes only several masters serve are described too.
  const group = { masterId: 'm1', members: () => [], intend: async () => {} };
  const app = buildApp({ driver, group });
  try {
    await app.ready();
    const header = '# Generated from the route schemas by `npm run openapi`; do not edit.\n';
    return header + stringify(app.swagger(), { lineWidth: 0 });
  } finally {
    await app.close();
    driver.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, await openapiYaml());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
