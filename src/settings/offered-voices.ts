import { isStoryFlowVoice } from './storyflow-voices';

/**
 * Port: which voice ids `default_voice_id` may name — "a voice id offered by
 * `/api/settings/voices/`" (the contract). Settings owns the question; the speech engine's
 * module answers it (its `EngineVoices`, provided under this token by EngineSelectionModule),
 * so settings depends on no speech code. Without an engine module (a settings-only test), the
 * answer is StoryFlow's seven voices.
 */
export abstract class OfferedVoices {
  /** Whether a client may choose this voice id. */
  abstract accepts(id: string): boolean;
}

/** StoryFlow's seven voices only. */
export const STORYFLOW_ONLY: OfferedVoices = { accepts: isStoryFlowVoice };
