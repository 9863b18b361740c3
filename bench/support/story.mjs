/**
 * Setup over the service's public HTTP API: projects with segments, generation, waiting
 * for tasks. Uses Node's fetch; every wait is bounded.
 */

const TERMINAL = new Set(['COMPLETED', 'FAILED']);

export async function call(base, method, path, body, headers = {}) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function expectStatus(promise, expected, what) {
  const res = await promise;
  if (!expected.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  }
  return res;
}

/** Imports a project whose segments have these texts; resolves with the ProjectDetail. */
export async function importProject(base, texts, title = 'Bench story') {
  const res = await expectStatus(
    call(base, 'POST', '/api/projects/import/', {
      format: 'json',
      title,
      segments: texts.map((text_content) => ({ text_content })),
    }),
    [201],
    'import project',
  );
  return res.json;
}

/** Starts generate-all; resolves with the 202 body (`task_id`...). */
export async function generateAll(base, projectId, { force = false } = {}) {
  const res = await expectStatus(
    call(base, 'POST', `/api/projects/${projectId}/generate-all-audio/`, {
      skip_locked: true,
      force_regenerate: force,
    }),
    [202],
    'generate-all',
  );
  return res.json;
}

export async function taskStatus(base, taskId) {
  return (await expectStatus(call(base, 'GET', `/api/tasks/${taskId}/status/`), [200], 'status'))
    .json;
}

/** Polls a task until it is COMPLETED or FAILED; resolves with the final snapshot. */
export async function waitTask(base, taskId, { intervalMs = 50, timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = await taskStatus(base, taskId);
    if (TERMINAL.has(snapshot.status)) return snapshot;
    if (Date.now() > deadline) {
      throw new Error(
        `Task ${taskId} not finished after ${timeoutMs} ms: ${snapshot.status} ` +
          `${snapshot.progress.current}/${snapshot.progress.total}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Server-side wall time of a finished task, from acceptance (`created_at`) to its end
 * (`finished_at`), in seconds, and the seconds of audio it produced.
 */
export function taskTiming(snapshot) {
  const seconds = (Date.parse(snapshot.finished_at) - Date.parse(snapshot.created_at)) / 1000;
  const audioSeconds = snapshot.completed_segments.reduce((sum, s) => sum + s.duration, 0);
  return {
    seconds,
    segments: snapshot.completed_segments.length,
    errors: snapshot.errors.length,
    audioSeconds,
  };
}

/** Imports a project with these texts and generates all of it; resolves when done. */
export async function generatedProject(base, texts, options = {}) {
  const project = await importProject(base, texts, options.title);
  const accepted = await generateAll(base, project.id);
  const snapshot = await waitTask(base, accepted.task_id, options);
  if (snapshot.status !== 'COMPLETED' || snapshot.errors.length > 0) {
    throw new Error(
      `Task ${accepted.task_id} ended ${snapshot.status}: ${JSON.stringify(snapshot.errors.slice(0, 3))}`,
    );
  }
  return { project, taskId: accepted.task_id, snapshot };
}
