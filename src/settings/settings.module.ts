import { Module } from '@nestjs/common';
import { EngineSelectionModule } from '../audio/engine/engine-selection.module';
import { MediaModule } from '../media/media.module';
import { LogosService } from './logos.service';
import { SettingsController } from './settings.controller';
import { SettingsPresenter } from './settings.presenter';
import { SettingsRepository } from './settings.repository';
import { SettingsService } from './settings.service';
import { KyselySettingsRepository } from './kysely-settings.repository';

/** StoryFlow's global settings, logos, the subtitle font and the voice list. Exports SettingsService. */
@Module({
  imports: [MediaModule, EngineSelectionModule],
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
