import { Font, Glyph, Path } from 'opentype.js';
import sharp from 'sharp';

/** Small real files for upload tests, made on the spot (nothing shipped, nothing downloaded). */

/** A `size`×`size` image of one colour in the given format. */
export function imageBytes(format: 'png' | 'jpeg' | 'webp', size = 16): Promise<Buffer> {
  return sharp({
    create: { width: size, height: size, channels: 3, background: { r: 200, g: 80, b: 20 } },
  })
    .toFormat(format)
    .toBuffer();
}

/** A valid OpenType (CFF, `OTTO`) font with one glyph, made by opentype.js. */
export function otfBytes(family = 'Test Sans'): Buffer {
  const notdef = new Glyph({ name: '.notdef', unicode: 0, advanceWidth: 650, path: new Path() });
  const path = new Path();
  path.moveTo(100, 0);
  path.lineTo(500, 0);
  path.lineTo(300, 700);
  path.close();
  const a = new Glyph({ name: 'A', unicode: 65, advanceWidth: 650, path });
  const font = new Font({
    familyName: family,
    styleName: 'Regular',
    unitsPerEm: 1000,
    ascender: 800,
    descender: -200,
    glyphs: [notdef, a],
  });
  return Buffer.from(font.toArrayBuffer());
}

/** A multipart/form-data body with one file, serialized as a browser's FormData would be. */
export async function multipartBody(
  field: string,
  bytes: Buffer,
  filename: string,
  type = 'application/octet-stream',
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], { type }), filename);
  const encoded = new Response(form);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type')! },
  };
}
