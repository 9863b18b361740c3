import type { StoryImport } from './api.js';

/** A line that makes pasted text the contract's text import format (`Text: ...`). */
const TEXT_FORMAT_LINE = /^[ \t]*text:/im;

/**
 * The import body for a pasted story. Text with `Text:` lines is sent as it is with
 * `format: "text"` (blocks separated by `---`, parsed by the server). Anything else is
 * plain prose: paragraphs separated by blank lines become one segment each, the line
 * breaks inside a paragraph becoming spaces. Returns null when there is no text at all.
 */
export function storyImportFrom(title: string, story: string): StoryImport | null {
  if (TEXT_FORMAT_LINE.test(story)) {
    return { format: 'text', title, raw_text: story };
  }
  const paragraphs = story
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter((paragraph) => paragraph.length > 0);
  if (paragraphs.length === 0) return null;
  return {
    format: 'json',
    title,
    segments: paragraphs.map((text_content) => ({ text_content })),
  };
}
