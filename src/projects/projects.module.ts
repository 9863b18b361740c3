import { Module } from '@nestjs/common';
import { MediaModule } from '../media/media.module';
import { SegmentsModule } from '../segments/segments.module';
import { ProjectPresenter } from './project.presenter';
import { ProjectsController } from './projects.controller';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';
import { SqliteProjectsRepository } from './sqlite-projects.repository';

/** Story projects: storage, import, use cases, HTTP. Exports ProjectsService. */
@Module({
  imports: [SegmentsModule, MediaModule],
  controllers: [ProjectsController],
  providers: [
    ProjectsService,
    ProjectPresenter,
    { provide: ProjectsRepository, useClass: SqliteProjectsRepository },
  ],
  exports: [ProjectsService],
})
export class ProjectsModule {}
