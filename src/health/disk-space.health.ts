import { statfs } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { appConfig } from '../config/app.config';

const MB = 1024 * 1024;

/**
 * Enough free space under DATA_DIR for the database and new WAV files: at least
 * HEALTH_MIN_FREE_DISK_MB available to this process.
 *
 * Terminus's DiskHealthIndicator bounds *used* space (bytes or a fraction of the disk), which
 * cannot say "at least N MB free" on disks of unknown size; `statfs` answers exactly that, and
 * the result goes through the same HealthIndicatorService, so the report looks the same.
 */
@Injectable()
export class DiskSpaceHealthIndicator {
  private readonly dataDir: string;
  private readonly minFreeBytes: number;

  constructor(
    @Inject(appConfig.KEY) config: ConfigType<typeof appConfig>,
    private readonly health: HealthIndicatorService,
  ) {
    this.dataDir = config.dataDir;
    this.minFreeBytes = config.minFreeDiskBytes;
  }

  async check(key: string) {
    const indicator = this.health.check(key);
    const min_free_mb = Math.round(this.minFreeBytes / MB);
    let freeBytes: number;
    try {
      const stats = await statfs(this.dataDir);
      freeBytes = Number(stats.bavail) * Number(stats.bsize);
    } catch {
      // No path in the message: the report is public.
      return indicator.down({ message: 'Could not read the free space of the data folder' });
    }
    const free_mb = Math.floor(freeBytes / MB);
    if (freeBytes < this.minFreeBytes) {
      return indicator.down({
        message: 'Free disk space is below the threshold',
        free_mb,
        min_free_mb,
      });
    }
    return indicator.up({ free_mb, min_free_mb });
  }
}
