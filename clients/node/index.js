// Client for clip-worker: spawns the worker and speaks newline-delimited JSON-RPC 2.0 over its stdin/stdout.
// No dependencies: node's own modules only.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const STDERR_TAIL_LINES = 50;
/** The variable naming the executable; CLIP_WORKER_BIN, its older name, is read when it is unset. */
const EXECUTABLE_ENV = 'CLIP_WORKER_EXE';
const LEGACY_EXECUTABLE_ENV = 'CLIP_WORKER_BIN';
const BUILD_HINT = 'build it in a clip-worker checkout with `swift build -c release --product clip-worker` and put ' +
  `.build/release on PATH, or set ${EXECUTABLE_ENV} to the executable`;

/** An error response from the worker: the JSON-RPC `code`, `message` and optional `data`. */
export class ClipWorkerError extends Error {
  static PARSE_ERROR = -32700;
  static INVALID_REQUEST = -32600;
  static METHOD_NOT_FOUND = -32601;
  static INVALID_PARAMS = -32602;
  static INTERNAL_ERROR = -32603;
  static INPUT_FAILED = -32001;
  static MODEL_UNAVAILABLE = -32002;
  static SHUTTING_DOWN = -32003;
  static MESSAGE_TOO_LARGE = -32004;
  static REQUEST_CANCELLED = -32800;

  constructor(code, message, data) {
    super(`[${code}] ${message}` + (data === undefined ? '' : ` (data: ${JSON.stringify(data)})`));
    this.name = 'ClipWorkerError';
    this.code = code;
    this.rpcMessage = message;
    this.data = data;
  }

  /** Builds the error from a response's `error` member; `name` is the code's name (e.g. 'InputFailedError'). */
  static fromWire(error) {
    if (error === null || typeof error !== 'object' || !Number.isInteger(error.code)) {
      return ClipWorkerError.#named(ClipWorkerError.INTERNAL_ERROR, `malformed error object: ${JSON.stringify(error)}`);
    }
    return ClipWorkerError.#named(error.code, String(error.message ?? ''), error.data);
  }

  static #named(code, message, data) {
    const error = new ClipWorkerError(code, message, data);
    error.name = ERROR_NAMES[code] ?? 'ClipWorkerError';
    return error;
  }

  /** True when the request was cancelled ($/cancelRequest) before it finished. */
  get cancelled() {
    return this.code === ClipWorkerError.REQUEST_CANCELLED;
  }
}

/** The name a ClipWorkerError carries for each code of protocol/README.md's error table. */
export const ERROR_NAMES = Object.freeze({
  [-32700]: 'ParseError',
  [-32600]: 'InvalidRequestError',
  [-32601]: 'MethodNotFoundError',
  [-32602]: 'InvalidParamsError',
  [-32603]: 'InternalError',
  [-32001]: 'InputFailedError',
  [-32002]: 'ModelUnavailableError',
  [-32003]: 'ShuttingDownError',
  [-32004]: 'MessageTooLargeError',
  [-32800]: 'RequestCancelledError',
});

/** The worker process ended (or could not start) while requests were pending. */
export class WorkerExitedError extends Error {
  constructor(exitCode, signal, stderrTail = '', reason = 'worker process exited') {
    let text = reason;
    if (exitCode !== null && exitCode !== undefined) text += ` (exit status ${exitCode})`;
    if (signal) text += ` (signal ${signal})`;
    if (stderrTail) text += `; stderr:\n${stderrTail}`;
    super(text);
    this.name = 'WorkerExitedError';
    this.exitCode = exitCode ?? null;
    this.signal = signal ?? null;
    this.stderrTail = stderrTail;
  }
}

/**
 * The clip-worker checkouts this process can see: the nearest folder with a Package.swift above this module's
 * file (a checkout's clients/node), then above the current directory. Each appears once.
 */
export function checkoutRoots() {
  const roots = [];
  for (const start of [path.dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let folder = path.resolve(start); ; folder = path.dirname(folder)) {
      if (existsSync(path.join(folder, 'Package.swift'))) {
        if (!roots.includes(folder)) roots.push(folder);
        break;
      }
      if (path.dirname(folder) === folder) break;
    }
  }
  return roots;
}

/** The checkout this module sits in, or null once installed from a package. */
export function repositoryRoot() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let folder = here; ; folder = path.dirname(folder)) {
    if (existsSync(path.join(folder, 'Package.swift'))) return folder;
    if (path.dirname(folder) === folder) return null;
  }
}

/**
 * The worker executable: `explicit`, else $CLIP_WORKER_EXE (else the older $CLIP_WORKER_BIN), else `clip-worker`
 * on PATH, else `.build/release/clip-worker` then `.build/debug/clip-worker` in a checkout (see checkoutRoots).
 * Throws naming what was tried and how to build it.
 */
export function findExecutable(explicit) {
  if (explicit) {
    if (isExecutable(explicit)) return path.resolve(explicit);
    throw new Error(`clip-worker executable not found at ${explicit}`);
  }
  for (const variable of [EXECUTABLE_ENV, LEGACY_EXECUTABLE_ENV]) {
    const value = process.env[variable];
    if (value) {
      if (isExecutable(value)) return path.resolve(value);
      throw new Error(`${variable}=${value} is not an executable file`);
    }
  }
  for (const directory of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(directory, 'clip-worker');
    if (isExecutable(candidate)) return path.resolve(candidate);
  }
  const tried = [EXECUTABLE_ENV, 'PATH'];
  for (const root of checkoutRoots()) {
    for (const configuration of ['release', 'debug']) {
      const candidate = path.join(root, '.build', configuration, 'clip-worker');
      if (isExecutable(candidate)) return candidate;
      tried.push(candidate);
    }
  }
  throw new Error(`clip-worker executable not found (tried ${tried.join(', ')}); ${BUILD_HINT}`);
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Maps one image argument to the wire's ImageInput, synchronously:
 * - a string: a `data:` URI (its bytes sent as `data`), else a file path (made absolute: the worker would resolve
 *   a relative path against its own working directory); http(s) URLs need `imageInputAsync`;
 * - a Buffer / Uint8Array: the encoded file's bytes (PNG, JPEG, GIF, BMP), sent base64;
 * - `{ width, height, data }` with RGB or RGBA pixels (an ImageData, say): sent as a PNG of the RGB pixels;
 * - an object with exactly one of `path` / `data`: the wire's ImageInput, passed through.
 */
export function imageInput(image) {
  if (typeof image === 'string') {
    if (image.startsWith('data:')) return { data: dataUriBytes(image).toString('base64') };
    if (isUrl(image)) throw new TypeError(`${image} is a URL: use imageInputAsync (the client methods do)`);
    return { path: path.resolve(image) };
  }
  if (image instanceof Uint8Array) {
    return { data: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64') };
  }
  if (image !== null && typeof image === 'object') {
    const keys = Object.keys(image);
    if ('width' in image && 'height' in image && 'data' in image) return { data: pixelsPng(image).toString('base64') };
    if (keys.length === 1 && (keys[0] === 'path' || keys[0] === 'data')) return image;
    throw new TypeError(`an image object must have exactly one key, "path" or "data", got ${JSON.stringify(keys)}`);
  }
  throw new TypeError(`unsupported image ${typeof image}: pass a path, URL, data URI, a Buffer/Uint8Array, ` +
    '{width, height, data} pixels or {path}/{data}');
}

/** imageInput, and http(s) URLs fetched by the client (global fetch; never by the worker). */
export async function imageInputAsync(image, { signal } = {}) {
  if (typeof image !== 'string' || !isUrl(image)) return imageInput(image);
  const response = await fetch(image, { signal });
  if (!response.ok) throw new Error(`fetching ${image}: HTTP ${response.status} ${response.statusText}`);
  return { data: Buffer.from(await response.arrayBuffer()).toString('base64') };
}

function isUrl(text) {
  return text.startsWith('http://') || text.startsWith('https://');
}

/** The payload of a `data:[<mediatype>][;base64],<data>` URI (RFC 2397). */
function dataUriBytes(uri) {
  const comma = uri.indexOf(',');
  if (comma < 0) throw new TypeError(`a data URI needs a comma before its payload: ${uri.slice(0, 64)}`);
  const header = uri.slice(0, comma);
  const payload = uri.slice(comma + 1);
  if (header.endsWith(';base64')) {
    const compact = payload.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
      throw new TypeError('the data URI\'s base64 payload is malformed');
    }
    return Buffer.from(compact, 'base64');
  }
  const bytes = [];
  for (let index = 0; index < payload.length; index += 1) {
    const hex = payload.slice(index + 1, index + 3);
    if (payload[index] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(payload[index], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Encodes `{width, height, data}` (RGB or RGBA bytes, rows top to bottom) as an RGB PNG; alpha is dropped. */
export function pixelsPng({ width, height, data }) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new TypeError(`pixels need positive integer sides, got ${width}×${height}`);
  }
  const channels = data.length / (width * height);
  if (channels !== 3 && channels !== 4) {
    throw new TypeError(`${data.length} bytes for ${width}×${height} pixels: expected RGB or RGBA`);
  }
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let row = 0, at = 0; row < height; row += 1) {
    raw[at++] = 0; // Filter type 0 (None).
    for (let column = 0; column < width; column += 1) {
      const pixel = (row * width + column) * channels;
      raw[at++] = data[pixel];
      raw[at++] = data[pixel + 1];
      raw[at++] = data[pixel + 2];
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit truecolour, deflate, no filter method, no interlace.
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(kind, body) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const kindAndBody = Buffer.concat([Buffer.from(kind, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(kindAndBody));
  return Buffer.concat([length, kindAndBody, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let value = byte;
  for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

function crc32(bytes) {
  let value = 0xffffffff;
  for (const byte of bytes) value = CRC_TABLE[(value ^ byte) & 0xff] ^ (value >>> 8);
  return (value ^ 0xffffffff) >>> 0;
}

/** Throws a TypeError naming the first key of `options` that is not in `known`. */
function checkOptions(what, options, known) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new TypeError(`${what} options must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`unknown option "${key}" for ${what} (known: ${known.join(', ')})`);
    }
  }
}

/** The value of whichever of two names for one option is set; both set is an error. */
function oneOf(what, options, name, alias) {
  if (options[name] !== undefined && options[alias] !== undefined) {
    throw new TypeError(`${what}: pass ${name} or ${alias}, not both`);
  }
  return options[name] ?? options[alias];
}

/** Decodes base64 little-endian float32 into a Float32Array, whatever this machine's byte order. */
function decodeFloat32(text) {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength >>> 2);
  for (let index = 0; index < values.length; index += 1) values[index] = view.getFloat32(index * 4, true);
  return values;
}

function embeddingsDecoder(single, typed) {
  return (result) => {
    const vectors = result.embeddings.map((row) => {
      const values = decodeFloat32(row);
      return typed ? values : Array.from(values);
    });
    return single ? vectors[0] : vectors;
  };
}

/**
 * One entry of an Embeddings result's `cached`, in either wire shape: a boolean (before issue 16: true means the
 * in-memory cache) or "memory" / "store" / false.
 */
export function cacheSource(value) {
  if (value === true) return 'memory';
  if (value === false || value === null || value === undefined) return false;
  if (value === 'memory' || value === 'store') return value;
  throw new TypeError(`unexpected cached value ${JSON.stringify(value)}`);
}

const START_OPTIONS = ['model', 'executable', 'args', 'env', 'cacheMb', 'threads', 'maxImagePixels', 'logLevel',
  'store', 'storeMb', 'stderr', 'initialize', 'onProgress'];
const ENCODE_OPTIONS = ['normalize', 'asTypedArray', 'float32', 'details', 'signal'];
const CLASSIFY_OPTIONS = ['template', 'hypothesis_template', 'topK', 'top_k', 'signal'];

/**
 * A running clip-worker with a loaded model. Many requests may be in flight; each answer settles the promise
 * of the request with the same id, in whatever order the worker answers. Create with `ClipWorker.start()`,
 * which also sends `initialize` (waiting for the model to load), and end with `close()`.
 *
 * An idle worker does not keep Node's event loop alive: the child and its pipes are unref'd while no request is
 * pending, so a script that forgets close() still exits (the worker then sees the end of its input and exits 0).
 */
export class ClipWorker {
  #pending = new Map();
  #nextId = 1;
  #exitError = null;
  #closing = null;
  #stderrLines = [];
  #exited;
  #waitingForExit = false;
  #referenced = true;
  #onProgress;

  /** Spawns the worker and, unless `initialize: false`, waits for `initialize` (kept in `info`). */
  static async start(options) {
    const worker = new ClipWorker(options);
    if (options.initialize !== false) {
      try {
        worker.info = await worker.initialize();
      } catch (error) {
        worker.process.kill('SIGKILL');
        await worker.exited;
        throw error;
      }
    }
    return worker;
  }

  /** Spawns the worker without waiting for anything; prefer `ClipWorker.start()`. */
  constructor(options) {
    checkOptions('ClipWorker', options, START_OPTIONS);
    const { model, executable, args = [], env, cacheMb, threads, maxImagePixels, logLevel, store, storeMb,
      stderr = 'forward', onProgress } = options ?? {};
    if (!model) throw new TypeError('`model` (a checkpoint directory or a Hub id) is required');
    if (!['forward', 'capture', 'inherit', 'ignore'].includes(stderr)) {
      throw new TypeError(`stderr must be 'forward', 'capture', 'inherit' or 'ignore', not ${JSON.stringify(stderr)}`);
    }
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new TypeError('onProgress must be a function');
    }
    const command = [findExecutable(executable), '--model', String(model)];
    for (const [flag, value] of [['--cache-mb', cacheMb], ['--threads', threads],
      ['--max-image-pixels', maxImagePixels], ['--log-level', logLevel], ['--store', store], ['--store-mb', storeMb]]) {
      if (value !== undefined && value !== null) command.push(flag, String(value));
    }
    command.push(...args.map(String));
    this.command = command;
    this.info = null;
    this.#onProgress = onProgress;
    const piped = stderr === 'capture' || stderr === 'forward';
    this.process = spawn(command[0], command.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', piped ? 'pipe' : stderr],
    });
    this.process.stdin.on('error', () => {}); // EPIPE when the worker is gone: reported via the exit below.
    let resolveExit;
    this.#exited = new Promise((resolve) => { resolveExit = resolve; });
    this.process.once('error', (error) => {
      this.#failPending(new WorkerExitedError(null, null, '', `could not run ${command[0]}: ${error.message}`));
      resolveExit({ code: null, signal: null });
    });
    this.process.once('exit', (code, signal) => resolveExit({ code, signal }));
    if (piped) {
      createInterface({ input: this.process.stderr, crlfDelay: Infinity }).on('line', (line) => {
        this.#stderrLines.push(line);
        if (this.#stderrLines.length > STDERR_TAIL_LINES) this.#stderrLines.shift();
        if (stderr === 'forward') process.stderr.write(line + '\n');
      });
    }
    const lines = createInterface({ input: this.process.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => this.#receive(line));
    lines.on('close', async () => {
      const { code, signal } = await this.#exited;
      this.#failPending(new WorkerExitedError(code, signal, this.stderrTail));
    });
    this.#updateReference();
  }

  /**
   * Resolves with {code, signal} once the process has ended. Reading it keeps the event loop alive until then
   * (whoever awaits the exit wants to see it).
   */
  get exited() {
    this.#waitingForExit = true;
    this.#updateReference();
    return this.#exited;
  }

  /** The last lines the worker wrote to stderr (when captured or forwarded). */
  get stderrTail() {
    return this.#stderrLines.join('\n');
  }

  /**
   * `initialize`: {serverInfo, model {embeddingDim, imageSize, contextLength, dtype, ...}, methods, limits}.
   * Asks for `$/progress` notifications when `onProgress` was given.
   */
  initialize() {
    return this.request('initialize', this.#onProgress ? { capabilities: { progress: true } } : {});
  }

  /**
   * Embeds texts: an array gives an array of vectors, a single string one vector. Vectors are number arrays,
   * or Float32Arrays with `asTypedArray: true`; `details: true` gives {embeddings, dim, model, cached}.
   */
  encodeText(texts, options = {}) {
    checkOptions('encodeText', options, ENCODE_OPTIONS);
    const { normalize = true, details = false, signal } = options;
    const single = typeof texts === 'string';
    const list = single ? [texts] : Array.from(texts);
    return this.request('encodeText', { texts: list, normalize, encoding: 'base64' },
      { signal, transform: resultDecoder(single, typedOption(options), details) });
  }

  /**
   * Embeds images (paths, URLs, data URIs, Buffers/Uint8Arrays, {width, height, data} pixels or {path}/{data});
   * an array gives an array of vectors. Options as encodeText.
   */
  encodeImage(images, options = {}) {
    checkOptions('encodeImage', options, ENCODE_OPTIONS);
    const { normalize = true, details = false, signal } = options;
    const single = !Array.isArray(images);
    const inputs = prepareImages(single ? [images] : images, signal);
    const params = inputs instanceof Promise
      ? inputs.then((ready) => ({ images: ready, normalize, encoding: 'base64' }))
      : { images: inputs, normalize, encoding: 'base64' };
    const transform = resultDecoder(single, typedOption(options), details);
    return this.request('encodeImage', params, { signal, transform });
  }

  /**
   * Zero-shot classification: [{label, score}] highest first (softmax over all labels, as transformers'
   * zero-shot pipeline). An array of images gives one such list per image. Options: `template` (or the
   * pipeline's `hypothesis_template`), `topK` (or `top_k`), `signal`; any other key is refused.
   */
  classify(image, labels, options = {}) {
    if (!Array.isArray(labels)) throw new TypeError('labels must be an array of strings');
    checkOptions('classify', options, CLASSIFY_OPTIONS);
    const template = oneOf('classify', options, 'template', 'hypothesis_template');
    const topK = oneOf('classify', options, 'topK', 'top_k');
    const { signal } = options;
    const single = !Array.isArray(image);
    const inputs = prepareImages(single ? [image] : image, signal);
    const build = (ready) => {
      const params = { labels };
      if (single) params.image = ready[0];
      else params.images = ready;
      if (template !== undefined) params.template = template;
      if (topK !== undefined) params.topK = topK;
      return params;
    };
    return this.request('classify', inputs instanceof Promise ? inputs.then(build) : build(inputs), { signal });
  }

  /** The embedding cache's counters: {entries, bytes, capacityBytes, hits, misses, evictions, hitRate, ...}. */
  cacheStats() {
    return this.request('cacheStats', {});
  }

  /** Empties the in-memory embedding cache, and the persistent store too with `{ store: true }`. */
  cacheClear(options = {}) {
    checkOptions('cacheClear', options, ['store']);
    return this.request('cacheClear', options && options.store ? { store: true } : {});
  }

  /**
   * Sends a request; the promise (which carries the request's `id`) resolves with the result or rejects with
   * ClipWorkerError / WorkerExitedError. `params` may be a promise (the request is written once it resolves).
   * Aborting `signal` sends $/cancelRequest and rejects at once with the signal's reason.
   */
  request(method, params, { signal, transform } = {}) {
    if (this.#closing) return Promise.reject(new Error('ClipWorker is closed'));
    return this.#send(method, params, { signal, transform });
  }

  /** Sends a notification (no id, no response). */
  notify(method, params) {
    const message = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    this.#write(message);
  }

  /** Asks the worker to cancel request `id`; its promise then rejects with code -32800 unless already answered. */
  cancel(id) {
    if (!this.#exitError) this.notify('$/cancelRequest', { id });
  }

  /**
   * Sends `shutdown` then `exit`, waits for the process to end (SIGKILL after `timeout` ms) and resolves with
   * its exit code. In-flight requests are answered first. Calling it again returns the same promise.
   */
  close({ timeout = 10000 } = {}) {
    if (!this.#closing) {
      this.#waitingForExit = true;
      this.#updateReference();
      this.#closing = this.#shutdown(timeout);
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]() {
    await this.close();
  }

  async #shutdown(timeout) {
    if (!this.#exitError) {
      let timer;
      const expired = new Promise((resolve) => { timer = setTimeout(resolve, timeout); });
      try {
        const answered = this.#send('shutdown', null, {});
        answered.catch(() => {}); // If the timer wins, a later WorkerExitedError is expected, not unhandled.
        await Promise.race([answered, expired]);
        this.notify('exit');
      } catch {
        // The process is ended below either way.
      } finally {
        clearTimeout(timer);
      }
    }
    this.process.stdin.end();
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => { this.process.kill('SIGKILL'); resolve(); }, timeout);
    });
    await Promise.race([this.#exited, killed]);
    clearTimeout(timer);
    const { code } = await this.#exited;
    return code;
  }

  /** Keeps the event loop alive exactly while a request is pending or someone waits for the exit. */
  #updateReference() {
    const wanted = this.#pending.size > 0 || this.#waitingForExit;
    if (wanted === this.#referenced) return;
    this.#referenced = wanted;
    for (const handle of [this.process, this.process.stdin, this.process.stdout, this.process.stderr]) {
      if (handle) (wanted ? handle.ref : handle.unref)?.call(handle);
    }
  }

  #send(method, params, { signal, transform }) {
    const id = this.#nextId++;
    let entry;
    const promise = new Promise((resolve, reject) => { entry = { resolve, reject, transform }; });
    promise.id = id;
    if (this.#exitError) {
      entry.reject(this.#exitError);
      return promise;
    }
    if (signal?.aborted) {
      entry.reject(signal.reason);
      return promise;
    }
    this.#pending.set(id, entry);
    this.#updateReference();
    const settle = () => this.#updateReference();
    promise.then(settle, settle);
    if (signal) {
      const onAbort = () => {
        if (this.#pending.delete(id)) {
          this.cancel(id);
          entry.reject(signal.reason);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const forget = () => signal.removeEventListener('abort', onAbort);
      promise.then(forget, forget);
    }
    const write = (ready) => {
      if (!this.#pending.has(id)) return; // Aborted or failed while the params were prepared.
      const message = { jsonrpc: '2.0', id, method };
      if (ready !== null && ready !== undefined) message.params = ready;
      this.#write(message);
    };
    if (params instanceof Promise) {
      params.then(write, (error) => {
        if (this.#pending.delete(id)) entry.reject(error);
      });
    } else {
      write(params);
    }
    return promise;
  }

  #write(message) {
    if (!this.process.stdin.writable) return;
    this.process.stdin.write(JSON.stringify(message) + '\n');
  }

  #receive(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return; // Not ours to answer: the worker only ever writes JSON lines to stdout.
    }
    for (const response of Array.isArray(message) ? message : [message]) {
      if (response === null || typeof response !== 'object') continue;
      if (!('id' in response)) {
        if (response.method === '$/progress' && this.#onProgress) this.#onProgress(response.params ?? {});
        continue;
      }
      const entry = this.#pending.get(response.id);
      if (!entry) continue;
      this.#pending.delete(response.id);
      if ('error' in response) {
        entry.reject(ClipWorkerError.fromWire(response.error));
        continue;
      }
      try {
        entry.resolve(entry.transform ? entry.transform(response.result) : response.result);
      } catch (error) {
        entry.reject(error);
      }
    }
  }

  #failPending(error) {
    this.#exitError ??= error;
    for (const entry of this.#pending.values()) entry.reject(error);
    this.#pending.clear();
    this.#updateReference();
  }
}

/** `asTypedArray` (or its older name `float32`). */
function typedOption(options) {
  return oneOf('encode', options, 'asTypedArray', 'float32') ?? false;
}

function resultDecoder(single, typed, details) {
  const decode = embeddingsDecoder(single, typed);
  if (!details) return decode;
  return (result) => {
    const cached = (result.cached ?? []).map(cacheSource);
    return { embeddings: decode(result), dim: result.dim, model: result.model,
      cached: single ? cached.slice(0, 1) : cached };
  };
}

/** ImageInputs for `images`: an array at once, or a promise of one when a URL must be fetched first. */
function prepareImages(images, signal) {
  if (!images.some((image) => typeof image === 'string' && isUrl(image))) return images.map(imageInput);
  return Promise.all(images.map((image) => imageInputAsync(image, { signal })));
}
