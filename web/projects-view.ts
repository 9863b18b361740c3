import { api, Project } from './api.js';
import { create, describe, showMessage, ui } from './dom.js';
import { dispatch, pageState } from './page-state.js';
import { storyImportFrom } from './story-text.js';

/* The project list and the new-story form. */

export async function loadProjects(): Promise<void> {
  try {
    const page = await api.listProjects();
    ui.projectList.replaceChildren(...page.results.map(projectItem));
    pageState.nextProjectsUrl = page.next;
    ui.moreProjects.hidden = page.next === null;
    ui.projectListEmpty.hidden = page.results.length > 0;
  } catch (error) {
    showMessage(`Could not load the projects: ${describe(error)}`, 'error');
  }
}

export async function loadMoreProjects(): Promise<void> {
  if (!pageState.nextProjectsUrl) return;
  try {
    // `next` is an absolute URL; only its path and query are used, so the page stays same-origin.
    const next = new URL(pageState.nextProjectsUrl);
    const page = await api.listProjects(next.pathname + next.search);
    ui.projectList.append(...page.results.map(projectItem));
    pageState.nextProjectsUrl = page.next;
    ui.moreProjects.hidden = page.next === null;
  } catch (error) {
    showMessage(`Could not load more projects: ${describe(error)}`, 'error');
  }
}

function projectItem(project: Project): HTMLLIElement {
  const item = create('li', { className: 'project-item' });
  const link = create('a', { className: 'project-link', text: project.title });
  link.href = `#/projects/${encodeURIComponent(project.id)}`;
  const count = project.segment_count;
  const meta = create('span', {
    className: 'help',
    text: `${count} segment${count === 1 ? '' : 's'} · created ${new Date(project.created_at).toLocaleString()}`,
  });
  const remove = create('button', { className: 'danger', text: 'Delete' });
  remove.type = 'button';
  remove.setAttribute('aria-label', `Delete project “${project.title}”`);
  remove.addEventListener('click', () => void deleteProject(project, remove));
  const text = create('div', { className: 'project-text' });
  text.append(link, meta);
  item.append(text, remove);
  return item;
}

async function deleteProject(project: Project, button: HTMLButtonElement): Promise<void> {
  if (!window.confirm(`Delete “${project.title}” with its segments and audio?`)) return;
  button.disabled = true;
  try {
    await api.deleteProject(project.id);
    dispatch({ type: 'progress', projectId: project.id, progress: null });
    showMessage(`Deleted “${project.title}”.`);
    await loadProjects();
    ui.storyTitle.focus();
  } catch (error) {
    button.disabled = false;
    showMessage(`Could not delete “${project.title}”: ${describe(error)}`, 'error');
  }
}

export async function createStory(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  ui.storyError.textContent = '';
  const title = ui.storyTitle.value.trim();
  const body = storyImportFrom(title, ui.storyText.value);
  if (!title) {
    ui.storyError.textContent = 'Give the story a title.';
    ui.storyTitle.focus();
    return;
  }
  if (!body) {
    ui.storyError.textContent = 'Write or paste the story first.';
    ui.storyText.focus();
    return;
  }
  ui.createStory.disabled = true;
  try {
    const project = await api.importStory(body);
    ui.storyForm.reset();
    location.hash = `#/projects/${encodeURIComponent(project.id)}`;
  } catch (error) {
    ui.storyError.textContent = `Could not create the project: ${describe(error)}`;
  } finally {
    ui.createStory.disabled = false;
  }
}
