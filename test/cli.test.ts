import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../src/cli/main.js';

test('cli: unknown command exits non-zero', async () => {
  const code = await main(['no-such-command']);
  assert.notEqual(code, 0);
});

test('cli: --version exits 0', async () => {
  assert.equal(await main(['--version']), 0);
});
