import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { ProjectPresenter } from './project.presenter';
import { ProjectsController } from './projects.controller';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';
import { SegmentImagesService } from './segments/segment-images.service';
import { SegmentPresenter } from './segments/segment.presenter';
import { SegmentsController } from './segments/segments.controller';
import { SegmentsRepository } from './segments/segments.repository';
import { SegmentsService } from './segments/segments.service';
import { KyselySegmentsRepository } from './segments/kysely-segments.repository';
import { KyselyProjectsRepository } from './kysely-projects.repository';

/**
 * The story aggregate: projects and their segments (a segment exists only inside its
 * project). One module, so that the two share their errors, types and row mapping without a
 * dependency loop; its storage adapters own both tables. Exports the use cases that other
 * modules call (the audio module reads and records segments).
 */
@Module({
  imports: [MediaModule],
  controllers: [ProjectsController, SegmentsController],
  providers: [
    ProjectsService,
    ProjectPresenter,
    { provide: ProjectsRepository, useClass: KyselyProjectsRepository },
    SegmentsService,
    SegmentImagesService,
    SegmentPresenter,
    { provide: SegmentsRepository, useClass: KyselySegmentsRepository },
  ],
  exports: [ProjectsService, SegmentsService, SegmentPresenter],
})
export class ProjectsModule {}
