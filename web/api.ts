/**
 * The page's only way to the server: typed calls to the public HTTP API (`shared/API.md`),
 * same origin, JSON in and out. Every failure becomes an ApiError carrying the server's
 * `{"error", "details"}` sentence, or a network error with status 0.
 */

export interface Project {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  status: string;
  segment_count: number;
}

export interface Segment {
  id: string;
  project: string;
  sequence_index: number;
  text_content: string;
  image_prompt: string;
  audio_file: string | null;
  audio_duration: number | null;
  is_locked: boolean;
}

export interface ProjectDetail extends Omit<Project, 'segment_count'> {
  segments: Segment[];
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type TaskStatus = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

export interface TaskSnapshot {
  task_id: string;
  status: TaskStatus;
  progress: { current: number; total: number; percentage: number; current_segment_id?: string };
  completed_segments: { segment_id: string; audio_url: string; duration: number }[];
  errors: { segment_id: string | null; error: string }[];
}

/** A task of `GET /api/tasks/?project=…`: its snapshot without the segment lists. */
export interface TaskSummary {
  task_id: string;
  status: TaskStatus;
  progress: { current: number; total: number; percentage: number };
  /** `tts_batch` (a project's batch) or `tts` (one segment). */
  kind?: string;
  project_id?: string;
  segment_id?: string;
}

export interface SegmentTaskAccepted {
  task_id: string;
  segment_id: string;
  status: TaskStatus;
  message: string;
}

export interface ProjectTaskAccepted {
  /** null when there was nothing to do (answered 200 instead of 202). */
  task_id: string | null;
  project_id: string;
  status: TaskStatus;
  total_segments: number;
  segments_to_process: number;
  skipped_locked: number;
  skipped_existing: number;
  skipped_empty: number;
  message: string;
}

export interface Settings {
  default_voice_id: string;
  tts_speed: number;
}

export interface Voice {
  id: string;
  name: string;
  gender: string;
  accent?: string;
}

/** Body of `POST /api/projects/import/`. */
export type StoryImport =
  | { format: 'json'; title: string; segments: { text_content: string }[] }
  | { format: 'text'; title: string; raw_text: string };

/** A failed call: HTTP status (0 when the server could not be reached) and the server's sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The sentence plus the field messages of a validation failure, for display. */
  describe(): string {
    if (!this.details) return this.message;
    const fields = Object.entries(this.details).map(
      ([field, messages]) =>
        `${field}: ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`,
    );
    return fields.length > 0 ? `${this.message} (${fields.join('; ')})` : this.message;
  }
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  timeoutMs?: number,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      cache: 'no-store',
      signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'Cannot reach the server');
  }
  const text = await response.text().catch(() => '');
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = (data ?? {}) as { error?: unknown; details?: unknown };
    throw new ApiError(
      response.status,
      typeof error.error === 'string' ? error.error : `Request failed (HTTP ${response.status})`,
      typeof error.details === 'object' && error.details !== null
        ? (error.details as Record<string, unknown>)
        : undefined,
    );
  }
  return data as T;
}

const id = (value: string): string => encodeURIComponent(value);

export const api = {
  /** A page of projects; `url` is a `next` link from a previous page. */
  listProjects: (url = '/api/projects/') => request<Page<Project>>('GET', url),
  importStory: (body: StoryImport) => request<ProjectDetail>('POST', '/api/projects/import/', body),
  getProject: (projectId: string) =>
    request<ProjectDetail>('GET', `/api/projects/${id(projectId)}/`),
  deleteProject: (projectId: string) => request<void>('DELETE', `/api/projects/${id(projectId)}/`),
  setLocked: (segmentId: string, isLocked: boolean) =>
    request<Segment>('PATCH', `/api/segments/${id(segmentId)}/`, { is_locked: isLocked }),
  generateSegment: (segmentId: string) =>
    request<SegmentTaskAccepted>('POST', `/api/segments/${id(segmentId)}/generate-audio/`),
  generateAll: (projectId: string, options: { skip_locked: boolean; force_regenerate: boolean }) =>
    request<ProjectTaskAccepted>(
      'POST',
      `/api/projects/${id(projectId)}/generate-all-audio/`,
      options,
    ),
  /** A poll that has not answered within `timeoutMs` counts as a failed poll. */
  taskStatus: (taskId: string, timeoutMs: number) =>
    request<TaskSnapshot>('GET', `/api/tasks/${id(taskId)}/status/`, undefined, timeoutMs),
  /** The tasks the server holds for a project, newest first (unfinished ones included). */
  projectTasks: (projectId: string) =>
    request<Page<TaskSummary>>('GET', `/api/tasks/?project=${id(projectId)}`),
  getSettings: () => request<Settings>('GET', '/api/settings/'),
  saveSettings: (settings: Settings) => request<Settings>('PATCH', '/api/settings/', settings),
  listVoices: () => request<Voice[]>('GET', '/api/settings/voices/'),
  /** Where the whole story's narration (wav, mp3) or its subtitles (srt, vtt) download. */
  narrationUrl: (projectId: string, ext: 'wav' | 'mp3' | 'srt' | 'vtt') =>
    `/api/projects/${id(projectId)}/narration.${ext}${ext === 'srt' || ext === 'vtt' ? '?by=sentence' : ''}`,
};
