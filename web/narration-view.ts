import { api, ProjectDetail } from './api.js';
import { describe, ui } from './dom.js';

/* The whole story: downloads and "Play all" (the segments' players one after the other). */

/** The downloads are offered once every segment has audio (the server answers 409 before). */
export function renderNarration(project: ProjectDetail, missing: number): void {
  const ready = project.segments.length > 0 && missing === 0;
  const links: [HTMLAnchorElement, 'wav' | 'mp3' | 'srt'][] = [
    [ui.downloadNarration, 'wav'],
    [ui.downloadSubtitles, 'srt'],
    [ui.downloadMp3, 'mp3'],
  ];
  for (const [link, ext] of links) {
    if (ready) {
      link.href = api.narrationUrl(project.id, ext);
      link.removeAttribute('aria-disabled');
    } else {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
    }
  }
  ui.downloadMp3.setAttribute('aria-label', 'Download narration as MP3');
  ui.narrationHelp.textContent = ready
    ? 'One WAV of the whole story (or a smaller MP3), and its subtitles (SRT, one cue per sentence).'
    : project.segments.length === 0
      ? 'Add segments to narrate the story.'
      : `${missing} segment${missing === 1 ? ' has' : 's have'} no audio yet: generate all audio to download the whole story.`;
  ui.playAll.disabled = !playAll && project.segments.length === missing;
}

/** The players being played one after the other, and which one is playing. */
let playAll: { players: HTMLAudioElement[]; index: number } | null = null;

export function togglePlayAll(): void {
  if (playAll) {
    stopPlayAll('Stopped.');
    return;
  }
  const players = [...ui.segmentList.querySelectorAll<HTMLAudioElement>('li.segment audio')];
  if (players.length === 0) {
    ui.playStatus.textContent = 'No segment has audio yet.';
    return;
  }
  playAll = { players, index: -1 };
  ui.playAll.textContent = 'Stop';
  playNext();
}

function playNext(): void {
  if (!playAll) return;
  const previous = playAll.players[playAll.index];
  previous?.closest('li')?.classList.remove('is-playing');
  playAll.index += 1;
  const player = playAll.players[playAll.index];
  if (!player || !player.isConnected) {
    stopPlayAll(
      player ? 'Stopped: the segments changed.' : `Played all ${playAll.players.length} segments.`,
    );
    return;
  }
  const item = player.closest('li');
  item?.classList.add('is-playing');
  item?.scrollIntoView({ block: 'nearest' });
  const name = item?.querySelector('h3')?.textContent ?? `segment ${playAll.index + 1}`;
  ui.playStatus.textContent = `Playing ${playAll.index + 1} of ${playAll.players.length}: ${name}`;
  player.currentTime = 0;
  player.addEventListener('ended', onPlayerEnded, { once: true });
  player
    .play()
    .catch((error: unknown) => stopPlayAll(`Could not play ${name}: ${describe(error)}`));
}

function onPlayerEnded(): void {
  playNext();
}

export function stopPlayAll(message: string): void {
  if (!playAll) return;
  for (const player of playAll.players) {
    player.removeEventListener('ended', onPlayerEnded);
    player.closest('li')?.classList.remove('is-playing');
    if (!player.paused) player.pause();
  }
  playAll = null;
  ui.playAll.textContent = 'Play all';
  ui.playStatus.textContent = message;
}
