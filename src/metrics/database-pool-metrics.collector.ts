import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { DATABASE_POOL } from '../database/database.constants';
import { MetricsService } from './metrics.service';

/**
 * PostgreSQL mode: the pg pool's connections, read when Prometheus scrapes
 * (`storyflow_database_pool_connections{state="in_use"|"idle"|"waiting"}`; `waiting` counts
 * queries queued for a connection). The SQLite mode has no pool and registers nothing.
 */
@Injectable()
export class DatabasePoolMetricsCollector {
  constructor(metrics: MetricsService, @Inject(DATABASE_POOL) pool: Pool | null) {
    if (!pool) return;
    new Gauge({
      name: 'storyflow_database_pool_connections',
      help: 'PostgreSQL pool: connections running a query (in_use), open and idle (idle), and queries waiting for a connection (waiting)',
      labelNames: ['state'],
      registers: [metrics.registry],
      collect() {
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }
}
