import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Marks a file being written; a reader never sees such a name at a stored file's path. */
const TEMP_MARKER = '.tmp-';

/**
 * A fresh temporary name for `target`, in the same folder (so that the rename into place is
 * atomic): `<target>.tmp-<hex>`. The start-up sweeps find such names with
 * `removeTemporaryFiles`.
 */
export function temporaryPathFor(target: string): string {
  return `${target}${TEMP_MARKER}${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes the temporary files a crash left in these folders (a missing folder holds none):
 * every one, or with `of`, only those of these file names (`<name>.tmp-…`). Returns how many.
 */
export async function removeTemporaryFiles(
  folders: readonly string[],
  of?: readonly string[],
): Promise<number> {
  const prefixes = of?.map((name) => `${name}${TEMP_MARKER}`);
  let removed = 0;
  for (const folder of folders) {
    for (const file of await readdirQuietly(folder)) {
      const temporary = prefixes
        ? prefixes.some((prefix) => file.startsWith(prefix))
        : file.includes(TEMP_MARKER);
      if (!temporary) continue;
      await rm(join(folder, file), { force: true });
      removed += 1;
    }
  }
  return removed;
}

/** The names in a folder; none when it is not there. */
export async function readdirQuietly(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
