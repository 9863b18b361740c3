import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { NarrationController } from './narration.controller';
import { NarrationService } from './narration.service';

/**
 * Whole-story exports (WAV, MP3, subtitles) assembled from the segment audio already
 * generated, read through audio's AudioStorage port.
 */
@Module({
  imports: [ProjectsModule, AudioModule, SettingsModule],
  controllers: [NarrationController],
  providers: [NarrationService],
})
export class NarrationModule {}
