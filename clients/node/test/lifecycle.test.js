// Process lifecycle: shutdown/exit, a dying worker, end of input, argument handling.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ClipWorker, ClipWorkerError, findExecutable, imageInput, WorkerExitedError } from '../index.js';
import { DISK_PNG, modelDirectory, REPO, startWorker, waitUntilGone } from './support.js';

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

/** Runs `source` as an ES module in a fresh node (same environment); resolves with {status, stdout, stderr}. */
function runNode(source, { cwd = REPO, timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd, env: { ...process.env, CLIP_WORKER_EXE: findExecutable() }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not exit within ${timeout} ms (stdout: ${stdout}, stderr: ${stderr})`));
    }, timeout);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

test('a script that forgets close() exits by itself, and so does its worker', async () => {
  const index = pathToFileURL(path.join(REPO, 'clients', 'node', 'index.js')).href;
  const { status, stdout, stderr } = await runNode(`
    import { ClipWorker } from ${JSON.stringify(index)};
    const worker = await ClipWorker.start({ model: ${JSON.stringify(modelDirectory())}, stderr: 'capture' });
    const vector = await worker.encodeText('left open');
    console.log(worker.process.pid, vector.length);
  `);
  assert.equal(status, 0, stderr);
  const [pid, length] = stdout.trim().split(' ').map(Number);
  assert.ok(length > 0);
  assert.ok(await waitUntilGone(pid), `worker ${pid} outlived its script`);
});

test('stderr is forwarded and kept by default', async () => {
  const index = pathToFileURL(path.join(REPO, 'clients', 'node', 'index.js')).href;
  const { status, stdout, stderr } = await runNode(`
    import { ClipWorker } from ${JSON.stringify(index)};
    const worker = await ClipWorker.start({ model: ${JSON.stringify(modelDirectory())} });
    await worker.close();
    console.log('tail has ready:', worker.stderrTail.includes('ready'));
  `);
  assert.equal(status, 0, stderr);
  assert.match(stderr, /ready/);
  assert.match(stdout, /tail has ready: true/);
});

test('onProgress asks for $/progress and receives each report', async (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'clip-fake-'));
  context.after(() => rmSync(directory, { recursive: true }));
  const fake = path.join(directory, 'clip-worker');
  const script = path.join(REPO, 'clients', 'python', 'tests', 'fake_worker.py');
  writeFileSync(fake, `#!/bin/sh\nexec python3 ${JSON.stringify(script)} "$@"\n`);
  chmodSync(fake, 0o755);
  const reports = [];
  const worker = await ClipWorker.start({ model: 'fake', executable: fake, stderr: 'capture',
    onProgress: (report) => reports.push(report) });
  assert.deepEqual(reports.map((report) => report.bytesDone), [0, 512, 1024]);
  const { cached } = await worker.encodeText(['a', 'b', 'c'], { details: true });
  assert.deepEqual(cached, ['memory', 'store', false]);
  assert.equal(await worker.close(), 0);
  const silent = await ClipWorker.start({ model: 'fake', executable: fake, stderr: 'capture' });
  await silent.close();
  assert.equal(reports.length, 3);
});

test('an installed clip-worker on PATH is found when no variable names one', (context) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'clip-worker-path-'));
  const saved = { PATH: process.env.PATH, CLIP_WORKER_EXE: process.env.CLIP_WORKER_EXE, CLIP_WORKER_BIN: process.env.CLIP_WORKER_BIN };
  context.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]; else process.env[name] = value;
    }
    rmSync(directory, { recursive: true });
  });
  const file = path.join(directory, 'clip-worker');
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  delete process.env.CLIP_WORKER_EXE;
  delete process.env.CLIP_WORKER_BIN;
  process.env.PATH = `${path.join(directory, 'missing')}${path.delimiter}${directory}`;
  assert.equal(findExecutable(), file);
});
