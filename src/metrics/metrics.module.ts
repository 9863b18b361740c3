import { Global, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AudioModule } from '../audio/audio.module';
import { TasksModule } from '../tasks/tasks.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { PipelineMetricsCollector } from './pipeline-metrics.collector';

/** The status route as Fastify declares it (global prefix included). */
export const TASK_STATUS_ROUTE = '/api/tasks/:task_id/status';

/**
 * Prometheus metrics at `/metrics`. Global, so that any service can inject MetricsService
 * to record an event (SpeechGenerationService: segment synthesis times) without an import
 * cycle with the modules this one reads at scrape time.
 */
@Global()
@Module({
  imports: [TasksModule, AudioModule],
  controllers: [MetricsController],
  providers: [MetricsService, PipelineMetricsCollector],
  exports: [MetricsService],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  /** Counts status requests in a Fastify hook: a string comparison per request, no Nest layer. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.url === TASK_STATUS_ROUTE) {
        this.metrics.countStatusRequest(reply.statusCode);
      }
      done();
    });
  }
}
