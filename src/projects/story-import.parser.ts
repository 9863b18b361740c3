import type { SegmentDraft } from './segments/segment.types';
import { StoryImportError } from './project.errors';

/** A story to import, in one of the two formats of the contract. */
export type StoryImport =
  | {
      readonly format: 'json';
      readonly segments: readonly { readonly textContent: string; readonly imagePrompt?: string }[];
    }
  | { readonly format: 'text'; readonly rawText: string };

const DELIMITER = /^\s*-{3,}\s*$/;
const TEXT_LINE = /^text:/i;
const PROMPT_LINE = /^prompt:/i;

/**
 * Parses the text import format:
 *
 * ```
 * Text: Once upon a time...
 * Prompt: a castle at dawn
 * ---
 * Text: ...
 * ```
 *
 * Blocks are separated by a line of three or more hyphens. In a block, `Text:` lines
 * (case-insensitive) are joined with one space into the text, `Prompt:` lines into the
 * prompt; other lines are ignored; blank blocks are skipped. A block without a non-empty
 * `Text:` line, or no block at all, throws StoryImportError listing every faulty block.
 */
export function parseStoryText(rawText: string): SegmentDraft[] {
  const drafts: SegmentDraft[] = [];
  const problems: string[] = [];
  let blockNumber = 0;
  for (const block of splitBlocks(rawText)) {
    if (block.every((line) => line.trim() === '')) continue;
    blockNumber += 1;
    const texts: string[] = [];
    const prompts: string[] = [];
    for (const line of block.map((l) => l.trim())) {
      if (TEXT_LINE.test(line)) texts.push(line.slice('text:'.length).trim());
      else if (PROMPT_LINE.test(line)) prompts.push(line.slice('prompt:'.length).trim());
    }
    const textContent = joinParts(texts);
    if (texts.length === 0) problems.push(`Block ${blockNumber} has no "Text:" line.`);
    else if (textContent === '') problems.push(`Block ${blockNumber} has an empty "Text:" line.`);
    else drafts.push({ textContent, imagePrompt: joinParts(prompts) });
  }
  if (problems.length > 0) throw new StoryImportError('Text parsing failed', 'raw_text', problems);
  if (drafts.length === 0) {
    throw new StoryImportError('Text parsing failed', 'raw_text', ['No segments found.']);
  }
  return drafts;
}

/**
 * The drafts of an import in either format. JSON segments must each have a non-blank
 * `textContent`; there must be at least one. Throws StoryImportError.
 */
export function draftsFromImport(story: StoryImport): SegmentDraft[] {
  if (story.format === 'text') return parseStoryText(story.rawText);
  if (story.segments.length === 0) {
    throw new StoryImportError('Invalid import', 'segments', ['This list may not be empty.']);
  }
  const problems: string[] = [];
  const drafts = story.segments.map((segment, i) => {
    const textContent = segment.textContent.trim();
    if (textContent === '') problems.push(`Segment ${i} has no text_content.`);
    return { textContent, imagePrompt: (segment.imagePrompt ?? '').trim() };
  });
  if (problems.length > 0) throw new StoryImportError('Invalid import', 'segments', problems);
  return drafts;
}

function splitBlocks(rawText: string): string[][] {
  const blocks: string[][] = [[]];
  for (const line of rawText.split(/\r\n|\r|\n/)) {
    if (DELIMITER.test(line)) blocks.push([]);
    else blocks[blocks.length - 1].push(line);
  }
  return blocks;
}

/** Non-empty parts joined with exactly one space. */
function joinParts(parts: string[]): string {
  return parts.filter((part) => part !== '').join(' ');
}
