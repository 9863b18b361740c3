/**
 * Exit codes of `storyflow-voice` (documented in the README and in `--help`):
 * 0 success; 1 failure (a task FAILED, an engine, file or network error); 2 usage error
 * (unknown command or option, bad value); 130 interrupted (Ctrl-C).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
