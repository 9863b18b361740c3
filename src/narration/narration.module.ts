import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { SegmentsModule } from '../segments/segments.module';
import { NarrationController } from './narration.controller';
import { NarrationService } from './narration.service';

/** Whole-story exports (WAV, subtitles) assembled from the segment audio already generated. */
@Module({
  imports: [SegmentsModule, MediaModule],
  controllers: [NarrationController],
  providers: [NarrationService],
})
export class NarrationModule {}
