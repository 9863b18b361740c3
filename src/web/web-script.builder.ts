import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';

/** Where the page's TypeScript lives and where its JavaScript goes. */
export interface WebScriptPaths {
  /** `web/`: `*.ts` and the `tsconfig.json` whose `outDir` is `buildDir`. */
  sourceDir: string;
  /** `dist/web-ui/`. */
  buildDir: string;
}

/**
 * Keeps the page script in step with its source when the server starts.
 *
 * `npm run build` compiles `web/*.ts` with a type-checking `tsc -p web/tsconfig.json`; that is
 * what production serves. But `npm start` and `start:dev` run `nest build`, which empties
 * `dist/`, and the tests run straight from the sources: in those cases the script is missing
 * or older than `web/*.ts`, and this transpiles it (no type check, ~0.3 s) with the same
 * compiler options. Without the `typescript` package (a production install without dev
 * dependencies) it only reports the problem and the page says the build is missing.
 */
@Injectable()
export class WebScriptBuilder {
  private readonly logger = new Logger(WebScriptBuilder.name);

  /** True when `buildDir` holds an up-to-date script for every source file. */
  async ensureBuilt({ sourceDir, buildDir }: WebScriptPaths): Promise<boolean> {
    const sources = (await readdir(sourceDir))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
      .map((name) => join(sourceDir, name));
    const stale = await this.staleSources(sources, buildDir);
    if (stale.length === 0) return true;

    let ts: typeof import('typescript');
    try {
      ts = await import('typescript');
    } catch {
      this.logger.warn(
        `The web page script is missing or out of date in ${buildDir} and the typescript ` +
          'package is not installed: run "npm run build"',
      );
      return false;
    }
    const configPath = join(sourceDir, 'tsconfig.json');
    const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
    if (error) throw new Error(`Cannot read ${configPath}: ${error.messageText.toString()}`);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, sourceDir);

    await mkdir(buildDir, { recursive: true });
    for (const source of stale) {
      const { outputText } = ts.transpileModule(ts.sys.readFile(source) ?? '', {
        compilerOptions: options,
        fileName: source,
      });
      const target = join(buildDir, basename(source).replace(/\.ts$/, '.js'));
      // Written aside and renamed, so a concurrent reader never gets half a file.
      const temporary = `${target}.${process.pid}.tmp`;
      await writeFile(temporary, outputText);
      await rename(temporary, target);
    }
    this.logger.log(`Transpiled the web page script (${stale.length} file(s)) into ${buildDir}`);
    return true;
  }

  /** Sources whose `.js` is missing or older than them. */
  private async staleSources(sources: string[], buildDir: string): Promise<string[]> {
    const stale: string[] = [];
    for (const source of sources) {
      const target = join(buildDir, basename(source).replace(/\.ts$/, '.js'));
      const [sourceStat, targetStat] = await Promise.all([
        stat(source),
        stat(target).catch(() => null),
      ]);
      if (!targetStat || targetStat.mtimeMs < sourceStat.mtimeMs) stale.push(source);
    }
    return stale;
  }
}
