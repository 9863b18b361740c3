import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SegmentPresenter } from './segments/segment.presenter';
import type { ProjectDetailDto, ProjectDto } from './dto/project.dto';
import type { Project, ProjectDetail, ProjectSummary } from './project.types';

/** The one mapping from projects to their JSON (snake_case). */
@Injectable()
export class ProjectPresenter {
  constructor(private readonly segments: SegmentPresenter) {}

  toJson(project: ProjectSummary): ProjectDto {
    return { ...fields(project), segment_count: project.segmentCount };
  }

  toDetailJson(detail: ProjectDetail, request: FastifyRequest): ProjectDetailDto {
    return {
      ...fields(detail.project),
      output_path: null,
      segments: this.segments.toJsonList(detail.segments, request),
    };
  }
}

function fields(project: Project) {
  return {
    id: project.id,
    title: project.title,
    created_at: project.createdAt,
    updated_at: project.updatedAt,
    status: project.status,
    resolution_width: project.resolutionWidth,
    resolution_height: project.resolutionHeight,
    framerate: project.framerate,
  };
}
