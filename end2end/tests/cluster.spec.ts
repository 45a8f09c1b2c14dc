// Several nodes: two release binaries on one Postgres database and one Redis, behind
// deploy/nginx.conf (the file `scripts/cluster` runs). Two pages on two nodes chat, then each node
// is killed in turn with SIGKILL: the pages whose node died move to the other one through nginx
// and keep working, and nothing is lost or posted twice. scripts/test starts Postgres and Redis and
// passes PARLEY_E2E_POSTGRES and PARLEY_E2E_REDIS; without them this spec is skipped.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, expect, tag, messages, send, type People } from './fixtures';
import type { Page } from '@playwright/test';

const postgres = process.env.PARLEY_E2E_POSTGRES;
const redis = process.env.PARLEY_E2E_REDIS;
const root = resolve(__dirname, '..', '..');
const binary = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'),
  process.env.PARLEY_E2E_PROFILE ?? 'release', 'parley');

/** A TCP port nobody listens on. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Runs bash with scripts/services.sh sourced (the helpers for nginx and Postgres); its output. */
function services(script: string): string {
  return execFileSync('bash', ['-c', `source scripts/services.sh; ${script}`], { cwd: root, encoding: 'utf8' });
}

/** A Postgres server of a test's own, to stop and start again. */
class OwnPostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), 'parley-e2e-postgres-'));
  readonly url: string;
  private readonly port: string;

  constructor() {
    chmodSync(this.dir, 0o755); // Postgres runs as its own user under it
    [this.url, this.port] = services(`start_postgres ${this.dir}/pg; echo $PG_URL $PG_PORT`).trim().split(' ');
  }

  /** Stops it, keeping what was committed. */
  stop() {
    services(`PG_DIR=${this.dir}/pg; stop_postgres fast`);
  }

  startAgain() {
    services(`resume_postgres ${this.dir}/pg ${this.port}`);
  }

  remove() {
    services(`PG_DIR=${this.dir}/pg; stop_postgres`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Two Parley nodes and nginx in front of them, on a database of their own. */
class Cluster {
  private processes: (ChildProcess | undefined)[] = [];
  /** Each node's name, as its /healthz says it. */
  readonly names: string[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'parley-e2e-cluster-'));
  private readonly env: NodeJS.ProcessEnv;

  private constructor(private readonly ports: number[], readonly url: string, database: string) {
    this.env = {
      ...process.env,
      LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
      LEPTOS_ENV: 'PROD',
      PARLEY_DATABASE_URL: database,
      PARLEY_REDIS_URL: redis,
      PARLEY_SECRET_KEY: randomBytes(32).toString('hex'),
      PARLEY_CLIENT_IP_HEADER: 'X-Forwarded-For',
      PARLEY_SIGNUPS_PER_HOUR: '100000',
      RUST_LOG: 'warn',
    };
  }

  /** Two nodes on a new database of the Postgres server at `server`. */
  static async start(server = postgres): Promise<Cluster> {
    const database = `e2e_${randomBytes(6).toString('hex')}`;
    execFileSync('psql', [`${server}/postgres`, '-qc', `CREATE DATABASE ${database}`]);
    const ports = [await freePort(), await freePort()];
    const front = await freePort();
    const cluster = new Cluster(ports, `http://127.0.0.1:${front}`, `${server}/${database}`);
    for (const node of ports.keys()) await cluster.startNode(node);
    services(`start_nginx ${cluster.dir} ${front} ${ports.join(' ')}`);
    return cluster;
  }

  /** Starts node `index` and waits until it answers (a new process: a new name). */
  async startNode(index: number) {
    const port = this.ports[index];
    const child = spawn(binary, [], {
      cwd: root,
      env: { ...this.env, LEPTOS_SITE_ADDR: `127.0.0.1:${port}` },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.processes[index] = child;
    for (let i = 0; i < 300; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (response.ok) {
          this.names[index] = response.headers.get('x-parley-node') ?? '';
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((wait) => setTimeout(wait, 100));
    }
    throw new Error(`node ${index} did not start`);
  }

  /** Kills node `index` at once, as a crash would. */
  kill(index: number) {
    this.processes[index]?.kill('SIGKILL');
    this.processes[index] = undefined;
  }

  /** The node `page`'s requests reach through nginx (its session cookie decides). */
  async nodeOf(page: Page): Promise<number> {
    const response = await page.request.get('/healthz');
    return this.names.indexOf(response.headers()['x-parley-node']);
  }

  stop() {
    for (const index of this.processes.keys()) this.kill(index);
    services(`NGINX_DIR=${this.dir}; stop_nginx`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const test = base.extend<{ database: OwnPostgres | undefined; cluster: Cluster }>({
  // The shared Postgres of scripts/test, unless a test asks for its own (`test.use`).
  database: [undefined, { option: true }],
  cluster: async ({ database }, use) => {
    const cluster = await Cluster.start(database?.url);
    await use(cluster);
    cluster.stop();
    database?.remove();
  },
  baseURL: async ({ cluster }, use) => use(cluster.url),
});

test.skip(!postgres || !redis, 'needs Postgres and Redis: scripts/test starts them');

/** Someone who entered through nginx and landed on a node other than `other`'s. */
async function enterElsewhere(people: People, cluster: Cluster, other: Page, name: string) {
  const taken = await cluster.nodeOf(other);
  // nginx picks the node from the session cookie's hash: a new account is a new draw.
  for (let attempt = 0; attempt < 20; attempt++) {
    const page = await people.enter(`${name}${attempt}`, true);
    if ((await cluster.nodeOf(page)) !== taken) return { page, name: `${name}${attempt}` };
    await page.close();
  }
  throw new Error('twenty accounts in a row landed on the same node');
}

test('two pages on two nodes chat, and keep chatting when either node dies', async ({ people, cluster, javaScriptEnabled }) => {
  test.setTimeout(120_000);
  const ada = await people.enter(`Ada${tag()}`, javaScriptEnabled);
  const { page: bob } = await enterElsewhere(people, cluster, ada, `Bob${tag()}`);
  const adaNode = await cluster.nodeOf(ada);
  const bobNode = await cluster.nodeOf(bob);
  expect(adaNode).toBeGreaterThanOrEqual(0);
  expect(bobNode).not.toBe(adaNode);

  const said: string[] = [];
  /** Ada and Bob each say something; each sees both lines. */
  async function talk(moment: string) {
    const fromAda = `Ada ${moment} ${tag()}`;
    await send(ada, fromAda, javaScriptEnabled);
    await expect(messages(ada, fromAda)).toHaveCount(1);
    await expect(messages(bob, fromAda)).toHaveCount(1);
    const fromBob = `Bob ${moment} ${tag()}`;
    await send(bob, fromBob, true);
    await expect(messages(bob, fromBob)).toHaveAttribute('data-status', 'sent');
    if (!javaScriptEnabled) await ada.reload();
    await expect(messages(ada, fromBob)).toHaveCount(1);
    said.push(fromAda, fromBob);
  }
  await talk('across nodes');

  // Ada's node dies. With JavaScript, what she writes at once waits in her outbox and is sent
  // once when her socket has reconnected through nginx to Bob's node.
  cluster.kill(adaNode);
  if (javaScriptEnabled) {
    await expect(ada.getByRole('status')).not.toHaveAttribute('data-state', 'connected');
    const meanwhile = `Ada while her node is gone ${tag()}`;
    await send(ada, meanwhile, true);
    await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected');
    await expect(messages(ada, meanwhile)).toHaveAttribute('data-status', 'sent');
    await expect(messages(bob, meanwhile)).toHaveCount(1);
    said.push(meanwhile);
  }
  await talk('after her node died');
  await expect.poll(() => cluster.nodeOf(ada)).toBe(bobNode);

  // Her node comes back (nginx tries it again after fail_timeout, 5 s), then Bob's dies.
  await cluster.startNode(adaNode);
  await new Promise((wait) => setTimeout(wait, 6_000));
  cluster.kill(bobNode);
  await expect(bob.getByRole('status')).toHaveAttribute('data-state', 'connected');
  await talk('after his node died');
  await expect.poll(() => cluster.nodeOf(bob)).toBe(adaNode);

  // Afterwards both hold every line exactly once, live and from the server.
  for (const page of [ada, bob]) {
    for (const line of said) await expect(messages(page, line)).toHaveCount(1);
    await page.reload();
    for (const line of said) await expect(messages(page, line)).toHaveCount(1);
  }
});

/** The same, on a Postgres server of the test's own (to stop). */
const ownDatabase = test.extend({ database: async ({}, use) => use(new OwnPostgres()) });

ownDatabase.describe('while the database is away', () => {
  ownDatabase.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the outbox and reconnection need JavaScript');

  ownDatabase('unsent lines wait, a page whose node dies keeps trying, and all is sent once when it is back', async ({ people, cluster, database }) => {
    ownDatabase.setTimeout(120_000);
    const ada = await people.enter(`Ada${tag()}`, true);
    const bob = await people.enter(`Bob${tag()}`, true);

    database!.stop();
    const text = `written while the database is away ${tag()}`;
    await send(ada, text, true);
    await expect(messages(ada, text)).toHaveAttribute('data-status', 'pending');
    // Her node dies too: the other node cannot check her session meanwhile, and says so
    // ("try again"), not "sign in": her page keeps trying.
    cluster.kill(await cluster.nodeOf(ada));
    await expect(ada.getByRole('status')).not.toHaveAttribute('data-state', 'connected');
    await new Promise((wait) => setTimeout(wait, 4_000));
    await expect(ada.getByRole('status')).not.toHaveAttribute('data-state', 'signed out');

    database!.startAgain();
    await expect(ada.getByRole('status')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
    await expect(messages(ada, text)).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });
    await expect(messages(bob, text)).toHaveCount(1);
    await bob.reload();
    await expect(messages(bob, text)).toHaveCount(1);
  });
});
