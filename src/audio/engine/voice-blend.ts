/** One voice of a blend and its weight (1 unless given). */
export interface BlendPart {
  voice: string;
  weight: number;
}

const TERM = /^\s*([A-Za-z0-9_.-]+)\s*(?:\(\s*(\d+(?:\.\d+)?)\s*\))?\s*$/;

/**
 * A voice blend as Kokoro servers write it: `af_bella+af_sky` (equal weights) or
 * `af_bella(2)+af_sky(1)`. The Kokoro engine speaks it with the weighted mean of the voices'
 * style vectors (onnx.worker.mjs). Returns null when `voice` has no `+` (a single voice);
 * throws a RangeError naming the term when a term or weight is malformed.
 */
export function parseVoiceBlend(voice: string): BlendPart[] | null {
  if (!voice.includes('+')) return null;
  return voice.split('+').map((term) => {
    const match = TERM.exec(term);
    const weight = match?.[2] === undefined ? 1 : Number(match[2]);
    if (!match || !(weight > 0)) {
      throw new RangeError(
        `"${term.trim()}" is not a voice or a voice(weight) with a weight above 0`,
      );
    }
    return { voice: match[1], weight };
  });
}

/** The blend as the Kokoro worker reads it: `af_bella(2)+af_sky(1)`. */
export function formatVoiceBlend(parts: BlendPart[]): string {
  return parts.map(({ voice, weight }) => `${voice}(${weight})`).join('+');
}
