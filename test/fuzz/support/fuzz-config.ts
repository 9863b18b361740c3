import fc, { type Parameters, type RunDetails } from 'fast-check';

/**
 * Reproducible fuzzing: every property runs from a fixed seed (FUZZ_SEED, default below) so a
 * failure seen once is seen again, and its size comes from FUZZ_RUNS (runs of each property;
 * some properties take a share of it). `npm run fuzz` runs ten times as many.
 *
 * At the default, each file's last test checks a floor on the generated requests it sent
 * (routes 2,640 + 110 behind a proxy, bodies 7,733, rate limit 280: 10,763 in all; about
 * 11,900 are sent, since batches are longer than their minimum).
 */
export const DEFAULT_FUZZ_RUNS = 220;

export const FUZZ_RUNS = positiveInteger('FUZZ_RUNS', DEFAULT_FUZZ_RUNS);
export const FUZZ_SEED = positiveInteger('FUZZ_SEED', 20_251_108);

/** How many times larger than the default this run is (1 by default). */
const SCALE = Math.max(1, FUZZ_RUNS / DEFAULT_FUZZ_RUNS);

/**
 * fast-check parameters of one property: `share` of FUZZ_RUNS runs (at least one), from a
 * seed of its own (FUZZ_SEED + `salt`) so that properties do not replay each other's values.
 */
export function fuzzParameters<T>(salt: number, share = 1): Parameters<T> {
  return { seed: FUZZ_SEED + salt, numRuns: runsOf(share), reporter: report };
}

/**
 * fast-check's report, with the counterexample clipped: a 1.5 MB body or a 100,000-level
 * nesting would otherwise bury the cause. The seed and path replay the exact case.
 */
function report<T>(details: RunDetails<T>): void {
  if (!details.failed) return;
  const cause =
    details.errorInstance instanceof Error
      ? details.errorInstance.message
      : String(details.errorInstance);
  throw new Error(
    `Property failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)\n` +
      `Replay: { seed: ${details.seed}, path: "${details.counterexamplePath}" }\n` +
      `Counterexample: ${clip(fc.stringify(details.counterexample), 2_000)}\n` +
      `Cause: ${clip(cause, 4_000)}`,
  );
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;
}

/** Runs a property with `share` of FUZZ_RUNS makes. */
export function runsOf(share = 1): number {
  return Math.max(1, Math.ceil(FUZZ_RUNS * share));
}

/**
 * Jest timeout of one property test: a generous bound that grows with FUZZ_RUNS. It only stops
 * a hung test: on a shared 2-core machine under load (load average 33) a property took > 120 s.
 */
export const PROPERTY_TIMEOUT_MS = Math.ceil(600_000 * SCALE);

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}
