/** Every route of the API that is fuzzed, as templates (`:id` is the path parameter). */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** What `:id` names, if the path has one. */
  id?: 'project' | 'segment' | 'task';
  /** Fields of the JSON body, if the route takes one. */
  fields?: readonly string[];
}

const IMPORT_SEGMENTS_FIELDS = ['format', 'segments', 'raw_text', 'text_content', 'image_prompt'];

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/projects' },
  { method: 'POST', path: '/api/projects', fields: ['title'] },
  { method: 'POST', path: '/api/projects/import', fields: ['title', ...IMPORT_SEGMENTS_FIELDS] },
  { method: 'GET', path: '/api/projects/:id', id: 'project' },
  { method: 'DELETE', path: '/api/projects/:id', id: 'project' },
  {
    method: 'POST',
    path: '/api/projects/:id/import-segments',
    id: 'project',
    fields: IMPORT_SEGMENTS_FIELDS,
  },
  {
    method: 'POST',
    path: '/api/projects/:id/generate-all-audio',
    id: 'project',
    fields: ['skip_locked', 'force_regenerate'],
  },
  { method: 'GET', path: '/api/segments' },
  { method: 'POST', path: '/api/segments', fields: ['project', 'text_content', 'image_prompt'] },
  { method: 'POST', path: '/api/segments/reorder', fields: ['project_id', 'segment_order'] },
  { method: 'GET', path: '/api/segments/:id', id: 'segment' },
  {
    method: 'PATCH',
    path: '/api/segments/:id',
    id: 'segment',
    fields: ['text_content', 'image_prompt', 'is_locked'],
  },
  { method: 'DELETE', path: '/api/segments/:id', id: 'segment' },
  { method: 'DELETE', path: '/api/segments/:id/remove-audio', id: 'segment' },
  { method: 'POST', path: '/api/segments/:id/generate-audio', id: 'segment', fields: [] },
  { method: 'GET', path: '/api/settings' },
  { method: 'PATCH', path: '/api/settings', fields: ['default_voice_id', 'tts_speed'] },
  { method: 'GET', path: '/api/settings/voices' },
  { method: 'GET', path: '/api/tasks' },
  { method: 'GET', path: '/api/tasks/:id/status', id: 'task' },
  { method: 'GET', path: '/api/tasks/:id/events', id: 'task' },
  { method: 'POST', path: '/api/tasks/:id/cancel', id: 'task' },
];

/** The routes that take a JSON body. */
export const BODY_ROUTES: readonly ApiRoute[] = API_ROUTES.filter(
  (route) => route.fields !== undefined,
);

/** The route's path with `:id` replaced by an (already encoded) segment. */
export function pathOf(route: ApiRoute, encodedId: string): string {
  return route.path.replace(':id', encodedId);
}

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
};
