// LSP framing (issue 20): the worker spoken to as vscode-jsonrpc speaks, `Content-Length: N\r\n\r\n<body>`,
// with a minimal client written here (no npm packages: the registry is not reachable). Every message back
// must be in that framing, with N the byte length of the UTF-8 body.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

import { findExecutable } from '../index.js';
import { modelDirectory } from './support.js';

/** A header-framing connection to a fresh worker, as vscode-jsonrpc's StreamMessageReader/Writer frame it. */
class HeaderConnection {
  constructor(args = []) {
    this.child = spawn(findExecutable(), ['--model', modelDirectory(), ...args], {
      env: { ...process.env, CLIP_WORKER_STORE: 'none' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.buffer = Buffer.alloc(0);
    this.messages = [];
    this.failures = [];
    this.waiters = [];
    this.stderr = '';
    this.child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    this.child.stdout.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  parse() {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString('ascii');
      const match = /^Content-Length: (\d+)$/.exec(header);
      if (!match) {
        this.failures.push(`bad header: ${JSON.stringify(header)}`);
        this.buffer = Buffer.alloc(0);
        return;
      }
      const length = Number(match[1]);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 4 + length);
      try {
        this.messages.push(JSON.parse(body));
      } catch {
        this.failures.push(`body is not JSON: ${body}`);
      }
      for (const waiter of this.waiters.splice(0)) waiter();
    }
  }

  write(message, extraHeaders = '') {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n${extraHeaders}\r\n`);
    this.child.stdin.write(body);
  }

  /** The first message `match` accepts; fails after `timeout` ms. */
  async next(match, timeout = 30000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(this.messages)}; ${this.stderr}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  request(id, method, params) {
    this.write(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.next((message) => message.id === id);
  }
}

test('a vscode-jsonrpc-style client: initialize, encodeText, a batch, a notification, shutdown and exit', async () => {
  const connection = new HeaderConnection();
  connection.write({ jsonrpc: '2.0', id: 1, method: 'initialize' },
    'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n');
  const initialized = await connection.next((message) => message.id === 1);
  assert.equal(initialized.result.model.embeddingDim, 24);

  const encoded = await connection.request(2, 'encodeText', { texts: ['un café', 'ein Hündchen €'] });
  assert.equal(encoded.result.embeddings.length, 2);

  connection.write([{ jsonrpc: '2.0', id: 3, method: 'cacheStats' }, { jsonrpc: '2.0', id: 4, method: 'nope' }]);
  const batch = await connection.next((message) => Array.isArray(message));
  assert.deepEqual(batch.map((entry) => entry.id).sort(), [3, 4]);

  connection.write({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 42 } });
  connection.child.stdin.write('Content-Length: 1e3\r\n\r\n{}');
  const parseError = await connection.next((message) => message.error?.code === -32700);
  assert.equal(parseError.id, null);

  assert.equal((await connection.request(5, 'shutdown')).result, null);
  connection.write({ jsonrpc: '2.0', method: 'exit' });
  assert.equal(await connection.exited, 0);
  assert.deepEqual(connection.failures, []);
  assert.equal(connection.messages.length, 5, JSON.stringify(connection.messages));
});

test('newline-delimited stays the default', async () => {
  const child = spawn(findExecutable(), ['--model', modelDirectory()], {
    env: { ...process.env, CLIP_WORKER_STORE: 'none' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stdin.end('{"jsonrpc":"2.0","id":1,"method":"cacheStats"}\n');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  assert.ok(output.startsWith('{"jsonrpc":"2.0","id":1,'), output);
  assert.ok(output.endsWith('}\n'));
});
