import { api, Voice } from './api.js';
import { create, describe, ui } from './dom.js';
import { pageState } from './page-state.js';

/* The voice settings: voice and speed. */

export async function loadSettings(): Promise<void> {
  try {
    const [voices, settings] = await Promise.all([api.listVoices(), api.getSettings()]);
    pageState.voices = voices;
    ui.voiceSelect.replaceChildren(
      ...voices.map((voice) => {
        const option = create('option', { text: voiceLabel(voice) });
        option.value = voice.id;
        return option;
      }),
    );
    ui.voiceSelect.value = settings.default_voice_id;
    ui.speedInput.value = String(settings.tts_speed);
    showSpeed();
  } catch (error) {
    ui.settingsStatus.textContent = `Could not load the settings: ${describe(error)}`;
  }
}

function voiceLabel(voice: Voice): string {
  return `${voice.name} (${[voice.gender, voice.accent].filter(Boolean).join(', ')})`;
}

export function showSpeed(): void {
  ui.speedOutput.value = `${Number(ui.speedInput.value).toFixed(1)}×`;
}

export async function saveSettings(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  ui.saveSettings.disabled = true;
  ui.settingsStatus.textContent = 'Saving…';
  try {
    const saved = await api.saveSettings({
      default_voice_id: ui.voiceSelect.value,
      tts_speed: Number(ui.speedInput.value),
    });
    const voice = pageState.voices.find((v) => v.id === saved.default_voice_id);
    ui.settingsStatus.textContent =
      `Saved: ${voice?.name ?? saved.default_voice_id} at ${saved.tts_speed.toFixed(1)}×. ` +
      'Generations started from now on use it.';
  } catch (error) {
    ui.settingsStatus.textContent = `Not saved: ${describe(error)}`;
  } finally {
    ui.saveSettings.disabled = false;
  }
}
