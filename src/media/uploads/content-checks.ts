import { readFile } from 'node:fs/promises';
import { parse as parseFont } from 'opentype.js';
import sharp from 'sharp';

/** Image formats a client may upload, and the extension each is stored under. */
export const IMAGE_EXTENSIONS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;
export type ImageFormat = keyof typeof IMAGE_EXTENSIONS;

/** Decoding more pixels than this (a "decompression bomb") is refused, not attempted. */
const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * The format of an image file, judged by its content: libvips (sharp) reads the magic bytes
 * and then decodes every pixel, so a truncated or corrupt file, or another format with an
 * image's name, is refused. Returns null when it is not one of `allowed` or does not decode.
 */
export async function imageFormatOf(
  path: string,
  allowed: readonly ImageFormat[],
): Promise<ImageFormat | null> {
  try {
    const image = sharp(path, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
    const { format } = await image.metadata();
    if (!allowed.includes(format as ImageFormat)) return null;
    // stats() decodes the whole image in libvips' threads (the pixels never reach JS).
    await image.stats();
    return format as ImageFormat;
  } catch {
    return null;
  }
}

/** Font formats a client may upload: sfnt with TrueType outlines, or with CFF (`OTTO`). */
export type FontFormat = 'ttf' | 'otf';

/**
 * The format of a font file, judged by its content: the sfnt version tag, then a full parse
 * with opentype.js (its tables must be readable and it must have glyphs). Null otherwise.
 */
export async function fontFormatOf(path: string): Promise<FontFormat | null> {
  try {
    const bytes = await readFile(path);
    const tag = bytes.subarray(0, 4).toString('latin1');
    const format: FontFormat | null =
      tag === 'OTTO' ? 'otf' : tag === '\u0000\u0001\u0000\u0000' || tag === 'true' ? 'ttf' : null;
    if (format === null) return null;
    const font = parseFont(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    return font.glyphs.length > 0 ? format : null;
  } catch {
    return null;
  }
}
