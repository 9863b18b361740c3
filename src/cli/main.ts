#!/usr/bin/env node
import { describeError } from '../common/errors/describe-error';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_VOICE_ID } from '../audio/engine/voice-catalogue';
import { CliError, EXIT } from './cli.errors';
import { narrate } from './narrate.command';
import { POLL_SECONDS, status } from './status.command';
import { voices } from './voices.command';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    failure: the task FAILED, or an engine, file or network error
  2    usage error: unknown command or option, bad value
  130  interrupted (Ctrl-C); narrate leaves no output file`;

/** The `storyflow-voice` command line (commander); `run` parses and executes it. */
export function buildProgram(): Command {
  const program = new Command('storyflow-voice')
    .description(
      'StoryFlow Voice on the command line: narrate stories offline, follow server tasks',
    )
    .version(packageVersion())
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('narrate')
    .description(
      'Narrate a story file into one WAV (and subtitles) with the offline engine, no server needed. ' +
        'The file is prose (a segment per paragraph), StoryFlow\'s "Text:" format, or JSON.',
    )
    .argument('<file>', 'story file (.txt, StoryFlow "Text:" format, or .json)')
    .requiredOption('-o, --output <file>', 'the WAV to write')
    .option('--srt <file>', 'also write subtitles (WebVTT when the name ends in .vtt)')
    .option('--voice <id>', 'voice id (see `storyflow-voice voices`)', DEFAULT_VOICE_ID)
    .option('--speed <n>', 'speaking speed, 0.5 to 2.0', parseNumber, 1)
    .option('--gap <seconds>', 'pause between segments, 0 to 5', parseNumber, 0.3)
    .addOption(
      new Option('--by <unit>', 'one subtitle cue per segment or per sentence')
        .choices(['segment', 'sentence'])
        .default('sentence'),
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (file: string, opts) => {
      process.stdout.write(`${await narrate(file, opts)}\n`);
    });

  program
    .command('status')
    .description("Show a server task's progress; with --follow, a live bar until it ends")
    .argument('<task_id>', 'the task_id a generate call answered')
    .option('--url <url>', 'the server', 'http://127.0.0.1:8000')
    .option('-f, --follow', 'follow the task (event stream, polling fallback) until it ends', false)
    .option(
      '--interval <seconds>',
      'with --follow, seconds between polls when polling, 0.1 to 60',
      parseInterval,
      POLL_SECONDS,
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (taskId: string, opts: { url: string; follow: boolean; interval: number }) => {
      const result = await status(taskId, opts);
      process.stdout.write(`${result.line}\n`);
    });

  program
    .command('voices')
    .description('List the voices narrate --voice accepts')
    .action(() => {
      process.stdout.write(`${voices()}\n`);
    });

  return program;
}

/** The package's version: package.json is two folders up from both src/cli and dist/cli. */
function packageVersion(): string {
  const json = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
  return (JSON.parse(json) as { version: string }).version;
}

function parseInterval(value: string): number {
  const seconds = parseNumber(value);
  if (seconds < 0.1 || seconds > 60) throw new InvalidArgumentError('0.1 to 60 seconds.');
  return seconds;
}

function parseNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) {
    throw new InvalidArgumentError('not a number.');
  }
  return number;
}

/** Runs the command line; resolves with the exit code. Errors are one line on stderr. */
export async function run(argv: string[]): Promise<number> {
  // The engine logs through Nest's logger: the CLI reports for itself.
  Logger.overrideLogger(false);
  const program = buildProgram();
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the help, the version or its one-line error already
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`storyflow-voice: ${describeError(error).replace(/\s+/g, ' ').trim()}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.failure;
  }
}

if (require.main === module) {
  void run(process.argv).then((code) => process.exit(code));
}
