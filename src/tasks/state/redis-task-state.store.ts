import { SerialByKey } from './serial-by-key';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConnections, RedisUnavailableError } from '../../common/redis/redis-connections';
import { TaskClaimConflictError, TaskExistsError, TooManyActiveTasksError } from '../task.errors';
import {
  applyChange,
  interrupted,
  isTerminal,
  matchesLabels,
  releasedClaims,
  summaryOf,
  TaskChange,
} from '../task-transitions';
import { TASK_STATUSES, type TaskRecord, type TaskStatus, type TaskSummary } from '../task.types';
import type { TaskViewCache } from '../task-view.cache';
import { PROCESS_OWNER } from './process-owner';
import type { TaskRecordRepository } from './task-record.repository';
import {
  RecordedSegments,
  TaskListFilter,
  TaskStatePolicy,
  TaskStateStore,
} from './task-state.store';

/**
 * Reserve a new task atomically: refuses an id in use, an exclusive claim held by an
 * unfinished task, and more than maxActive unfinished tasks; else takes the claims, counts
 * the task active and returns its creation sequence number.
 * KEYS: task, reserved, claims, active, seq. ARGV: id, maxActive, #exclusive, exclusive..., claims...
 */
const RESERVE = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
local nExclusive = tonumber(ARGV[3])
for i = 4, 3 + nExclusive do
  local holder = redis.call('HGET', KEYS[3], ARGV[i])
  if holder and redis.call('SISMEMBER', KEYS[4], holder) == 1 then return {'claim', ARGV[i], holder} end
end
if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[2]) then return {'full'} end
redis.call('SET', KEYS[2], '1', 'EX', 300)
redis.call('SADD', KEYS[4], ARGV[1])
for i = 4 + nExclusive, #ARGV do redis.call('HSET', KEYS[3], ARGV[i], ARGV[1]) end
return {'ok', tostring(redis.call('INCR', KEYS[5]))}
`;

/** Undo a reservation whose durable write failed. KEYS: reserved, claims, active. ARGV: id, claims... */
const RELEASE = `
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
return 1
`;

/**
 * Publish a version, as a compare-and-set on the version, under the task's lock.
 * KEYS: task, claims, active, finished, lock.
 * ARGV: json, previous version, lock token, id, terminal (0/1), finished ms, ttl s, released claims...
 */
const COMMIT = `
if redis.call('GET', KEYS[5]) ~= ARGV[3] then return 'lost' end
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current)['version'] ~= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[5])
  return 'moved'
end
if ARGV[5] == '1' then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[7]))
  redis.call('SREM', KEYS[3], ARGV[4])
  redis.call('ZADD', KEYS[4], tonumber(ARGV[6]), ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
for i = 8, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[4] then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
redis.call('DEL', KEYS[5])
return 'ok'
`;

/** Let go of a lock only if it is still ours. KEYS: lock. ARGV: token. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** How long a task's lock is held at most (a process that dies holding it loses it then). */
const LOCK_MS = 10_000;
/** Records kept in this process's memory (the most recently seen tasks). */
const CACHE_SIZE = 5_000;
/** A finished task's key outlives its retention by this much (the sweep removes it first). */
const TTL_MARGIN_SECONDS = 60;

export interface RedisTaskStateStoreOptions {
  owner?: string;
}

/**
 * The task state shared by every node, in Redis (`<prefix>:task:<id>` holds a task's record
 * as JSON), written through to the durable task record (PostgreSQL) before each version is
 * published. The same contract as the in-memory store (`task-state.store.contract.ts`).
 *
 * - **Create** is one Lua script (id in use, the duplicate guard, `maxActive`): atomic
 *   across nodes. The task is reserved, stored in the database, then published.
 * - **Update** takes the task's lock (SET NX PX), applies the change by the rules of
 *   task-transitions.ts, writes the database, and publishes with a compare-and-set on the
 *   version (a Lua script): versions grow by one, whichever node makes them, and a version
 *   is readable only once it is durable. Changes of one task in one process queue up first.
 * - **Reads**: the latest version seen by this process (its own writes, and every version
 *   any node publishes, heard on the event bus) is kept in memory: a poll of a task this
 *   process has seen is a map lookup; otherwise it is one GET. Versions only move forward.
 * - **Retention**: a finished task's key gets a TTL (retention + a minute); the sweep
 *   forgets finished tasks past retention or beyond `maxRetained` (oldest first), once
 *   across nodes (the node whose ZREM wins removes the database row).
 * - **Restore**: a task unfinished in the database but absent from Redis (Redis lost its
 *   data) ends FAILED "Interrupted by server restart" with what was really recorded; a task
 *   still in Redis goes on (another node or a worker runs it).
 */
export class RedisTaskStateStore extends TaskStateStore {
  private readonly logger = new Logger(RedisTaskStateStore.name);
  private readonly redis: Redis;
  private readonly owner: string;
  /** task id → latest record seen here (insertion order = least recently refreshed first). */
  private readonly cache = new Map<string, TaskRecord>();
  /** The changes of one task run in order. */
  private readonly serial = new SerialByKey();
  private readonly keys: {
    claims: string;
    active: string;
    tasks: string;
    finished: string;
    seq: string;
  };

  constructor(
    private readonly connections: RedisConnections,
    private readonly policy: TaskStatePolicy,
    private readonly records: TaskRecordRepository,
    private readonly views: TaskViewCache,
    options: RedisTaskStateStoreOptions = {},
  ) {
    super();
    this.redis = connections.command;
    this.owner = options.owner ?? PROCESS_OWNER;
    this.keys = {
      claims: connections.key('task-claims'),
      active: connections.key('tasks-active'),
      tasks: connections.key('tasks'),
      finished: connections.key('tasks-finished'),
      seq: connections.key('task-seq'),
    };
  }

  /** A version heard from another node (or this one): kept when newer than what is known. */
  remember(task: TaskRecord): void {
    const known = this.cache.get(task.id);
    if (known && known.version >= task.version) return;
    this.cache.delete(task.id);
    this.cache.set(task.id, task);
    if (this.cache.size > CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** Forgets every remembered version (the event subscription was lost for a while). */
  forgetRemembered(): void {
    this.cache.clear();
  }

  async create(created: TaskRecord, exclusive: readonly string[]): Promise<TaskRecord> {
    const claims = [...new Set([...created.claims, ...exclusive])];
    const task: TaskRecord = { ...created, claims, owner: this.owner };
    const reserved = this.reservedKey(task.id);
    const reply = (await this.call(() =>
      this.redis.eval(
        RESERVE,
        5,
        this.taskKey(task.id),
        reserved,
        this.keys.claims,
        this.keys.active,
        this.keys.seq,
        task.id,
        String(this.policy.maxActive),
        String(exclusive.length),
        ...exclusive,
        ...claims,
      ),
    )) as string[];
    if (reply[0] === 'exists') throw new TaskExistsError(task.id);
    if (reply[0] === 'claim') throw new TaskClaimConflictError(reply[1], reply[2]);
    if (reply[0] === 'full') throw new TooManyActiveTasksError(this.policy.maxActive);
    const seq = Number(reply[1]);
    try {
      await this.records.save(task);
      await this.call(() =>
        this.redis
          .multi()
          .set(this.taskKey(task.id), JSON.stringify(task))
          .zadd(this.keys.tasks, seq, task.id)
          .del(reserved)
          .exec(),
      );
    } catch (error) {
      await this.redis
        .eval(RELEASE, 3, reserved, this.keys.claims, this.keys.active, task.id, ...claims)
        .catch(() => undefined);
      throw error;
    }
    this.remember(task);
    return task;
  }

  update(taskId: string, change: TaskChange): Promise<TaskRecord | null> {
    return this.serial.run(taskId, () => this.apply(taskId, change));
  }

  /** The latest version this process has seen, else one GET. */
  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.cache.get(taskId) ?? this.fetch(taskId);
  }

  async list(filter: TaskListFilter = {}): Promise<TaskSummary[]> {
    const out: TaskSummary[] = [];
    for (const task of await this.all()) {
      if (filter.status && task.status !== filter.status) continue;
      if (filter.labels && !matchesLabels(task.labels, filter.labels)) continue;
      out.push(summaryOf(task));
    }
    return out;
  }

  async counts(): Promise<Record<TaskStatus, number>> {
    const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<
      TaskStatus,
      number
    >;
    for (const task of await this.all()) counts[task.status] += 1;
    return counts;
  }

  async restore(recorded: RecordedSegments): Promise<number> {
    const stored = await this.records.loadAll();
    if (stored.length === 0) return 0;
    const present = new Set<string>();
    for (let i = 0; i < stored.length; i += 500) {
      const chunk = stored.slice(i, i + 500);
      const pipeline = this.redis.pipeline();
      for (const task of chunk) {
        pipeline.exists(this.taskKey(task.id));
        pipeline.exists(this.reservedKey(task.id));
      }
      const replies = (await this.call(() => pipeline.exec())) ?? [];
      chunk.forEach((task, j) => {
        if (replies[2 * j]?.[1] === 1 || replies[2 * j + 1]?.[1] === 1) present.add(task.id);
      });
    }
    const lost = stored.filter((task) => !present.has(task.id));
    const orphans = lost.filter((task) => !isTerminal(task.status));
    const intents = orphans.flatMap((task) => task.recording.map((entry) => entry.segment_id));
    const confirmed = intents.length > 0 ? await recorded(intents) : new Set<string>();
    const now = new Date();
    const retainedFrom = Date.now() - this.policy.retentionSeconds * 1000;
    let restored = 0;
    for (const task of lost) {
      const ended = isTerminal(task.status) ? task : interrupted(task, confirmed, now);
      if (ended !== task) {
        await this.records.save(ended, task).catch((error: unknown) => {
          this.logger.error(`Could not store the restore of ${task.id}: ${String(error)}`);
        });
      }
      const finishedAt = Date.parse(ended.finishedAt ?? ended.createdAt);
      if (finishedAt <= retainedFrom && ended === task) continue; // past retention already
      const seq = Date.parse(ended.createdAt) * -1; // before every live task in the list
      await this.call(() =>
        this.redis
          .multi()
          .set(this.taskKey(ended.id), JSON.stringify(ended), 'EX', this.ttlSeconds(), 'NX')
          .zadd(this.keys.tasks, 'NX', seq, ended.id)
          .zadd(this.keys.finished, 'NX', finishedAt, ended.id)
          .exec(),
      );
      this.remember(ended);
      restored += 1;
    }
    return restored;
  }

  /**
   * Never rejects (it runs from a timer): while Redis is away nothing is swept, and the next
   * sweep catches up (the finished tasks' TTL bounds what Redis keeps meanwhile).
   */
  async sweep(now = Date.now()): Promise<string[]> {
    try {
      return await this.sweepNow(now);
    } catch (error) {
      this.logger.warn(`Sweep skipped: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  private async sweepNow(now: number): Promise<string[]> {
    const oldestKept = now - this.policy.retentionSeconds * 1000;
    const expired = await this.call(() =>
      this.redis.zrangebyscore(this.keys.finished, '-inf', `(${oldestKept}`),
    );
    const count = await this.call(() => this.redis.zcard(this.keys.finished));
    const overflow = count - expired.length - this.policy.maxRetained;
    const extra =
      overflow > 0
        ? await this.call(() =>
            this.redis.zrange(this.keys.finished, expired.length, expired.length + overflow - 1),
          )
        : [];
    const evicted: string[] = [];
    for (const id of [...expired, ...extra]) {
      // Several nodes sweep: the one whose ZREM removes the id forgets the task.
      const won = await this.call(() => this.redis.zrem(this.keys.finished, id));
      if (won !== 1) continue;
      await this.call(() =>
        this.redis.multi().del(this.taskKey(id)).zrem(this.keys.tasks, id).exec(),
      );
      evicted.push(id);
    }
    for (const [id, task] of this.cache) {
      if (isTerminal(task.status) && Date.parse(task.finishedAt ?? task.createdAt) < oldestKept) {
        this.cache.delete(id);
        this.views.forget([id]);
      }
    }
    for (const id of evicted) this.cache.delete(id);
    if (evicted.length > 0) {
      this.views.forget(evicted);
      await this.records.removeMany(evicted).catch((error: unknown) => {
        this.logger.error(`Could not remove evicted task records: ${String(error)}`);
      });
    }
    return evicted;
  }

  private async apply(taskId: string, change: TaskChange): Promise<TaskRecord | null> {
    for (;;) {
      const token = await this.lock(taskId);
      let committed = false;
      try {
        const current = await this.fetch(taskId);
        if (!current) return null;
        const next = applyChange(current, change, new Date());
        if (!next) return null;
        await this.store(next, current);
        const released = releasedClaims(current.claims, next.claims);
        const terminal = isTerminal(next.status);
        const reply = await this.call(() =>
          this.redis.eval(
            COMMIT,
            5,
            this.taskKey(taskId),
            this.keys.claims,
            this.keys.active,
            this.keys.finished,
            this.lockKey(taskId),
            JSON.stringify(next),
            String(current.version),
            token,
            taskId,
            terminal ? '1' : '0',
            String(Date.parse(next.finishedAt ?? next.createdAt)),
            String(this.ttlSeconds()),
            ...released,
          ),
        );
        committed = true;
        if (reply !== 'ok') continue; // the lock expired under us: read again and retry
        this.remember(next);
        return next;
      } finally {
        if (!committed) await this.unlock(taskId, token);
      }
    }
  }

  /** Write-through (as the in-memory store: a failing database degrades durability only). */
  private async store(task: TaskRecord, previous: TaskRecord): Promise<void> {
    try {
      await this.records.save(task, previous);
    } catch (error) {
      this.logger.error(`Could not store version ${task.version} of ${task.id}: ${String(error)}`);
    }
  }

  private async fetch(taskId: string): Promise<TaskRecord | undefined> {
    const json = await this.call(() => this.redis.get(this.taskKey(taskId)));
    if (json === null) return undefined;
    const task = JSON.parse(json) as TaskRecord;
    this.remember(task);
    // What this process remembered may be newer than what it just read (never go back).
    return this.cache.get(taskId) ?? task;
  }

  /** Every task still held, newest first (ids whose key expired are dropped from the index). */
  private async all(): Promise<TaskRecord[]> {
    const ids = await this.call(() => this.redis.zrevrange(this.keys.tasks, 0, -1));
    const out: TaskRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = await this.call(() => this.redis.mget(chunk.map((id) => this.taskKey(id))));
      values.forEach((json, j) => {
        if (json === null) gone.push(chunk[j]);
        else out.push(JSON.parse(json) as TaskRecord);
      });
    }
    if (gone.length > 0) {
      await this.redis
        .multi()
        .zrem(this.keys.tasks, ...gone)
        .zrem(this.keys.finished, ...gone)
        .exec()
        .catch(() => undefined);
    }
    return out;
  }

  private async lock(taskId: string): Promise<string> {
    const token = randomBytes(8).toString('hex');
    for (let attempt = 0; ; attempt++) {
      const ok = await this.call(() =>
        this.redis.set(this.lockKey(taskId), token, 'PX', LOCK_MS, 'NX'),
      );
      if (ok === 'OK') return token;
      await delay(Math.min(2 + attempt, 20));
    }
  }

  private async unlock(taskId: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, this.lockKey(taskId), token).catch(() => undefined);
  }

  /** Runs a Redis command; a connection error becomes RedisUnavailableError (503). */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (this.connections.state().ready) throw error;
      throw new RedisUnavailableError(this.connections.state().reason ?? undefined);
    }
  }

  private ttlSeconds(): number {
    return Math.max(1, this.policy.retentionSeconds + TTL_MARGIN_SECONDS);
  }

  private taskKey(id: string): string {
    return this.connections.key('task', id);
  }

  private reservedKey(id: string): string {
    return this.connections.key('task-reserved', id);
  }

  private lockKey(id: string): string {
    return this.connections.key('task-lock', id);
  }
}
