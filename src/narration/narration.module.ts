import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { NarrationController } from './narration.controller';
import { NarrationService } from './narration.service';

/** Whole-story exports (WAV, subtitles) assembled from the segment audio already generated. */
@Module({
  imports: [ProjectsModule, MediaModule, SettingsModule],
  controllers: [NarrationController],
  providers: [NarrationService],
})
export class NarrationModule {}
