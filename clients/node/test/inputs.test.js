// What needs no worker: image inputs (data URIs, pixels as PNG), option checking, error names, cached's shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';

import { cacheSource, ClipWorkerError, imageInput, pixelsPng } from '../index.js';

test('data URIs send their bytes', () => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
  assert.deepEqual(imageInput(`data:image/png;base64,${bytes.toString('base64')}`), { data: bytes.toString('base64') });
  assert.deepEqual(imageInput('data:,%89PNG'), { data: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') });
  assert.throws(() => imageInput('data:image/png;base64,not*base64'), TypeError);
  assert.throws(() => imageInput('data:image/png;base64'), TypeError);
});

test('URLs are refused by the synchronous imageInput', () => {
  assert.throws(() => imageInput('https://example.com/cat.jpg'), /imageInputAsync/);
});

test('pixels become an RGB PNG whose rows are the pixels, alpha dropped', () => {
  const width = 3;
  const height = 2;
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, index) => (index * 37) % 256);
  const png = pixelsPng({ width, height, data: rgba });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]], [width, height, 8, 2]);
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.toString('latin1', 37, 41), 'IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  const expected = [];
  for (let row = 0; row < height; row += 1) {
    expected.push(0);
    for (let column = 0; column < width; column += 1) {
      const pixel = (row * width + column) * 4;
      expected.push(rgba[pixel], rgba[pixel + 1], rgba[pixel + 2]);
    }
  }
  assert.deepEqual([...raw], expected);
  const rgb = Uint8Array.from(expected.filter((_, index) => index % (width * 3 + 1) !== 0));
  assert.deepEqual(pixelsPng({ width, height, data: rgb }), png);
  assert.throws(() => pixelsPng({ width, height, data: new Uint8Array(5) }), TypeError);
  assert.throws(() => pixelsPng({ width: 0, height, data: new Uint8Array(0) }), TypeError);
});

test('error responses carry the name of their code', () => {
  const cases = { [-32700]: 'ParseError', [-32600]: 'InvalidRequestError', [-32601]: 'MethodNotFoundError',
    [-32602]: 'InvalidParamsError', [-32603]: 'InternalError', [-32001]: 'InputFailedError',
    [-32002]: 'ModelUnavailableError', [-32003]: 'ShuttingDownError', [-32004]: 'MessageTooLargeError',
    [-32800]: 'RequestCancelledError' };
  for (const [code, name] of Object.entries(cases)) {
    const error = ClipWorkerError.fromWire({ code: Number(code), message: 'm', data: { code } });
    assert.ok(error instanceof ClipWorkerError);
    assert.deepEqual([error.name, error.code, error.rpcMessage, error.data], [name, Number(code), 'm', { code }]);
  }
  assert.equal(ClipWorkerError.fromWire({ code: -31000, message: 'new' }).name, 'ClipWorkerError');
  assert.equal(ClipWorkerError.fromWire('garbage').name, 'InternalError');
});

test('cached is read in both shapes', () => {
  assert.deepEqual([true, false, 'memory', 'store'].map(cacheSource), ['memory', false, 'memory', 'store']);
  assert.throws(() => cacheSource('disk'), TypeError);
});
