import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTemporaryFiles, temporaryPathFor } from './temporary-files';

describe('removeTemporaryFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'temporary-files-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function temporary(name: string, minutesAgo: number): Promise<string> {
    const path = temporaryPathFor(join(dir, name));
    await writeFile(path, 'x');
    const time = new Date(Date.now() - minutesAgo * 60_000);
    await utimes(path, time, time);
    return path;
  }

  it('deletes every temporary file, and no stored one, without a grace period', async () => {
    await writeFile(join(dir, 'a.wav'), 'stored');
    await temporary('a.wav', 0);
    await temporary('b.wav', 30);
    expect(await removeTemporaryFiles([dir, join(dir, 'missing')])).toBe(2);
    expect(await readdir(dir)).toEqual(['a.wav']);
  });

  it('leaves the files modified within the grace period (another node may be writing them)', async () => {
    await temporary('a.wav', 0);
    const old = await temporary('b.wav', 30);
    expect(await removeTemporaryFiles([dir], undefined, 10 * 60_000)).toBe(1);
    const left = await readdir(dir);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^a\.wav\.tmp-/);
    expect(left).not.toContain(old.slice(dir.length + 1));
  });
});
