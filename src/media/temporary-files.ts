import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
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
 * every one, or with `of`, only those of these file names (`<name>.tmp-…`). With `olderThanMs`,
 * a file modified more recently is left alone: on a folder that other live nodes share, it may
 * be their write in progress. Returns how many were deleted.
 */
export async function removeTemporaryFiles(
  folders: readonly string[],
  of?: readonly string[],
  olderThanMs = 0,
): Promise<number> {
  const prefixes = of?.map((name) => `${name}${TEMP_MARKER}`);
  let removed = 0;
  for (const folder of folders) {
    for (const file of await readdirQuietly(folder)) {
      const temporary = prefixes
        ? prefixes.some((prefix) => file.startsWith(prefix))
        : file.includes(TEMP_MARKER);
      if (!temporary) continue;
      const path = join(folder, file);
      if (olderThanMs > 0 && !(await modifiedBefore(path, Date.now() - olderThanMs))) continue;
      await rm(path, { force: true });
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

/** Whether the file was last modified before `time` (ms); false when it is gone. */
async function modifiedBefore(path: string, time: number): Promise<boolean> {
  try {
    return (await stat(path)).mtimeMs < time;
  } catch {
    return false;
  }
}
