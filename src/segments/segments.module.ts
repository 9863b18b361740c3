import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { SegmentPresenter } from './segment.presenter';
import { SegmentsController } from './segments.controller';
import { SegmentsRepository } from './segments.repository';
import { SegmentsService } from './segments.service';
import { SqliteSegmentsRepository } from './sqlite-segments.repository';

/** Segments of a project: storage, use cases, HTTP. Exports the service and the presenter. */
@Module({
  imports: [MediaModule],
  controllers: [SegmentsController],
  providers: [
    SegmentsService,
    SegmentPresenter,
    { provide: SegmentsRepository, useClass: SqliteSegmentsRepository },
  ],
  exports: [SegmentsService, SegmentPresenter],
})
export class SegmentsModule {}
