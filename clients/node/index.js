// Client for clip-worker: spawns the worker and speaks newline-delimited JSON-RPC 2.0 over its stdin/stdout.
// No dependencies: node:child_process, node:readline, node:fs, node:path only.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const STDERR_TAIL_LINES = 50;
const EXECUTABLE_ENV = 'CLIP_WORKER_BIN';

/** An error response from the worker: the JSON-RPC `code`, `message` and optional `data`. */
export class ClipWorkerError extends Error {
  static PARSE_ERROR = -32700;
  static INVALID_REQUEST = -32600;
  static METHOD_NOT_FOUND = -32601;
  static INVALID_PARAMS = -32602;
  static INTERNAL_ERROR = -32603;
  static REQUEST_CANCELLED = -32800;

  constructor(code, message, data) {
    super(`[${code}] ${message}` + (data === undefined ? '' : ` (data: ${JSON.stringify(data)})`));
    this.name = 'ClipWorkerError';
    this.code = code;
    this.rpcMessage = message;
    this.data = data;
  }

  /** Builds the error from a response's `error` member. */
  static fromWire(error) {
    if (error === null || typeof error !== 'object') {
      return new ClipWorkerError(ClipWorkerError.INTERNAL_ERROR, `malformed error object: ${JSON.stringify(error)}`);
    }
    return new ClipWorkerError(error.code ?? ClipWorkerError.INTERNAL_ERROR, error.message ?? '', error.data);
  }

  /** True when the request was cancelled ($/cancelRequest) before it finished. */
  get cancelled() {
    return this.code === ClipWorkerError.REQUEST_CANCELLED;
  }
}

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

/** The repository this client sits in (clients/node -> two levels up). */
export function repositoryRoot() {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * The worker executable: `explicit`, else $CLIP_WORKER_BIN, else `clip-worker` on PATH, else the repository's
 * .build/release/clip-worker, then .build/debug/clip-worker. Throws naming what was tried.
 */
export function findExecutable(explicit) {
  if (explicit) {
    if (isExecutable(explicit)) return path.resolve(explicit);
    throw new Error(`clip-worker executable not found at ${explicit}`);
  }
  const fromEnv = process.env[EXECUTABLE_ENV];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return path.resolve(fromEnv);
    throw new Error(`${EXECUTABLE_ENV}=${fromEnv} is not an executable file`);
  }
  const tried = [];
  for (const directory of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(directory, 'clip-worker');
    if (isExecutable(candidate)) return candidate;
  }
  tried.push('PATH');
  for (const configuration of ['release', 'debug']) {
    const candidate = path.join(repositoryRoot(), '.build', configuration, 'clip-worker');
    if (isExecutable(candidate)) return candidate;
    tried.push(candidate);
  }
  throw new Error(`clip-worker executable not found (tried ${EXECUTABLE_ENV}, ${tried.join(', ')}); ` +
    'build it with `swift build --product clip-worker` or pass `executable`');
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
 * Maps one image argument to the wire's ImageInput: a string is a file path (made absolute), a Buffer or
 * Uint8Array is the encoded file (sent base64), an object with exactly one of `path` / `data` passes through.
 */
export function imageInput(image) {
  if (typeof image === 'string') return { path: path.resolve(image) };
  if (image instanceof Uint8Array) {
    return { data: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64') };
  }
  if (image !== null && typeof image === 'object') {
    const keys = Object.keys(image);
    if (keys.length === 1 && (keys[0] === 'path' || keys[0] === 'data')) return image;
    throw new TypeError(`an image object must have exactly one key, "path" or "data", got ${JSON.stringify(keys)}`);
  }
  throw new TypeError(`unsupported image ${typeof image}: pass a path, a Buffer/Uint8Array or {path}/{data}`);
}

/** Decodes base64 little-endian float32 into a Float32Array, whatever this machine's byte order. */
function decodeFloat32(text) {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength >>> 2);
  for (let index = 0; index < values.length; index += 1) values[index] = view.getFloat32(index * 4, true);
  return values;
}

function embeddingsDecoder(single, float32) {
  return (result) => {
    const vectors = result.embeddings.map((row) => {
      const values = decodeFloat32(row);
      return float32 ? values : Array.from(values);
    });
    return single ? vectors[0] : vectors;
  };
}

/**
 * A running clip-worker with a loaded model. Many requests may be in flight; each answer settles the promise
 * of the request with the same id, in whatever order the worker answers. Create with `ClipWorker.start()`,
 * which also sends `initialize` (waiting for the model to load), and end with `close()`.
 */
export class ClipWorker {
  #pending = new Map();
  #nextId = 1;
  #exitError = null;
  #closing = null;
  #stderrLines = [];

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
  constructor({ model, executable, args = [], env, cacheMb, threads, maxImagePixels, logLevel, stderr = 'capture' }) {
    if (!model) throw new TypeError('`model` (the checkpoint directory) is required');
    const command = [findExecutable(executable), '--model', String(model)];
    for (const [flag, value] of [['--cache-mb', cacheMb], ['--threads', threads],
      ['--max-image-pixels', maxImagePixels], ['--log-level', logLevel]]) {
      if (value !== undefined && value !== null) command.push(flag, String(value));
    }
    command.push(...args.map(String));
    this.command = command;
    this.info = null;
    this.process = spawn(command[0], command.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', stderr === 'capture' ? 'pipe' : stderr],
    });
    this.process.stdin.on('error', () => {}); // EPIPE when the worker is gone: reported via the exit below.
    let resolveExit;
    /** Resolves with {code, signal} once the process has ended. */
    this.exited = new Promise((resolve) => { resolveExit = resolve; });
    this.process.once('error', (error) => {
      this.#failPending(new WorkerExitedError(null, null, '', `could not run ${command[0]}: ${error.message}`));
      resolveExit({ code: null, signal: null });
    });
    this.process.once('exit', (code, signal) => resolveExit({ code, signal }));
    if (stderr === 'capture') {
      createInterface({ input: this.process.stderr }).on('line', (line) => {
        this.#stderrLines.push(line);
        if (this.#stderrLines.length > STDERR_TAIL_LINES) this.#stderrLines.shift();
      });
    }
    const lines = createInterface({ input: this.process.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => this.#receive(line));
    lines.on('close', async () => {
      const { code, signal } = await this.exited;
      this.#failPending(new WorkerExitedError(code, signal, this.stderrTail));
    });
  }

  /** The last lines the worker wrote to stderr (when captured). */
  get stderrTail() {
    return this.#stderrLines.join('\n');
  }

  /** `initialize`: {serverInfo, model {embeddingDim, imageSize, contextLength, dtype, ...}, methods, limits}. */
  initialize() {
    return this.request('initialize', {});
  }

  /**
   * Embeds texts: an array gives an array of vectors, a single string one vector. Vectors are number arrays,
   * or Float32Arrays with `float32: true`.
   */
  encodeText(texts, { normalize = true, float32 = false, signal } = {}) {
    const single = typeof texts === 'string';
    const list = single ? [texts] : Array.from(texts);
    return this.request('encodeText', { texts: list, normalize, encoding: 'base64' },
      { signal, transform: embeddingsDecoder(single, float32) });
  }

  /** Embeds images (paths, Buffers/Uint8Arrays or {path}/{data}); an array gives an array of vectors. */
  encodeImage(images, { normalize = true, float32 = false, signal } = {}) {
    const single = !Array.isArray(images);
    const inputs = single ? [imageInput(images)] : images.map(imageInput);
    return this.request('encodeImage', { images: inputs, normalize, encoding: 'base64' },
      { signal, transform: embeddingsDecoder(single, float32) });
  }

  /**
   * Zero-shot classification: [{label, score}] highest first (softmax over all labels, as transformers'
   * zero-shot pipeline). An array of images gives one such list per image.
   */
  classify(image, labels, { template, topK, signal } = {}) {
    if (!Array.isArray(labels)) throw new TypeError('labels must be an array of strings');
    const params = { labels };
    if (Array.isArray(image)) params.images = image.map(imageInput);
    else params.image = imageInput(image);
    if (template !== undefined) params.template = template;
    if (topK !== undefined) params.topK = topK;
    return this.request('classify', params, { signal });
  }

  /** The embedding cache's counters: {entries, bytes, capacityBytes, hits, misses, evictions, hitRate, ...}. */
  cacheStats() {
    return this.request('cacheStats', {});
  }

  /** Empties the embedding cache. */
  cacheClear() {
    return this.request('cacheClear', {});
  }

  /**
   * Sends a request; the promise (which carries the request's `id`) resolves with the result or rejects with
   * ClipWorkerError / WorkerExitedError. Aborting `signal` sends $/cancelRequest and rejects at once with the
   * signal's reason.
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
    if (!this.#closing) this.#closing = this.#shutdown(timeout);
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
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    const { code } = await this.exited;
    return code;
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
    if (signal) {
      const onAbort = () => {
        if (this.#pending.delete(id)) {
          this.cancel(id);
          entry.reject(signal.reason);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal.removeEventListener('abort', onAbort);
      promise.then(settle, settle);
    }
    const message = { jsonrpc: '2.0', id, method };
    if (params !== null && params !== undefined) message.params = params;
    this.#write(message);
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
      const entry = response && this.#pending.get(response.id);
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
  }
}

