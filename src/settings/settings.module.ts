import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { LogosService } from './logos.service';
import { SettingsController } from './settings.controller';
import { SettingsPresenter } from './settings.presenter';
import { SettingsRepository } from './settings.repository';
import { SettingsService } from './settings.service';
import { KyselySettingsRepository } from './kysely-settings.repository';

/**
 * StoryFlow's global settings, logos, the subtitle font and StoryFlow's voice ids. Exports
 * SettingsService. Depends on no speech module: the running engine's voices are listed by
 * AudioModule (`GET /api/settings/voices/`).
 */
@Module({
  imports: [MediaModule],
  controllers: [SettingsController],
  providers: [
    SettingsService,
    LogosService,
    SettingsPresenter,
    { provide: SettingsRepository, useClass: KyselySettingsRepository },
  ],
  exports: [SettingsService],
})
export class SettingsModule {}
