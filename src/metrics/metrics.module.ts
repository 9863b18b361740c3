import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import '../common/http/route-behaviour';
import { AudioModule } from '../audio/audio.module';
import { TasksModule } from '../tasks/tasks.module';
import { DatabasePoolMetricsCollector } from './database-pool-metrics.collector';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { PipelineMetricsCollector } from './pipeline-metrics.collector';

/**
 * Prometheus metrics at `/metrics`. It reads the modules it reports on (their public counters
 * at scrape time, the registries they own) and nothing depends on it: audio records its
 * synthesis times in its own `SynthesisMetrics`.
 */
@Module({
  imports: [TasksModule, AudioModule],
  controllers: [MetricsController],
  providers: [MetricsService, PipelineMetricsCollector, DatabasePoolMetricsCollector],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  /** Counts status requests in a Fastify hook: a property read per request, no Nest layer. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.config.statusPoll) {
        this.metrics.countStatusRequest(reply.statusCode);
      }
      done();
    });
  }
}
