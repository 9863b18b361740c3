/**
 * Summarises a V8 `.cpuprofile`: self time by function and by package (or file for the
 * service's own code), busiest first.
 *
 *   node bench/support/profile-summary.mjs <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where a frame comes from: `pkg:<name>` for node_modules, `node:` internals, or the file. */
function origin(url) {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `pkg:${nm[1]}`;
  if (url.startsWith('node:')) return 'node: internals';
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `app:${dist[1]}`;
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile, top = 25) {
  const total = profile.endTime - profile.startTime;
  const dt = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map();
  const byOrigin = new Map();
  for (const node of profile.nodes) {
    const self = dt.get(node.id) ?? 0;
    if (!self) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${origin(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + self);
    const o =
      functionName === '(idle)'
        ? '(idle)'
        : functionName === '(garbage collector)'
          ? '(GC)'
          : origin(url);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + self);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const list = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${pct(us)}  ${name}`)
      .join('\n');
  return `profile: ${(total / 1e6).toFixed(2)} s\n\nself time by origin:\n${list(byOrigin)}\n\nself time by function:\n${list(byFunction)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top = '25'] = process.argv.slice(2);
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')), Number(top)));
}
