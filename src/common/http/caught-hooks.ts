import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/** A Fastify hook, as a plugin hands it to `addHook` (its signature depends on the hook). */
export type Hook = (...args: never[]) => unknown;

/**
 * Registers a plugin while its global hooks of these names are caught instead of added, and
 * returns them in the order the plugin added them: the caller attaches them where they are
 * needed (some routes only, some requests only), so that they do not run on every request.
 * At most `limit` hooks are caught; any more are added as usual.
 */
export async function registerCatchingHooks<Options>(
  fastify: FastifyInstance,
  plugin: FastifyPluginAsync<Options & object> | ((...args: never[]) => unknown),
  options: Options,
  names: readonly string[],
  limit = Infinity,
): Promise<Map<string, Hook[]>> {
  const caught = new Map<string, Hook[]>(names.map((name) => [name, []]));
  let count = 0;
  const addHook = fastify.addHook;
  const catching = function (this: FastifyInstance, name: string, hook: Hook) {
    const kept = caught.get(name);
    if (kept && count < limit) {
      kept.push(hook);
      count += 1;
      return this;
    }
    return (addHook as (name: string, hook: Hook) => FastifyInstance).call(this, name, hook);
  };
  fastify.addHook = catching as FastifyInstance['addHook'];
  try {
    await fastify.register(plugin as FastifyPluginAsync<Options & object>, options as never);
  } finally {
    fastify.addHook = addHook;
  }
  return caught;
}
