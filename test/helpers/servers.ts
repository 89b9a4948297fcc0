import { Socket } from 'node:net';
import { describe } from 'vitest';

/** The loopback servers adapter tests run against. */
export const SERVERS = {
  postgres: { host: '127.0.0.1', port: 5432, url: 'postgres://postgres@127.0.0.1:5432/test' },
  redis: { host: '127.0.0.1', port: 6379, url: 'redis://127.0.0.1:6379' },
  nats: { host: '127.0.0.1', port: 4222, url: 'nats://127.0.0.1:4222' },
} as const;

export type ServerName = keyof typeof SERVERS;

const reachable = new Map<ServerName, Promise<boolean>>();

/** True when the server accepts a TCP connection within a second. */
export function isServerUp(name: ServerName): Promise<boolean> {
  let p = reachable.get(name);
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      const s = new Socket();
      const done = (ok: boolean) => {
        s.destroy();
        resolve(ok);
      };
      s.setTimeout(1000, () => done(false));
      s.once('error', () => done(false));
      s.connect(SERVERS[name].port, SERVERS[name].host, () => done(true));
    });
    reachable.set(name, p);
  }
  return p;
}

/**
 * A `describe` that runs only when `name` is reachable. Locally an absent server skips the suite
 * with a visible reason; with `CI=true` it fails, as a missing server must in CI.
 */
export async function describeWithServer(name: ServerName, title: string, body: () => void): Promise<void> {
  const up = await isServerUp(name);
  if (!up && process.env.CI) {
    describe(title, () => {
      throw new Error(`${name} is not reachable on ${SERVERS[name].host}:${SERVERS[name].port} and CI=true: start it (see .ci/run)`);
    });
    return;
  }
  if (!up) {
    describe.skip(`${title} (skipped: ${name} not reachable on ${SERVERS[name].host}:${SERVERS[name].port})`, body);
    return;
  }
  describe(title, body);
}
