import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who runs a task: `<host>:<pid>:<hex>`, unique to this process (the hex tells this process
 * from an earlier one that had the same pid).
 */
export const PROCESS_OWNER = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * Whether the process named by `owner` may still be running. This process is alive; another
 * process of this host is alive while its pid answers signal 0; a process of another host is
 * taken as alive (this process cannot tell), so its tasks are never failed from here.
 */
export function isOwnerAlive(owner: string, self = PROCESS_OWNER): boolean {
  if (owner === self) return true;
  const [host, pid, hex] = owner.split(':');
  const [selfHost, selfPid] = self.split(':');
  if (!host || !pid || !hex) return false; // rows written before owners were stored
  if (host !== selfHost) return true;
  if (pid === selfPid) return false; // an earlier process that had this pid
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
