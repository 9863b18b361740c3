import { SPEED_MAX, SPEED_MIN } from '../common/speech/speed';
import type { EngineVoices } from '../audio/engine/engine-voices';
import { formatVoiceBlend, parseVoiceBlend } from '../audio/engine/voice-blend';
import { invalidRequest } from './openai.errors';

/** OpenAI's limit on `input`. */
export const MAX_INPUT_CHARS = 4096;
/** OpenAI's range of `speed`; the engine's own range (SPEED_MIN–SPEED_MAX) is narrower. */
export const OPENAI_SPEED_MIN = 0.25;
export const OPENAI_SPEED_MAX = 4.0;

/** The formats this service encodes (see audio-formats.ts). */
export const SPEECH_FORMATS = ['mp3', 'wav', 'pcm', 'flac'] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

/** A checked `POST /v1/audio/speech` body. */
export interface SpeechRequest {
  /** As sent (reported back in `X-Model`); the configured engine speaks whatever it says. */
  model: string;
  input: string;
  /** The voice id as sent (a voice of the engine, or a Kokoro blend). */
  voice: string;
  /** What the engine is given: its voice name, or a blend `a(2)+b(1)`. */
  engineVoice: string;
  format: SpeechFormat;
  /** As asked, 0.25–4.0. */
  speed: number;
  /** `speed` clamped to the engine's SPEED_MIN–SPEED_MAX. */
  engineSpeed: number;
}

/**
 * Checks an OpenAI speech body field by field, as OpenAI answers it: a 400
 * `invalid_request_error` naming the field (`param`). Unknown fields (`instructions`, say) are
 * ignored, as local servers do.
 */
export function parseSpeechRequest(body: unknown, voices: EngineVoices): SpeechRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object', null);
  }
  const raw = body as Record<string, unknown>;

  const model = raw.model ?? 'tts-1';
  if (typeof model !== 'string' || model.trim() === '') {
    throw invalidRequest('`model` must be a non-empty string', 'model');
  }

  const input = raw.input;
  if (typeof input !== 'string') throw invalidRequest('`input` is required (a string)', 'input');
  if (input.trim() === '') {
    throw invalidRequest('`input` must not be empty', 'input', 'string_too_short');
  }
  if (input.length > MAX_INPUT_CHARS) {
    throw invalidRequest(
      `\`input\` is ${input.length} characters long; at most ${MAX_INPUT_CHARS} are allowed`,
      'input',
      'string_too_long',
    );
  }

  const format = raw.response_format ?? 'mp3';
  if (typeof format !== 'string' || !(SPEECH_FORMATS as readonly string[]).includes(format)) {
    throw invalidRequest(
      `\`response_format\` ${JSON.stringify(format)} is not supported: use one of ${SPEECH_FORMATS.join(', ')}`,
      'response_format',
      'unsupported_format',
    );
  }

  const speed = raw.speed ?? 1;
  if (
    typeof speed !== 'number' ||
    !Number.isFinite(speed) ||
    speed < OPENAI_SPEED_MIN ||
    speed > OPENAI_SPEED_MAX
  ) {
    throw invalidRequest(
      `\`speed\` must be a number from ${OPENAI_SPEED_MIN} to ${OPENAI_SPEED_MAX}`,
      'speed',
      'out_of_range',
    );
  }

  if (raw.stream_format !== undefined && raw.stream_format !== 'audio') {
    throw invalidRequest('Only `stream_format: "audio"` is supported', 'stream_format');
  }

  const voice = raw.voice;
  if (typeof voice !== 'string' || voice.trim() === '') {
    throw invalidRequest('`voice` is required (a voice id from GET /v1/audio/voices)', 'voice');
  }

  return {
    model,
    input,
    voice,
    engineVoice: engineVoiceOf(voice, voices),
    format: format as SpeechFormat,
    speed,
    engineSpeed: Math.min(SPEED_MAX, Math.max(SPEED_MIN, speed)),
  };
}

/** The engine's name for a voice id or a blend; a 400 for an unknown voice or a bad blend. */
function engineVoiceOf(voice: string, voices: EngineVoices): string {
  let blend;
  try {
    blend = parseVoiceBlend(voice);
  } catch (error) {
    throw invalidRequest(
      `Invalid voice blend: ${(error as Error).message}`,
      'voice',
      'invalid_voice',
    );
  }
  const known = (id: string) => {
    if (!voices.has(id)) {
      throw invalidRequest(
        `Unknown voice "${id}": GET /v1/audio/voices lists the voices of the ${voices.engine} engine`,
        'voice',
        'invalid_voice',
      );
    }
    return voices.resolve(id).engineVoice;
  };
  if (!blend) return known(voice);
  if (voices.engine !== 'kokoro') {
    throw invalidRequest(
      `Voice blends ("${voice}") need the Kokoro engine; this server runs ${voices.engine}`,
      'voice',
      'voice_blend_unsupported',
    );
  }
  return formatVoiceBlend(blend.map((part) => ({ ...part, voice: known(part.voice) })));
}
