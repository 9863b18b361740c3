import type { PageWindow } from '../common/pagination';
import type { SegmentDraft } from './segments/segment.types';
import type { Project, ProjectSummary } from './project.types';

/** Storage port for projects; an adapter (SQLite today) is chosen in ProjectsModule. */
export abstract class ProjectsRepository {
  abstract count(): Promise<number>;

  /** Newest first (latest `createdAt`, then latest inserted). */
  abstract list(window: PageWindow): Promise<ProjectSummary[]>;

  abstract findById(id: string): Promise<Project | undefined>;

  /** Stores a project and its first segments (positions 0..n-1) atomically. */
  abstract create(project: Project, segments: readonly SegmentDraft[]): Promise<void>;

  /** Deletes a project and, by cascade, its segments; false if it did not exist. */
  abstract delete(id: string): Promise<boolean>;
}
