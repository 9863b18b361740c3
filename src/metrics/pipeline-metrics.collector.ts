import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { SpeechGenerationService } from '../audio/speech-generation.service';
import { TaskManagerService } from '../tasks/task-manager.service';
import type { TaskStatus } from '../tasks/task.types';
import { MetricsService } from './metrics.service';

/**
 * Gauges of the generation pipeline, read from the services' public counters when Prometheus
 * scrapes (nothing is recorded between scrapes, so the hot paths pay nothing).
 */
@Injectable()
export class PipelineMetricsCollector {
  constructor(
    metrics: MetricsService,
    tasks: TaskManagerService,
    generation: SpeechGenerationService,
  ) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'storyflow_tasks',
      help: 'Background tasks held in memory (unfinished, or finished and still retained), by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await tasks.counts();
        for (const status of Object.keys(counts) as TaskStatus[]) {
          this.set({ status }, counts[status]);
        }
      },
    });
    new Gauge({
      name: 'storyflow_generation_queue_depth',
      help: 'Segments accepted for synthesis and waiting for a TTS worker',
      registers,
      collect() {
        this.set(generation.stats().queued);
      },
    });
    new Gauge({
      name: 'storyflow_tts_workers_busy',
      help: 'TTS workers synthesizing a segment right now',
      registers,
      collect() {
        this.set(generation.stats().busy);
      },
    });
    new Gauge({
      name: 'storyflow_tts_workers',
      help: 'TTS worker threads configured (TTS_WORKERS)',
      registers,
      collect() {
        this.set(generation.stats().workers);
      },
    });
  }
}
