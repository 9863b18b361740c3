import { Injectable } from '@nestjs/common';
import { Page, resolvePage } from '../common/pagination';
import { newId, parseId } from '../database/ids';
import { MediaLayout } from '../media/media-layout';
import type { Segment } from './segments/segment.types';
import { SegmentsService } from './segments/segments.service';
import { ProjectNotFoundError } from './project.errors';
import { PROJECT_DEFAULTS, Project, ProjectDetail, ProjectSummary } from './project.types';
import { ProjectsRepository } from './projects.repository';
import { draftsFromImport, StoryImport } from './story-import.parser';

/**
 * Use cases on projects. Ids are taken as received: anything that is not a known UUID is
 * ProjectNotFoundError.
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly segments: SegmentsService,
    private readonly media: MediaLayout,
  ) {}

  /** A page of projects, newest first. Throws InvalidPageError. */
  async list(page: string | undefined): Promise<Page<ProjectSummary>> {
    const count = await this.projects.count();
    const window = resolvePage(page, count);
    return { ...window, count, items: await this.projects.list(window) };
  }

  /** Creates an empty DRAFT project. */
  async create(title: string): Promise<ProjectSummary> {
    const project = this.newProject(title);
    await this.projects.create(project, []);
    return { ...project, segmentCount: 0 };
  }

  /** One project. Throws ProjectNotFoundError. */
  async findOne(id: string): Promise<Project> {
    const key = parseId(id);
    const project = key === null ? undefined : await this.projects.findById(key);
    if (!project) throw new ProjectNotFoundError();
    return project;
  }

  /** A project and its segments in order. Throws ProjectNotFoundError. */
  async getDetail(id: string): Promise<ProjectDetail> {
    const project = await this.findOne(id);
    return { project, segments: await this.segments.listForProject(project.id) };
  }

  /** Deletes a project, its segments and its media folder. Throws ProjectNotFoundError. */
  async delete(id: string): Promise<void> {
    const key = parseId(id);
    if (key === null || !(await this.projects.delete(key))) throw new ProjectNotFoundError();
    await this.media.removeProjectMedia(key);
  }

  /**
   * Creates a project from an imported story, all or nothing: a story that does not parse
   * stores nothing (StoryImportError).
   */
  async importStory(title: string, story: StoryImport): Promise<ProjectDetail> {
    const drafts = draftsFromImport(story);
    const project = this.newProject(title);
    await this.projects.create(project, drafts);
    return { project, segments: await this.segments.listForProject(project.id) };
  }

  /**
   * Appends an imported story's segments after a project's last one, all or nothing, and
   * returns all of the project's segments in order. Throws StoryImportError, ProjectNotFoundError.
   */
  async importSegments(projectId: string, story: StoryImport): Promise<Segment[]> {
    return this.segments.appendAndList(projectId, draftsFromImport(story));
  }

  private newProject(title: string): Project {
    const now = new Date().toISOString();
    return { id: newId(), title, ...PROJECT_DEFAULTS, createdAt: now, updatedAt: now };
  }
}
