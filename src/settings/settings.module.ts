import { Module } from '@nestjs/common';
import { SettingsController } from './settings.controller';
import { SettingsRepository } from './settings.repository';
import { SettingsService } from './settings.service';
import { SqliteSettingsRepository } from './sqlite-settings.repository';

/** Global TTS settings and the voice list. Exports SettingsService. */
@Module({
  controllers: [SettingsController],
  providers: [SettingsService, { provide: SettingsRepository, useClass: SqliteSettingsRepository }],
  exports: [SettingsService],
})
export class SettingsModule {}
