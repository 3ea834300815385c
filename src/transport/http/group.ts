import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ChunkmasterError } from '../../protocol/errors.js';
import * as handlers from '../../protocol/handlers.js';
import type { CoreDriver } from '../../runtime/driver.js';
import type { IntentKind, MasterGroup } from '../../runtime/group.js';
import { ErrorResponse, LeaderResponse } from './schemas.js';

export interface GroupRouteOptions {
  driver: CoreDriver;
  group: MasterGroup;
}

/** GET /leader (CONTRACT 10): this master's part in its group. */
export const groupRoutes: FastifyPluginAsyncTypebox<GroupRouteOptions> = async (app, { driver, group }) => {
  app.get('/leader', {
    schema: {
      summary: 'With several masters: this master, its role, the leader and the members',
      tags: ['operators'],
      response: { 200: LeaderResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
    },
  }, async () => {
    const view = driver.run((now) => driver.master.leadership(now));
    const { role, epoch, leader } = view ?? { role: 'follower' as const, epoch: 0, leader: null };
    return { role, epoch, leader, master_id: group.masterId, members: [...group.members()] };
  });
};

/**
 * With several masters, a drain or forget is recorded in the group's store
 * before it is applied, so every master applies it and it outlives this one.
 * What the core would refuse (an unknown server, forgetting a live one) is
 * refused first, so nothing is recorded that no master could apply; a store
 * out of reach refuses the whole request.
 */
export async function recordIntent(driver: CoreDriver, group: MasterGroup | undefined, kind: IntentKind, server: string): Promise<void> {
  if (group === undefined) return;
  const entry = driver.run((now) => handlers.server(driver.master, now, { server }));
  if (kind === 'forget' && entry.status !== 'dead') throw new ChunkmasterError('SERVER_ALIVE', server);
  try {
    await group.intend(kind, server);
  } catch (error) {
    throw new ChunkmasterError('INTENT_UNAVAILABLE', kind, server, (error as Error).message);
  }
}
