import type { ExceptionFilter, Type } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  FILTER_CATCH_EXCEPTIONS,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

type Handler = (...args: unknown[]) => unknown;
type ArgOf = (request: FastifyRequest, reply: FastifyReply) => unknown;
type RouteArg = { index: number; data?: unknown; pipes?: unknown[] };

const REPLY: ArgOf = (_request, reply) => reply;

/** The arguments a direct route may take: raw values, nothing that needs a pipe. */
const ARGUMENT: Partial<Record<RouteParamtypes, (data: string | undefined) => ArgOf>> = {
  [RouteParamtypes.REQUEST]: () => (request) => request,
  [RouteParamtypes.RESPONSE]: () => REPLY,
  [RouteParamtypes.PARAM]: (name) => (request) =>
    name === undefined ? request.params : (request.params as Record<string, string>)[name],
  [RouteParamtypes.HEADERS]: (name) => (request) =>
    name === undefined ? request.headers : request.headers[name.toLowerCase()],
};

/**
 * Serves one method of a Nest controller straight from its Fastify route, without Nest's
 * per-request pipeline (the async router proxy, the guard and interceptor consumers, the
 * argument pipes): for a hot route whose handler needs none of them (the status poll,
 * docs/PERFORMANCE.md section 1). The method stays where it is, declared and documented
 * (Swagger) as any other; Nest still declares the route, and an `onRoute` hook swaps in a
 * handler that reads the method's arguments (`@Param`, `@Headers`, `@Req`, `@Res` only: no
 * pipes run, so parameters arrive as the strings they are) and calls it. Errors go to the
 * method's and controller's `@UseFilters` filters when one catches them, else to the app's
 * error handling as usual. Must run before the routes are declared.
 *
 * Refused at start (an Error) when the method has guards, interceptors or pipes, or takes
 * another kind of argument: nothing that was declared may be silently skipped.
 * `globalPrefix` is the app's (`setGlobalPrefix`); global guards, interceptors and pipes are
 * not applied (this app has only a global ValidationPipe, a no-op on string parameters).
 */
export function serveDirectly<T>(
  fastify: FastifyInstance,
  controller: T,
  methodName: keyof T & string,
  globalPrefix: string,
): void {
  const type = (controller as object).constructor as Type<T>;
  const method = (controller as Record<string, Handler>)[methodName];
  for (const key of [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA]) {
    if (metadataOf(key, type, method).length > 0)
      throw new Error(`${type.name}.${methodName} has ${key}: it cannot be served directly`);
  }
  const args = argumentReaders(type, methodName);
  if (!args.some((read) => read === REPLY))
    throw new Error(`${type.name}.${methodName} must answer through @Res() to be served directly`);
  const filters = [
    ...metadataOf(EXCEPTION_FILTERS_METADATA, method),
    ...metadataOf(EXCEPTION_FILTERS_METADATA, type),
  ].map(
    (filter) =>
      (typeof filter === 'function'
        ? new (filter as Type<ExceptionFilter>)()
        : filter) as ExceptionFilter,
  );
  const httpMethod = RequestMethod[Reflect.getMetadata(METHOD_METADATA, method) as RequestMethod];
  const url = [
    '',
    globalPrefix,
    Reflect.getMetadata(PATH_METADATA, type),
    Reflect.getMetadata(PATH_METADATA, method),
  ]
    .map((part: string) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  const path = `/${url}`;

  const fail = (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const filter = filters.find((candidate) => catches(candidate, error));
    if (!filter) throw error;
    filter.catch(error, new ExecutionContextHost([request, reply]));
  };
  // An error no filter catches goes to the app's error handling: Fastify's send() of an Error.
  const failAsync = (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    try {
      fail(error, request, reply);
    } catch (uncaught) {
      void reply.send(uncaught instanceof Error ? uncaught : new Error(String(uncaught)));
    }
  };
  const direct = function (request: FastifyRequest, reply: FastifyReply): unknown {
    try {
      const result = method.apply(
        controller,
        args.map((read) => read(request, reply)),
      );
      // The method answers through @Res(): nothing to wait for but its errors. One handler on
      // its promise, no promise handed back to Fastify (each promise costs, more so with the
      // async hooks AsyncLocalStorage enables: docs/PERFORMANCE.md).
      if (result instanceof Promise) {
        result.then(undefined, (error: unknown) => failAsync(error, request, reply));
        return undefined;
      }
      return reply;
    } catch (error) {
      fail(error, request, reply);
      return reply;
    }
  };

  let served = false;
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url !== path || route.method !== httpMethod) return;
    route.handler = direct;
    served = true;
  });
  fastify.addHook('onReady', (done) => {
    done(served ? undefined : new Error(`No route ${httpMethod} ${path} to serve directly`));
  });
}

function metadataOf(key: string, ...targets: object[]): unknown[] {
  return targets.flatMap((target) => (Reflect.getMetadata(key, target) as unknown[]) ?? []);
}

function argumentReaders(type: Type<unknown>, methodName: string): ArgOf[] {
  const declared = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, methodName) ?? {}) as Record<
    string,
    RouteArg
  >;
  const readers: ArgOf[] = [];
  for (const [key, arg] of Object.entries(declared)) {
    const kind = Number(key.split(':')[0]) as RouteParamtypes;
    const make = ARGUMENT[kind];
    if (!make || (arg.pipes?.length ?? 0) > 0)
      throw new Error(
        `${type.name}.${methodName}: argument ${arg.index} cannot be served directly`,
      );
    readers[arg.index] = make(arg.data as string | undefined);
  }
  return Array.from(readers, (read) => read ?? (() => undefined));
}

/** Whether a filter's `@Catch()` covers this error (no types: everything). */
function catches(filter: ExceptionFilter, error: unknown): boolean {
  const types = (Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter.constructor) ??
    []) as Type<unknown>[];
  return types.length === 0 || types.some((caught) => error instanceof caught);
}
