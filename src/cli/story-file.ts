import { readFile } from 'node:fs/promises';
import { StoryImportError } from '../projects/project.errors';
import { draftsFromImport, parseStoryText } from '../projects/story-import.parser';
import { CliError, EXIT } from './cli.errors';

/** A line that makes a file StoryFlow's text import format (`Text: ...`). */
const TEXT_FORMAT_LINE = /^[ \t]*text:/im;

/**
 * The segments' texts of a story file, by the rules of the web page's import:
 * - StoryFlow's text format (`Text:` lines, blocks separated by `---`) when a line starts
 *   with `Text:`, parsed by the server's own parser;
 * - a `.json` file: the import body (`{segments: [{text_content}]}`), or a list of strings;
 * - anything else is prose: paragraphs separated by blank lines, one segment each.
 */
export async function readStoryFile(path: string): Promise<string[]> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    if (path.toLowerCase().endsWith('.json')) return fromJson(raw, path);
    if (TEXT_FORMAT_LINE.test(raw)) return parseStoryText(raw).map((d) => d.textContent);
  } catch (error) {
    if (error instanceof StoryImportError) {
      throw new CliError(`${path} is not a valid story: ${oneLine(error)}`, EXIT.failure);
    }
    throw error;
  }
  const paragraphs = raw
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter((paragraph) => paragraph.length > 0);
  if (paragraphs.length === 0) throw new CliError(`${path} has no text to narrate`);
  return paragraphs;
}

function fromJson(raw: string, path: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new CliError(`${path} is not valid JSON`);
  }
  const list = Array.isArray(body) ? body : (body as { segments?: unknown })?.segments;
  if (!Array.isArray(list)) {
    throw new CliError(
      `${path}: expected {"segments": [{"text_content": ...}]} or a list of texts`,
    );
  }
  const segments = list.map((item: unknown) => ({
    textContent: String(
      typeof item === 'string' ? item : ((item as { text_content?: unknown })?.text_content ?? ''),
    ),
  }));
  return draftsFromImport({ format: 'json', segments }).map((d) => d.textContent);
}

function oneLine(error: StoryImportError): string {
  const details = Object.values(error.details ?? {}).flat();
  return [error.message, ...details].join(' ').replace(/\s+/g, ' ');
}
