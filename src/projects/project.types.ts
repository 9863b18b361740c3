import type { Segment } from './segments/segment.types';

export type ProjectStatus = 'DRAFT' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

/** A story project. Timestamps are ISO 8601 strings in UTC. */
export interface Project {
  readonly id: string;
  readonly title: string;
  readonly status: ProjectStatus;
  readonly resolutionWidth: number;
  readonly resolutionHeight: number;
  readonly framerate: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A project in a list: with its number of segments. */
export interface ProjectSummary extends Project {
  readonly segmentCount: number;
}

/** A project with all its segments in order. */
export interface ProjectDetail {
  readonly project: Project;
  readonly segments: Segment[];
}

/** Values a new project starts with. */
export const PROJECT_DEFAULTS = {
  status: 'DRAFT',
  resolutionWidth: 1920,
  resolutionHeight: 1080,
  framerate: 30,
} as const satisfies Partial<Project>;
