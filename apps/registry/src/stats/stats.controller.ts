import { Controller, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ProjectStatsResource, StatsResource, STATS_WINDOWS } from '@hookline/contracts';
import { ApiKeyGuard } from '../auth/auth.guards';
import { CurrentKey, type CallerKey } from '../auth/current-key.decorator';
import { ApiRoute, RouteParam, RouteQuery } from '../openapi/api-route.decorator';
import { StatsService } from './stats.service';

const StatsQuery = z
  .object({
    /** `1h`: one point a minute; `24h`: one point per 10 minutes. */
    window: z.enum(Object.keys(STATS_WINDOWS) as [keyof typeof STATS_WINDOWS]).default('1h'),
  })
  .strict();
type StatsQuery = z.infer<typeof StatsQuery>;
const tag = 'Stats';

@Controller()
@UseGuards(ApiKeyGuard)
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @ApiRoute('get', '/v1/webhooks/{id}/stats', {
    summary:
      "A webhook's attempts per step by outcome and latency p50/p99 over the last 1 h or 24 h",
    tag,
    auth: 'api_key',
    query: StatsQuery,
    response: StatsResource,
  })
  webhook(
    @CurrentKey() caller: CallerKey,
    @RouteParam('id') id: string,
    @RouteQuery() query: StatsQuery,
  ) {
    return this.stats.webhook(caller, id, query.window);
  }

  @ApiRoute('get', '/v1/stats', {
    summary: "The project's attempts per step by outcome and latency, and each webhook's totals",
    tag,
    auth: 'api_key',
    query: StatsQuery,
    response: ProjectStatsResource,
  })
  project(@CurrentKey() caller: CallerKey, @RouteQuery() query: StatsQuery) {
    return this.stats.project(caller, query.window);
  }
}
