import { byId, showMessage, ui } from './dom.js';
import { generateAll } from './generation.js';
import { stopPlayAll, togglePlayAll } from './narration-view.js';
import { pageState } from './page-state.js';
import { openProject } from './project-view.js';
import { createStory, loadMoreProjects, loadProjects } from './projects-view.js';
import { currentRoute } from './routes.js';
import { loadSettings, saveSettings, showSpeed } from './settings-view.js';

/*
 * The page: a project list with a story form, one project's segments with their players,
 * generation progress from polling, and the voice settings. Plain DOM. Each part is a view
 * module; the generation state is one pure reducer (generation-state.ts). This file routes
 * and wires the events.
 */

async function route(): Promise<void> {
  const target = currentRoute();
  showMessage('');
  stopPlayAll('');
  if (target.view === 'project') {
    ui.projectsView.hidden = true;
    ui.projectView.hidden = false;
    await openProject(target.id, { focus: true });
  } else {
    pageState.project = null;
    ui.projectView.hidden = true;
    ui.projectsView.hidden = false;
    await loadProjects();
  }
}

// Start

ui.storyForm.addEventListener('submit', (event) => void createStory(event));
ui.moreProjects.addEventListener('click', () => void loadMoreProjects());
ui.generateAll.addEventListener('click', () => void generateAll());
ui.playAll.addEventListener('click', togglePlayAll);
ui.settingsForm.addEventListener('submit', (event) => void saveSettings(event));
ui.speedInput.addEventListener('input', showSpeed);
window.addEventListener('hashchange', () => void route());
// The skip link must not change the hash: the hash is the route.
document.querySelector<HTMLAnchorElement>('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  byId('main').focus();
});

ui.bootMessage.remove();
void loadSettings();
void route();
