/** One of StoryFlow's voices, and the eSpeak-NG voice that speaks it. */
export interface VoiceInfo {
  /** StoryFlow's voice id, as stored in settings (`default_voice_id`). */
  readonly id: string;
  readonly name: string;
  readonly gender: 'female' | 'male';
  readonly accent: 'American' | 'British';
  /** eSpeak-NG voice name: language + variant (`en-us` American, `en` British). */
  readonly engineVoice: string;
}

/**
 * StoryFlow's seven voice ids, each on a distinct eSpeak voice. British voices use `en+…`:
 * `en-gb+…` is rejected by this eSpeak build.
 */
export const VOICE_CATALOGUE: readonly VoiceInfo[] = [
  { id: 'af_bella', name: 'Bella', gender: 'female', accent: 'American', engineVoice: 'en-us+f3' },
  { id: 'af_sarah', name: 'Sarah', gender: 'female', accent: 'American', engineVoice: 'en-us+f2' },
  {
    id: 'af_nicole',
    name: 'Nicole',
    gender: 'female',
    accent: 'American',
    engineVoice: 'en-us+f4',
  },
  { id: 'am_adam', name: 'Adam', gender: 'male', accent: 'American', engineVoice: 'en-us+m1' },
  {
    id: 'am_michael',
    name: 'Michael',
    gender: 'male',
    accent: 'American',
    engineVoice: 'en-us+m3',
  },
  { id: 'bf_emma', name: 'Emma', gender: 'female', accent: 'British', engineVoice: 'en+f3' },
  { id: 'bm_george', name: 'George', gender: 'male', accent: 'British', engineVoice: 'en+m3' },
];

export const DEFAULT_VOICE_ID = 'af_bella';

/** The voice with this StoryFlow id, or undefined. */
export function findVoice(id: string): VoiceInfo | undefined {
  return VOICE_CATALOGUE.find((voice) => voice.id === id);
}
