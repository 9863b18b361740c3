import { Logger } from '@nestjs/common';
import type { EngineChoice, PiperVoiceFiles } from './engine-selection';
import { DEFAULT_VOICE_ID, VOICE_CATALOGUE, VoiceInfo } from './voice-catalogue';

/** A voice of the running engine as `GET /api/settings/voices/` lists it. */
export interface ListedVoice {
  id: string;
  name: string;
  gender: 'female' | 'male' | 'unknown';
  accent: string;
  /** What the engine is given for this voice (eSpeak name, Kokoro voice, Piper voice). */
  engineVoice: string;
}

/** Kokoro voice id prefix → accent and the espeak-ng language its phonemes come from. */
export const KOKORO_LANGUAGES: Record<string, { accent: string; espeak: string }> = {
  a: { accent: 'American', espeak: 'en-us' },
  b: { accent: 'British', espeak: 'en' }, // this espeak-ng build names British English `en`
  e: { accent: 'Spanish', espeak: 'es' },
  f: { accent: 'French', espeak: 'fr' },
  h: { accent: 'Hindi', espeak: 'hi' },
  i: { accent: 'Italian', espeak: 'it' },
  j: { accent: 'Japanese', espeak: 'ja' },
  p: { accent: 'Brazilian Portuguese', espeak: 'pt-br' },
  z: { accent: 'Mandarin Chinese', espeak: 'cmn' },
};

/**
 * Genders of well-known English Piper voices (the `.onnx.json` does not say). Others are
 * listed as `unknown` and are only picked for StoryFlow's ids when no known voice fits.
 */
const PIPER_GENDERS: Record<string, 'female' | 'male'> = {
  amy: 'female',
  kathleen: 'female',
  kristin: 'female',
  lessac: 'female',
  ljspeech: 'female',
  hfc_female: 'female',
  alba: 'female',
  cori: 'female',
  jenny_dioco: 'female',
  southern_english_female: 'female',
  semaine: 'female',
  ryan: 'male',
  joe: 'male',
  john: 'male',
  bryce: 'male',
  kusal: 'male',
  norman: 'male',
  danny: 'male',
  hfc_male: 'male',
  sam: 'male',
  alan: 'male',
  northern_english_male: 'male',
  aru: 'male',
};

const ACCENTS: Record<string, string> = { en_US: 'American', en_GB: 'British' };

/**
 * The voices of the running engine and how a voice id stored in the settings reaches it.
 * Under Kokoro StoryFlow's ids are Kokoro's own; under Piper and eSpeak the seven ids map to
 * the closest voices, and Piper's own voices are listed by their file names. An id the engine
 * lacks falls back to the default voice, with a log line: it never fails a task.
 */
export class EngineVoices {
  private readonly logger = new Logger('EngineVoices');
  private readonly byId: Map<string, ListedVoice>;
  private readonly warned = new Set<string>();

  constructor(
    readonly engine: EngineChoice['kind'],
    private readonly voices: readonly ListedVoice[],
    private readonly defaultId: string,
  ) {
    this.byId = new Map(voices.map((voice) => [voice.id, voice]));
  }

  static forChoice(choice: EngineChoice): EngineVoices {
    switch (choice.kind) {
      case 'espeak':
        return new EngineVoices(
          'espeak',
          VOICE_CATALOGUE.map((voice) => ({ ...voice })),
          DEFAULT_VOICE_ID,
        );
      case 'kokoro': {
        const voices = choice.kokoro.voiceNames.map(kokoroVoice);
        const defaultId = voices.some((v) => v.id === DEFAULT_VOICE_ID)
          ? DEFAULT_VOICE_ID
          : voices[0].id;
        return new EngineVoices('kokoro', voices, defaultId);
      }
      case 'piper':
        return new EngineVoices('piper', piperCatalogue(choice.piper), DEFAULT_VOICE_ID);
    }
  }

  /** Every voice a client may see. */
  list(): readonly ListedVoice[] {
    return this.voices;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Whether a client may choose this id: one of the engine's voices, or one of StoryFlow's
   * seven (always accepted, so that settings survive a change of model files; a voice the
   * engine lacks then falls back to the default).
   */
  accepts(id: string): boolean {
    return this.byId.has(id) || VOICE_CATALOGUE.some((voice) => voice.id === id);
  }

  /** The voice for a settings id; the default voice (logged once per id) when the engine lacks it. */
  resolve(id: string): ListedVoice {
    const voice = this.byId.get(id);
    if (voice) return voice;
    const fallback = this.byId.get(this.defaultId) ?? this.voices[0];
    if (!this.warned.has(id)) {
      this.warned.add(id);
      this.logger.warn(
        `Voice "${id}" is not available with the ${this.engine} engine: using "${fallback.id}"`,
      );
    }
    return fallback;
  }
}

/** `af_bella` → Bella, female, American. */
function kokoroVoice(id: string): ListedVoice {
  const [prefix, rest = id] = id.split('_', 2);
  const known = VOICE_CATALOGUE.find((voice) => voice.id === id);
  const gender = prefix[1] === 'f' ? 'female' : prefix[1] === 'm' ? 'male' : 'unknown';
  return {
    id,
    name: known?.name ?? rest.charAt(0).toUpperCase() + rest.slice(1),
    gender,
    accent: KOKORO_LANGUAGES[prefix[0]]?.accent ?? 'unknown',
    engineVoice: id,
  };
}

/** `en_US-lessac-medium` → Lessac (medium). */
function piperVoice(files: PiperVoiceFiles): ListedVoice {
  const [, speaker = files.name, quality] = files.name.split('-');
  const words = speaker.replace(/_/g, ' ');
  return {
    id: files.name,
    name: words.charAt(0).toUpperCase() + words.slice(1) + (quality ? ` (${quality})` : ''),
    gender: PIPER_GENDERS[speaker] ?? 'unknown',
    accent: ACCENTS[files.settings.languageCode] ?? (files.settings.languageCode || 'unknown'),
    engineVoice: files.name,
  };
}

/**
 * StoryFlow's seven ids, each on the closest Piper voice (same accent and gender first, then
 * same accent, then any), spread over the candidates so that distinct ids sound distinct when
 * there are enough voices; then Piper's own voices.
 */
function piperCatalogue(files: PiperVoiceFiles[]): ListedVoice[] {
  const own = files.map(piperVoice);
  const used = new Map<string, number>();
  const pick = (info: VoiceInfo): ListedVoice => {
    const tiers = [
      own.filter((v) => v.accent === info.accent && v.gender === info.gender),
      own.filter((v) => v.accent === info.accent),
      own.filter((v) => v.gender === info.gender),
      own,
    ];
    const candidates = tiers.find((tier) => tier.length > 0)!;
    // The least used candidate, so the seven ids spread over the voices that fit.
    const chosen = candidates.reduce((best, v) =>
      (used.get(v.id) ?? 0) < (used.get(best.id) ?? 0) ? v : best,
    );
    used.set(chosen.id, (used.get(chosen.id) ?? 0) + 1);
    return chosen;
  };
  const mapped = VOICE_CATALOGUE.map((info) => ({
    id: info.id,
    name: info.name,
    gender: info.gender,
    accent: info.accent,
    engineVoice: pick(info).engineVoice,
  }));
  return [...mapped, ...own.filter((v) => !mapped.some((m) => m.id === v.id))];
}
