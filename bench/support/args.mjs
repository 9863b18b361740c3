import { resolve } from 'node:path';

/** The number given as `--name=N` on the command line, or `fallback`. */
export function numberOption(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

/** The builds named on the command line as `name=dir`, in order: `[name, absolute dir]`. */
export function namedBuilds() {
  return process.argv
    .filter((a) => !a.startsWith('--') && a.includes('='))
    .map((a) => [a.split('=')[0], resolve(a.split('=')[1])]);
}
