// Runs every spec twice: with JavaScript (hydrated, live over socket.io) and without (server
// rendered, plain forms). The server is the release binary built by `cargo leptos build
// --release`, on its own port and a fresh database in a temporary folder.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const port = Number(process.env.PARLEY_E2E_PORT ?? 3100);
// The assistant's provider: a local server speaking the OpenAI streaming protocol.
const providerPort = port + 1;
const root = resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
// Workers load this file again: they find the same folder and binary through the environment
// (fixtures.ts runs `parley admin grant` on this database).
const dataDir = process.env.PARLEY_E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'parley-e2e-'));
const binary = join(targetDir, process.env.PARLEY_E2E_PROFILE ?? 'release', 'parley');
process.env.PARLEY_E2E_DATA_DIR = dataDir;
process.env.PARLEY_E2E_BINARY = binary;

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'javascript', use: { javaScriptEnabled: true } },
    { name: 'no-javascript', use: { javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: 'node fake-openai.mjs',
      url: `http://127.0.0.1:${providerPort}/`,
      reuseExistingServer: false,
      env: { FAKE_OPENAI_PORT: String(providerPort) },
    },
    {
    command: binary,
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
      LEPTOS_ENV: 'PROD',
      PARLEY_DATABASE_URL: `sqlite:${join(dataDir, 'parley.db')}`,
      PARLEY_ASSISTANT_URL: `http://127.0.0.1:${providerPort}/v1`,
      PARLEY_ASSISTANT_MODEL: 'fake-model',
      // One spec posts 205 messages in a row to fall far behind; the limit itself is tested in
      // tests/api/messages.rs.
      PARLEY_MESSAGE_BURST: '1000',
      // The same spec's page sends those as fast as it can on one connection; the limit on
      // commands per connection is tested in tests/api/hostile.rs.
      PARLEY_COMMANDS_PER_SECOND: '1000',
      // Every spec signs up its people from one address; the limits are tested in tests/api/.
      PARLEY_SIGNUPS_PER_HOUR: '100000',
      PARLEY_ROOMS_PER_HOUR: '100000',
      RUST_LOG: 'warn',
    },
    },
  ],
});
