import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Small factories over the HTTP API, for the projects/segments/settings e2e tests. */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** A UUID that no row will ever have. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export interface SegmentJson {
  id: string;
  project: string;
  sequence_index: number;
  text_content: string;
  image_prompt: string;
  image_file: null;
  audio_file: string | null;
  audio_duration: number | null;
  is_locked: boolean;
}

export interface ProjectDetailJson {
  id: string;
  title: string;
  segments: SegmentJson[];
  [key: string]: unknown;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';

/** HTTP helpers on an app, or on the app a getter returns at each call (see `useTestApp`). */
export function api(app: NestFastifyApplication | (() => NestFastifyApplication)) {
  const appNow = typeof app === 'function' ? app : () => app;
  const call = (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) =>
    appNow().inject({ method, url, payload: payload as string | object | undefined, headers });
  return {
    get: (url: string, headers?: Record<string, string>) => call('GET', url, undefined, headers),
    post: (url: string, payload?: unknown) => call('POST', url, payload),
    patch: (url: string, payload?: unknown) => call('PATCH', url, payload),
    delete: (url: string) => call('DELETE', url),

    async createProject(title = 'A story'): Promise<{ id: string }> {
      const res = await call('POST', '/api/projects/', { title });
      if (res.statusCode !== 201) throw new Error(`createProject: ${res.statusCode} ${res.body}`);
      return res.json();
    },

    /** Imports a project whose segments have the given texts (and prompts `p<i>`). */
    async importProject(texts: string[], title = 'Imported'): Promise<ProjectDetailJson> {
      const res = await call('POST', '/api/projects/import/', {
        format: 'json',
        title,
        segments: texts.map((text_content, i) => ({ text_content, image_prompt: `p${i}` })),
      });
      if (res.statusCode !== 201) throw new Error(`importProject: ${res.statusCode} ${res.body}`);
      return res.json();
    },

    async projectCount(): Promise<number> {
      return (await call('GET', '/api/projects/')).json().count;
    },
  };
}
