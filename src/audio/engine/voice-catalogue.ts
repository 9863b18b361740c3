import {
  DEFAULT_VOICE_ID,
  STORYFLOW_VOICES,
  StoryFlowVoice,
} from '../../settings/storyflow-voices';

/** One of StoryFlow's voices, and the eSpeak-NG voice that speaks it. */
export interface VoiceInfo extends StoryFlowVoice {
  /** eSpeak-NG voice name: language + variant (`en-us` American, `en` British). */
  readonly engineVoice: string;
}

/**
 * The eSpeak voice for each of StoryFlow's ids, each distinct. British voices use `en+…`:
 * `en-gb+…` is rejected by this eSpeak build.
 */
const ESPEAK_VOICE_OF: Readonly<Record<string, string>> = {
  af_bella: 'en-us+f3',
  af_sarah: 'en-us+f2',
  af_nicole: 'en-us+f4',
  am_adam: 'en-us+m1',
  am_michael: 'en-us+m3',
  bf_emma: 'en+f3',
  bm_george: 'en+m3',
};

/** StoryFlow's voices (the product's list, owned by settings) as eSpeak speaks them. */
export const VOICE_CATALOGUE: readonly VoiceInfo[] = STORYFLOW_VOICES.map((voice) => ({
  ...voice,
  engineVoice: ESPEAK_VOICE_OF[voice.id],
}));

export { DEFAULT_VOICE_ID };

/** The voice with this StoryFlow id, or undefined. */
export function findVoice(id: string): VoiceInfo | undefined {
  return VOICE_CATALOGUE.find((voice) => voice.id === id);
}
