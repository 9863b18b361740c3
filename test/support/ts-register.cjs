/**
 * `node -r ./test/support/ts-register.cjs src/main.ts`: runs the TypeScript sources in the
 * processes the e2e tests start (the service, the CLI), as `ts-node/register/transpile-only`
 * did — TypeScript's own `transpileModule` with tsconfig.json's options, one file at a time —
 * but each file's output is kept on disk (node_modules/.cache/storyflow-ts/), keyed by its
 * source, tsconfig.json and the TypeScript version. Only the first process after a change
 * transpiles; the others, and the worker threads (which inherit `-r` and never load a .ts
 * file), do not even load the compiler. Stack traces point into the .ts files
 * (source-map-support, as ts-node).
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join, relative, sep } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'storyflow-ts');
const TSCONFIG = join(ROOT, 'tsconfig.json');

let salt;
/** What every output depends on besides its own source. */
function cacheSalt() {
  salt ??= createHash('sha256')
    .update(require('typescript/package.json').version)
    .update('\0')
    .update(readFileSync(TSCONFIG))
    .digest('hex');
  return salt;
}

let compilerOptions;
/** tsconfig.json's options, as ts-node's transpile-only mode uses them. */
function typescriptOptions() {
  if (compilerOptions) return compilerOptions;
  const ts = require('typescript');
  const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, TSCONFIG);
  compilerOptions = {
    ...parsed.options,
    // Source maps inline in the output, the sources beside them, nothing else emitted.
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: true,
    declaration: false,
    declarationMap: false,
    incremental: false,
    noEmit: false,
    outDir: undefined,
    module: ts.ModuleKind.CommonJS,
  };
  return compilerOptions;
}

function transpile(source, filename) {
  const ts = require('typescript');
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions: typescriptOptions(),
    fileName: filename,
    reportDiagnostics: true,
  });
  const errors = (diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    throw new SyntaxError(`${filename}: ${text.join('; ')}`);
  }
  return outputText;
}

/** Compiled outputs of this process, for source-map-support's look-ups. */
const outputs = new Map();

function compiled(filename) {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha256')
    .update(cacheSalt())
    .update('\0')
    .update(relative(ROOT, filename).split(sep).join('/'))
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  const output = transpile(source, filename);
  try {
    mkdirSync(dirname(cached), { recursive: true });
    // Whole or not at all: another process may read it at the same moment.
    const temporary = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(temporary, output);
    renameSync(temporary, cached);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return output;
}

require('source-map-support').install({
  environment: 'node',
  retrieveFile: (path) => outputs.get(path),
});

Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  if (filename.split(sep).includes('node_modules')) {
    throw new Error(`${filename}: TypeScript in node_modules is not transpiled`);
  }
  const output = compiled(filename);
  outputs.set(filename, output);
  module._compile(output, filename);
};
