import { DEFAULT_VOICE_ID, VOICE_CATALOGUE } from '../audio/engine/voice-catalogue';

/** `storyflow-voice voices`: the voice ids `narrate --voice` accepts, one per line. */
export function voices(): string {
  const rows = VOICE_CATALOGUE.map((v) => [
    v.id,
    v.name,
    v.gender,
    v.accent,
    v.engineVoice,
    v.id === DEFAULT_VOICE_ID ? '(default)' : '',
  ]);
  const header = ['ID', 'NAME', 'GENDER', 'ACCENT', 'ENGINE VOICE', ''];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
