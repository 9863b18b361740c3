import { unzipSync } from 'fflate';

/** One array of a NumPy `.npz` archive: little-endian float32 data, C order. */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

/**
 * Reads a NumPy `.npz` file (a zip of `.npy` files, as written by `numpy.savez`), the format
 * of Kokoro's `voices.bin` / `voices-v1.0.bin`: one array per voice, named `<voice>.npy`.
 * Only what those files use is supported: `<f4` (or `<f8`, converted) in C order.
 *
 * The zip container is read by fflate; the `.npy` header (a magic string, a version and a
 * Python dict literal) is parsed here, since no maintained npm library reads `.npy` without
 * pulling in a whole array toolkit.
 * @throws Error naming the entry when the file is not an npz of float arrays
 */
export function readNpz(bytes: Uint8Array): Map<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new Error(`not a NumPy .npz archive (${(error as Error).message})`);
  }
  const arrays = new Map<string, NpyArray>();
  for (const [name, content] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    arrays.set(name.slice(0, -'.npy'.length), readNpy(content, name));
  }
  if (arrays.size === 0) throw new Error('the archive holds no .npy array');
  return arrays;
}

/** Names of the arrays of an `.npz` archive, without decompressing them. */
export function npzNames(bytes: Uint8Array): string[] {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (file) => {
        if (file.name.endsWith('.npy')) names.push(file.name.slice(0, -'.npy'.length));
        return false;
      },
    });
  } catch (error) {
    throw new Error(`not a NumPy .npz archive (${(error as Error).message})`);
  }
  return names;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** One `.npy` file (format versions 1–3). */
export function readNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new Error(`${name} is not a .npy array`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new Error(`${name}: unreadable .npy header`);
  }
  if (fortran === 'True') throw new Error(`${name}: Fortran-ordered arrays are not supported`);
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((product, size) => product * size, 1);
  const offset = headerStart + headerLength;
  const body = bytes.slice(offset); // copied: aligned, and free of the zip's buffer
  let data: Float32Array;
  if (descr === '<f4') {
    data = new Float32Array(body.buffer, 0, Math.floor(body.byteLength / 4));
  } else if (descr === '<f8') {
    data = Float32Array.from(new Float64Array(body.buffer, 0, Math.floor(body.byteLength / 8)));
  } else {
    throw new Error(`${name}: dtype ${descr} is not supported (float32 expected)`);
  }
  if (data.length !== count) {
    throw new Error(`${name}: ${data.length} values for shape (${shape.join(', ')})`);
  }
  return { shape, data };
}
