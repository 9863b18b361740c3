/** One of StoryFlow's voices, as the product names it (the engine decides how it sounds). */
export interface StoryFlowVoice {
  /** StoryFlow's voice id, as stored in settings (`default_voice_id`): Kokoro's own names. */
  readonly id: string;
  readonly name: string;
  readonly gender: 'female' | 'male';
  readonly accent: 'American' | 'British';
}

/** The seven voices StoryFlow's settings may name (its frontend offers these). */
export const STORYFLOW_VOICES: readonly StoryFlowVoice[] = [
  { id: 'af_bella', name: 'Bella', gender: 'female', accent: 'American' },
  { id: 'af_sarah', name: 'Sarah', gender: 'female', accent: 'American' },
  { id: 'af_nicole', name: 'Nicole', gender: 'female', accent: 'American' },
  { id: 'am_adam', name: 'Adam', gender: 'male', accent: 'American' },
  { id: 'am_michael', name: 'Michael', gender: 'male', accent: 'American' },
  { id: 'bf_emma', name: 'Emma', gender: 'female', accent: 'British' },
  { id: 'bm_george', name: 'George', gender: 'male', accent: 'British' },
];

export const STORYFLOW_VOICE_IDS: readonly string[] = STORYFLOW_VOICES.map((voice) => voice.id);

export const DEFAULT_VOICE_ID = 'af_bella';

export function isStoryFlowVoice(id: string): boolean {
  return STORYFLOW_VOICE_IDS.includes(id);
}
