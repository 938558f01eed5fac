// Process lifecycle: shutdown/exit, a dying worker, end of input, argument handling.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { ClipWorker, ClipWorkerError, findExecutable, imageInput, WorkerExitedError } from '../index.js';
import { DISK_PNG, modelDirectory, startWorker } from './support.js';

test('close() sends shutdown and exit; the worker exits 0', async () => {
  const worker = await startWorker();
  await worker.encodeText('hello');
  assert.equal(await worker.close(), 0);
  assert.equal(await worker.close(), 0);
  await assert.rejects(worker.encodeText('after close'), /closed/);
});

test('options reach the command line', async () => {
  const worker = await startWorker({ cacheMb: 0, threads: 1, maxImagePixels: 500, logLevel: 'error' });
  const { limits } = worker.info;
  assert.deepEqual([limits.cacheCapacityBytes, limits.threads, limits.maxImagePixels], [0, 1, 500]);
  await worker.encodeText('not kept');
  assert.equal((await worker.cacheStats()).entries, 0);
  assert.equal(await worker.close(), 0);
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

test('a missing model directory ends the worker with status 2', async () => {
  const model = path.join(os.tmpdir(), 'no-such-clip-model');
  await assert.rejects(ClipWorker.start({ model, executable: findExecutable() }), (error) => {
    assert.ok(error instanceof WorkerExitedError);
    assert.equal(error.exitCode, 2);
    assert.match(error.stderrTail, /no-such-clip-model/);
    return true;
  });
});

// The worker answers what it received before the load failed with -32002, then exits with status 1; whether
// `initialize` got there first is a race, so both outcomes are checked.
test('an unloadable model fails start with -32002 or exit status 1', async (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'clip-model-'));
  context.after(() => rmSync(directory, { recursive: true }));
  writeFileSync(path.join(directory, 'config.json'), '{}');
  await assert.rejects(ClipWorker.start({ model: directory, executable: findExecutable() }), (error) => {
    if (error instanceof ClipWorkerError) {
      assert.equal(error.code, -32002);
      assert.ok('reason' in error.data);
    } else {
      assert.ok(error instanceof WorkerExitedError, String(error));
      assert.equal(error.exitCode, 1);
      assert.match(error.stderrTail, /model\.safetensors/);
    }
    return true;
  });
});

test('a missing executable is reported', () => {
  assert.throws(() => new ClipWorker({ model: modelDirectory(), executable: '/nonexistent/clip-worker' }),
    /not found/);
});

test('an explicit executable is found', (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'clip-worker-'));
  context.after(() => rmSync(directory, { recursive: true }));
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
