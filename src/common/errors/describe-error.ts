/** An error's message for a log line (never for a client: it may name paths). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
