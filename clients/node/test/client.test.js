// The Node client against the real worker: results, inputs, concurrency, errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { ClipWorker, ClipWorkerError } from '../index.js';
import { DISK_PNG, GRADIENT_JPG, norm, startWorker } from './support.js';

describe('ClipWorker', () => {
  let worker;
  let dim;

  before(async () => {
    worker = await startWorker();
    dim = worker.info.model.embeddingDim;
  });

  after(async () => {
    await worker.close();
  });

  test('initialize describes the model', () => {
    assert.equal(worker.info.serverInfo.name, 'clip-worker');
    assert.ok(Number.isInteger(dim) && dim > 0);
    for (const method of ['encodeText', 'encodeImage', 'classify', 'cacheStats']) {
      assert.ok(worker.info.methods.includes(method), method);
    }
  });

  test('encodeText gives unit vectors equal to the float encoding', async () => {
    const texts = ['a photo of a cat', 'a red disk', ''];
    const vectors = await worker.encodeText(texts);
    const asFloats = await worker.request('encodeText', { texts, encoding: 'float' });
    assert.equal(vectors.length, 3);
    assert.equal(asFloats.dim, dim);
    vectors.forEach((vector, row) => {
      assert.equal(vector.length, dim);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
      vector.forEach((value, column) => assert.ok(Math.abs(value - asFloats.embeddings[row][column]) < 1e-6));
    });
  });

  test('a single text gives one vector; float32 gives Float32Array', async () => {
    const [first] = await worker.encodeText(['a cat']);
    assert.deepEqual(await worker.encodeText('a cat'), first);
    const typed = await worker.encodeText(['a cat'], { float32: true });
    assert.ok(typed[0] instanceof Float32Array);
    assert.deepEqual(Array.from(typed[0]), first);
  });

  test('normalize: false differs only by scale', async () => {
    const unit = await worker.encodeText('a photo of a dog');
    const raw = await worker.encodeText('a photo of a dog', { normalize: false });
    const scale = norm(raw);
    assert.ok(Math.abs(scale - 1) > 1e-3);
    raw.forEach((value, index) => assert.ok(Math.abs(value / scale - unit[index]) < 1e-5));
  });

  test('image path, bytes and {data} agree', async () => {
    const byPath = await worker.encodeImage(DISK_PNG);
    const bytes = readFileSync(DISK_PNG);
    assert.equal(byPath.length, dim);
    assert.deepEqual(await worker.encodeImage(bytes), byPath);
    assert.deepEqual(await worker.encodeImage(new Uint8Array(bytes)), byPath);
    assert.deepEqual(await worker.encodeImage({ data: bytes.toString('base64') }), byPath);
    const both = await worker.encodeImage([GRADIENT_JPG, DISK_PNG]);
    assert.deepEqual(both[1], byPath);
    assert.notDeepEqual(both[0], both[1]);
  });

  test('classify gives a sorted distribution, topK and many images', async () => {
    const labels = ['red disk', 'green field', 'blue sky'];
    const ranking = await worker.classify(DISK_PNG, labels);
    assert.deepEqual(ranking.map((entry) => entry.label).sort(), [...labels].sort());
    const scores = ranking.map((entry) => entry.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    assert.ok(Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.deepEqual(await worker.classify(DISK_PNG, labels, { topK: 1 }), ranking.slice(0, 1));
    const many = await worker.classify([DISK_PNG, GRADIENT_JPG], labels, { template: 'a picture of {}' });
    assert.equal(many.length, 2);
    assert.deepEqual(many[1], await worker.classify(GRADIENT_JPG, labels, { template: 'a picture of {}' }));
  });

  test('cache counts hits and clears', async () => {
    await worker.cacheClear();
    const cleared = await worker.cacheStats();
    assert.equal(cleared.entries, 0);
    await worker.encodeText(['cache probe']);
    await worker.encodeText(['cache probe']);
    const stats = await worker.cacheStats();
    assert.ok(stats.entries >= 1);
    assert.ok(stats.hits >= cleared.hits + 1);
    for (const key of ['bytes', 'capacityBytes', 'misses', 'evictions', 'hitRate', 'image', 'text']) {
      assert.ok(key in stats, key);
    }
  });

  test('many requests in flight settle with their own results', async () => {
    const texts = Array.from({ length: 20 }, (_, index) => `in flight ${index}`);
    const promises = texts.map((text) => worker.encodeText(text));
    assert.equal(new Set(promises.map((promise) => promise.id)).size, promises.length);
    const results = await Promise.all(promises);
    assert.deepEqual(results[7], await worker.encodeText('in flight 7'));
    assert.notDeepEqual(results[7], results[8]);
  });

  test('unknown method rejects with -32601', async () => {
    await assert.rejects(worker.request('noSuchMethod', {}),
      (error) => error instanceof ClipWorkerError && error.code === ClipWorkerError.METHOD_NOT_FOUND);
  });

  test('bad params reject with -32602', async () => {
    await assert.rejects(worker.request('encodeText', { texts: 'not a list' }),
      (error) => error instanceof ClipWorkerError && error.code === ClipWorkerError.INVALID_PARAMS);
  });

  test('an unreadable image says which input failed', async () => {
    await assert.rejects(worker.encodeImage([DISK_PNG, Buffer.from('this is not an image')]), (error) => {
      assert.ok(error instanceof ClipWorkerError);
      assert.ok((error.code <= -32000 && error.code >= -32099) || error.code === ClipWorkerError.INVALID_PARAMS);
      assert.equal(error.data.index, 1);
      return true;
    });
  });

  test('an aborted request rejects with the abort reason and the worker keeps serving', async () => {
    const controller = new AbortController();
    const promise = worker.encodeText(Array.from({ length: 64 }, (_, index) => `long ${index}`),
      { signal: controller.signal });
    controller.abort();
    await assert.rejects(promise, { name: 'AbortError' });
    assert.equal((await worker.encodeText('still serving')).length, dim);
  });

  // A request may finish before its cancellation arrives, which is legal; out of five tries (each a fresh
  // 64-text batch, cancelled right after it is sent) at least one must be cancelled, and every one must settle.
  test('cancel(id) answers -32800', async () => {
    const outcomes = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const promise = worker.encodeText(Array.from({ length: 64 }, (_, index) => `cancel ${attempt}/${index}`));
      worker.cancel(promise.id);
      try {
        assert.equal((await promise).length, 64);
        outcomes.push('completed');
      } catch (error) {
        assert.ok(error instanceof ClipWorkerError && error.cancelled, String(error));
        outcomes.push('cancelled');
      }
    }
    assert.ok(outcomes.includes('cancelled'), outcomes.join());
  });

  test('classify refuses labels that are not an array', () => {
    assert.throws(() => worker.classify(DISK_PNG, 'cat'), TypeError);
  });
});

describe('ClipWorker options and inputs', () => {
  let worker;

  before(async () => {
    worker = await startWorker();
  });

  after(async () => {
    await worker.close();
  });

  test('unknown options are refused, the pipeline names accepted', async () => {
    assert.throws(() => worker.encodeText('x', { normalise: false }), /unknown option "normalise"/);
    assert.throws(() => worker.encodeImage(DISK_PNG, { as_numpy: true }), /unknown option "as_numpy"/);
    assert.throws(() => worker.classify(DISK_PNG, ['a', 'b'], { hypothesisTemplate: '{}', top_k: 1 }),
      /unknown option "hypothesisTemplate".*hypothesis_template/);
    assert.throws(() => worker.classify(DISK_PNG, ['a'], { template: '{}', hypothesis_template: '{}' }), /not both/);
    const labels = ['red disk', 'green field', 'blue sky'];
    const byPipelineNames = await worker.classify(DISK_PNG, labels, { hypothesis_template: 'a {}', top_k: 2 });
    assert.equal(byPipelineNames.length, 2);
    assert.deepEqual(byPipelineNames, await worker.classify(DISK_PNG, labels, { template: 'a {}', topK: 2 }));
    assert.notDeepEqual(await worker.classify(DISK_PNG, labels, { template: 'a {}' }),
      await worker.classify(DISK_PNG, labels));
    assert.throws(() => new ClipWorker({ model: 'm', cache_mb: 1 }), /unknown option "cache_mb"/);
    const off = await startWorker({ store: 'none' });
    assert.equal(off.info.store, null);
    assert.equal((await off.cacheStats()).store, null);
    await off.close();
  });

  test('asTypedArray gives Float32Arrays; details give where each vector came from', async () => {
    const typed = await worker.encodeImage([DISK_PNG], { asTypedArray: true });
    assert.ok(typed[0] instanceof Float32Array);
    assert.deepEqual(Array.from(typed[0]), await worker.encodeImage(DISK_PNG));
    await worker.cacheClear({ store: true });
    const first = await worker.encodeText(['details probe'], { details: true });
    const second = await worker.encodeText(['details probe'], { details: true });
    assert.deepEqual(first.cached, [false]);
    assert.ok(['memory', 'store'].includes(second.cached[0]), String(second.cached));
    assert.deepEqual(second.embeddings, first.embeddings);
    assert.equal(first.model, worker.info.model.id);
  });

  test('data URIs, URLs (fetched by the client) and pixels are images', async (context) => {
    const bytes = readFileSync(DISK_PNG);
    const server = http.createServer((request, response) => {
      if (request.url === '/disk.png') {
        response.writeHead(200, { 'content-type': 'image/png' });
        response.end(bytes);
      } else {
        response.writeHead(404);
        response.end();
      }
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    context.after(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${server.address().port}`;
    const byPath = await worker.encodeImage(DISK_PNG);
    assert.deepEqual(await worker.encodeImage(`data:image/png;base64,${bytes.toString('base64')}`), byPath);
    const fetched = worker.encodeImage([`${base}/disk.png`, DISK_PNG]);
    assert.equal(typeof fetched.id, 'number');
    assert.deepEqual(await fetched, [byPath, byPath]);
    assert.deepEqual(await worker.classify(`${base}/disk.png`, ['a', 'b']),
      await worker.classify(DISK_PNG, ['a', 'b']));
    await assert.rejects(worker.encodeImage(`${base}/missing.png`), /HTTP 404/);
    const rgb = Uint8Array.from({ length: 20 * 10 * 3 }, (_, index) => (index * 7) % 256);
    const rgba = Uint8Array.from({ length: 20 * 10 * 4 }, (_, index) =>
      (index % 4 === 3 ? 17 : rgb[Math.floor(index / 4) * 3 + (index % 4)]));
    const fromRgb = await worker.encodeImage({ width: 20, height: 10, data: rgb });
    assert.equal(fromRgb.length, byPath.length);
    assert.deepEqual(await worker.encodeImage({ width: 20, height: 10, data: rgba }), fromRgb);
    assert.notDeepEqual(fromRgb, byPath);
  });

  test('errors carry the name of their code', async () => {
    await assert.rejects(worker.encodeImage([DISK_PNG, Buffer.from('not an image')]),
      (error) => error.name === 'InputFailedError' && error.code === ClipWorkerError.INPUT_FAILED);
    await assert.rejects(worker.request('noSuchMethod', {}), { name: 'MethodNotFoundError' });
  });
});
