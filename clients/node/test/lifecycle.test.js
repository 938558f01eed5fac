// Process lifecycle: shutdown/exit, a dying worker, end of input, argument handling.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { ClipWorker, findExecutable, imageInput, WorkerExitedError } from '../index.js';
import { DISK_PNG, modelDirectory, startWorker } from './support.js';

test('close() sends shutdown and exit; the worker exits 0', async () => {
  const worker = await startWorker();
  await worker.encodeText('hello');
  assert.equal(await worker.close(), 0);
  assert.equal(await worker.close(), 0);
  await assert.rejects(worker.encodeText('after close'), /closed/);
});

test('a killed worker fails pending and later requests with WorkerExitedError', async () => {
  const worker = await startWorker();
  worker.process.kill('SIGKILL');
  await assert.rejects(worker.encodeText('anyone there?'), (error) => {
    assert.ok(error instanceof WorkerExitedError);
    assert.equal(error.signal, 'SIGKILL');
    return true;
  });
  await assert.rejects(worker.encodeText('still nobody'), WorkerExitedError);
  await worker.close();
});

test('end of input ends the worker with status 0', async () => {
  const worker = await startWorker({ initialize: false });
  worker.process.stdin.end();
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
});

test('a missing executable is reported', () => {
  assert.throws(() => new ClipWorker({ model: modelDirectory(), executable: '/nonexistent/clip-worker' }),
    /not found/);
});

test('an explicit executable is found', () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'clip-worker-'));
  const file = path.join(directory, 'clip-worker');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  assert.equal(findExecutable(file), file);
});

test('imageInput maps paths, bytes and ImageInput objects', () => {
  assert.deepEqual(imageInput(path.relative(process.cwd(), DISK_PNG)), { path: DISK_PNG });
  assert.deepEqual(imageInput(Buffer.from('\x89PNG', 'latin1')), { data: 'iVBORw==' });
  assert.deepEqual(imageInput({ data: 'AAAA' }), { data: 'AAAA' });
  assert.throws(() => imageInput({ path: 'a', data: 'b' }), TypeError);
  assert.throws(() => imageInput(42), TypeError);
});
