import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { api } from '../../support/story-api';
import { FuzzRequest, FuzzResponse, SAFE_METHODS } from './fuzz-client';

/**
 * The fixed, small story every fuzz file works against: one project with a segment to speak,
 * a locked one and an empty one, and a project without segments.
 */
export interface Fixture {
  projectId: string;
  emptyProjectId: string;
  /** Unlocked, with text: the only segment a generation would accept. */
  spokenId: string;
  /** Locked: content edits, audio removal and generation are refused. */
  lockedId: string;
  lockedText: string;
  /** Unlocked, empty text: generation is refused. */
  silentId: string;
  /** The project's segments in order. */
  segmentIds: string[];
}

export async function createFixture(app: NestFastifyApplication): Promise<Fixture> {
  const http = api(app);
  const lockedText = 'A locked line.';
  const project = await http.importProject(['A short line.', lockedText], 'Fuzz fixture');
  const [spoken, locked] = project.segments;
  const lock = await http.patch(`/api/segments/${locked.id}/`, { is_locked: true });
  if (lock.statusCode !== 200) throw new Error(`lock: ${lock.statusCode} ${lock.body}`);
  const silent = await http.post('/api/segments/', { project: project.id, text_content: '' });
  if (silent.statusCode !== 201) throw new Error(`segment: ${silent.statusCode} ${silent.body}`);
  const empty = await http.createProject('Fuzz fixture without segments');
  return {
    projectId: project.id,
    emptyProjectId: empty.id,
    spokenId: spoken.id,
    lockedId: locked.id,
    lockedText,
    silentId: silent.json().id,
    segmentIds: [spoken.id, locked.id, silent.json().id],
  };
}

/** What the API shows of the stored state: counts, and a hash of everything it can list. */
export interface ApiState {
  projects: number;
  tasks: number;
  fingerprint: string;
}

/**
 * Reads the whole stored state through the API (every page of projects, every project's
 * detail with its segments, the settings, the task list) into counts and a SHA-256.
 */
export async function readState(app: NestFastifyApplication): Promise<ApiState> {
  const hash = createHash('sha256');
  const getJson = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
    hash.update(`${url}\n${res.body}\n`);
    return res.json();
  };
  await getJson('/api/settings/');
  const ids: string[] = [];
  let projects = 0;
  for (let page = 1; ; page++) {
    const list = await getJson(`/api/projects/?page=${page}`);
    projects = list.count;
    ids.push(...list.results.map((project: { id: string }) => project.id));
    if (list.next === null) break;
  }
  for (const id of ids) await getJson(`/api/projects/${id}/`);
  const tasks = (await getJson('/api/tasks/')).count;
  return { projects, tasks, fingerprint: hash.digest('hex') };
}

/** Deletes every project but the fixture's (those a property created on purpose or by chance). */
export async function removeStrayProjects(
  app: NestFastifyApplication,
  fixture: Fixture,
): Promise<void> {
  const keep = new Set([fixture.projectId, fixture.emptyProjectId]);
  for (;;) {
    const list = (await app.inject({ method: 'GET', url: '/api/projects/' })).json();
    const strays = list.results.filter((project: { id: string }) => !keep.has(project.id));
    if (strays.length === 0) return;
    for (const { id } of strays)
      await app.inject({ method: 'DELETE', url: `/api/projects/${id}/` });
  }
}

/**
 * Checks, batch after batch, that only accepted writes change the stored state: after a batch
 * whose writes were all refused, the state is exactly what it was before. After a batch with
 * an accepted write, the projects it may have created are removed (so that reading the state
 * stays cheap) and the state is read anew.
 */
export async function stateGuard(
  app: NestFastifyApplication,
  fixture: Fixture,
): Promise<(requests: FuzzRequest[], responses: FuzzResponse[]) => Promise<void>> {
  let before = await readState(app);
  return async (requests, responses) => {
    const accepted = responses.some(
      (res, i) => res.statusCode < 400 && !SAFE_METHODS.has(requests[i].method.toUpperCase()),
    );
    if (accepted) {
      await removeStrayProjects(app, fixture);
      before = await readState(app);
      return;
    }
    expect(await readState(app)).toEqual(before);
  };
}
