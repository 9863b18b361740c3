import type { OfferedVoices } from '../../settings/offered-voices';
import { Logger } from '@nestjs/common';
import type { EngineChoice, PiperVoiceFiles } from './engine-selection';
import { DEFAULT_VOICE_ID, findVoice, VOICE_CATALOGUE, VoiceInfo } from './voice-catalogue';

/** A voice of the running engine as `GET /api/settings/voices/` lists it. */
export interface ListedVoice {
  id: string;
  name: string;
  gender: 'female' | 'male' | 'unknown';
  accent: string;
  /**
   * What the engine is given for this voice (eSpeak name, Kokoro voice, Piper voice); null for
   * one of StoryFlow's ids that the engine lacks (it is still offered, and speaks with the
   * default voice).
   */
  engineVoice: string | null;
}

/**
 * eSpeak NG's own English voices in this build (checked with `set_voice`), listed after
 * StoryFlow's ids. eSpeak's voices without a variant are its default (male) voice.
 */
const ESPEAK_OWN_VOICES: readonly ListedVoice[] = [
  ['en-us', 'English (America)', 'American'],
  ['en-us-nyc', 'English (America, New York City)', 'American'],
  ['en', 'English (Great Britain)', 'British'],
  ['en-gb-x-rp', 'English (Received Pronunciation)', 'British'],
  ['en-gb-x-gbclan', 'English (Lancaster)', 'British'],
  ['en-gb-x-gbcwmd', 'English (West Midlands)', 'British'],
  ['en-gb-scotland', 'English (Scotland)', 'Scottish'],
  ['en-029', 'English (Caribbean)', 'Caribbean'],
].map(([id, name, accent]) => ({ id, name, gender: 'male' as const, accent, engineVoice: id }));

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
 * StoryFlow's seven ids are always offered first. Under Kokoro they are Kokoro's own names;
 * under Piper and eSpeak they map to the closest voices. The engine's own voices follow (the
 * rest of Kokoro's voices file, Piper's voices by file name, eSpeak's English voices). An id
 * the engine lacks falls back to the default voice, with a log line: it never fails a task.
 */
export class EngineVoices implements OfferedVoices {
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
          [...VOICE_CATALOGUE.map((voice) => ({ ...voice })), ...ESPEAK_OWN_VOICES],
          DEFAULT_VOICE_ID,
        );
      case 'kokoro': {
        const names = choice.kokoro.voiceNames;
        const storyflow = VOICE_CATALOGUE.map(({ engineVoice: _espeak, ...voice }) => ({
          ...voice,
          engineVoice: names.includes(voice.id) ? voice.id : null,
        }));
        const own = names.filter((name) => !findVoice(name)).map(kokoroVoice);
        const defaultId = names.includes(DEFAULT_VOICE_ID) ? DEFAULT_VOICE_ID : names[0];
        return new EngineVoices('kokoro', [...storyflow, ...own], defaultId);
      }
      case 'piper':
        return new EngineVoices('piper', piperCatalogue(choice.piper), DEFAULT_VOICE_ID);
    }
  }

  /** Every voice a client may see. */
  list(): readonly ListedVoice[] {
    return this.voices;
  }

  /** Whether the engine itself has this voice (a listed StoryFlow id may fall back). */
  has(id: string): boolean {
    return Boolean(this.byId.get(id)?.engineVoice);
  }

  /**
   * Whether a client may choose this id: one of the engine's voices, or one of StoryFlow's
   * seven (always accepted, so that settings survive a change of model files; a voice the
   * engine lacks then falls back to the default).
   */
  accepts(id: string): boolean {
    return this.byId.has(id) || VOICE_CATALOGUE.some((voice) => voice.id === id);
  }

  /**
   * The voice for a settings id, with a non-null `engineVoice`; the default voice (logged once
   * per id) when the engine lacks it.
   */
  resolve(id: string): ListedVoice & { engineVoice: string } {
    const voice = this.byId.get(id);
    if (voice?.engineVoice) return voice as ListedVoice & { engineVoice: string };
    const fallback = this.byId.get(this.defaultId) as ListedVoice & { engineVoice: string };
    if (!this.warned.has(id)) {
      this.warned.add(id);
      this.logger.warn(
        `Voice "${id}" is not available with the ${this.engine} engine: using "${fallback.id}"`,
      );
    }
    return fallback;
  }
}

/** `af_sky` → Sky, female, American. */
function kokoroVoice(id: string): ListedVoice {
  const [prefix, rest = id] = id.split('_', 2);
  const gender = prefix[1] === 'f' ? 'female' : prefix[1] === 'm' ? 'male' : 'unknown';
  return {
    id,
    name: rest.charAt(0).toUpperCase() + rest.slice(1),
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
