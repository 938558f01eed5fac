// Type declarations for clip-worker-client (index.js). Self-contained: they need no @types/node (AbortSignal
// comes from the DOM library or @types/node, whichever the project has).

/**
 * What the client accepts as an image: a file path, an http(s) URL (fetched by the client), a `data:` URI, the
 * encoded file's bytes, pixels, or the wire's ImageInput.
 */
export type ImageLike = string | Uint8Array | Pixels | ImageInput;

/** RGB or RGBA pixels, rows top to bottom (an ImageData, say): sent as a PNG of the RGB pixels. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** The wire's ImageInput: a file path the worker reads, or the encoded file as base64. */
export type ImageInput = { path: string } | { data: string };

/** One entry of a classification, highest score first. */
export interface LabelScore {
  label: string;
  score: number;
}

/** The result of `initialize`. */
export interface InitializeResult {
  serverInfo: { name: string; version: string };
  model: {
    embeddingDim: number;
    imageSize: number;
    contextLength: number;
    dtype: string;
    [key: string]: unknown;
  };
  methods: string[];
  limits: Record<string, unknown>;
}

/** Counters of one side of the embedding cache. */
export interface CacheCounters {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  [key: string]: unknown;
}

/** The result of `cacheStats`. */
export interface CacheStats extends CacheCounters {
  capacityBytes: number;
  hitRate: number;
  image: CacheCounters;
  text: CacheCounters;
  /** The persistent store's counters, null with `--store none`. */
  store: StoreStats | null;
}

/** `cacheStats().store`: the persistent store (counters since this worker opened it). */
export interface StoreStats {
  directory: string;
  entries: number;
  bytes: number;
  capacityBytes: number;
  diskBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  segments: number;
  compactions: number;
  errors: number;
  damagedRecords: number;
  tornTails: number;
  writable: boolean;
}

/** Where an input's embedding came from when it was not computed for the request, or false. */
export type CacheSource = 'memory' | 'store' | false;

/** An encodeText/encodeImage result with `details: true`. */
export interface EmbeddingDetails<V> {
  embeddings: V;
  dim: number;
  model: string;
  cached: CacheSource[];
}

/** One `$/progress` notification's params (model download progress). */
export interface ProgressReport {
  token: string;
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
}

/** The part of the child process the client exposes (a node:child_process ChildProcess at run time). */
export interface WorkerProcess {
  readonly pid?: number;
  readonly exitCode: number | null;
  kill(signal?: string | number): boolean;
}

/** A request's promise; `id` is the JSON-RPC id, for `cancel(id)`. */
export interface RequestPromise<T> extends Promise<T> {
  id: number;
}

export interface ClipWorkerOptions {
  /** A checkpoint directory or a Hub id. */
  model: string;
  /** The clip-worker binary; default: $CLIP_WORKER_EXE ($CLIP_WORKER_BIN), PATH, then a checkout's .build. */
  executable?: string;
  /** Extra command-line arguments, appended as given. */
  args?: Array<string | number>;
  /** Variables added to (overriding) the inherited environment. */
  env?: Record<string, string>;
  cacheMb?: number;
  /** The persistent embedding store's directory, or 'none' to turn it off (`--store`; default the worker's). */
  store?: string;
  /** The persistent store's bound in MiB (`--store-mb`). */
  storeMb?: number;
  threads?: number;
  maxImagePixels?: number;
  logLevel?: string;
  /**
   * 'forward' (default) writes each line to process.stderr and keeps the last lines for WorkerExitedError;
   * 'capture' only keeps them; 'inherit' or 'ignore' as in spawn.
   */
  stderr?: 'forward' | 'capture' | 'inherit' | 'ignore';
  /** `ClipWorker.start` sends `initialize` unless this is false. */
  initialize?: boolean;
  /** Asks for `$/progress` and receives each report (model downloads). */
  onProgress?: (report: ProgressReport) => void;
}

export interface EncodeOptions {
  /** Scale each embedding to unit length (default true). */
  normalize?: boolean;
  /** Return Float32Arrays instead of number arrays. */
  asTypedArray?: boolean;
  /** The older name of asTypedArray. */
  float32?: boolean;
  /** Return {embeddings, dim, model, cached} instead of the embeddings alone. */
  details?: boolean;
  /** Aborting sends $/cancelRequest and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ClassifyOptions {
  /** The prompt with `{}` for the label; default "This is a photo of {}.". */
  template?: string;
  /** transformers' name of `template`. */
  hypothesis_template?: string;
  /** Keep only the best `topK` labels. */
  topK?: number;
  /** transformers' name of `topK`. */
  top_k?: number;
  signal?: AbortSignal;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Applied to the result before the promise resolves. */
  transform?: (result: any) => any;
}

/** An error response from the worker. */
export class ClipWorkerError extends Error {
  static readonly PARSE_ERROR: -32700;
  static readonly INVALID_REQUEST: -32600;
  static readonly METHOD_NOT_FOUND: -32601;
  static readonly INVALID_PARAMS: -32602;
  static readonly INTERNAL_ERROR: -32603;
  static readonly INPUT_FAILED: -32001;
  static readonly MODEL_UNAVAILABLE: -32002;
  static readonly SHUTTING_DOWN: -32003;
  static readonly MESSAGE_TOO_LARGE: -32004;
  static readonly REQUEST_CANCELLED: -32800;
  constructor(code: number, message: string, data?: unknown);
  static fromWire(error: unknown): ClipWorkerError;
  readonly code: number;
  /** The worker's message, without the code prefix that `message` has. */
  readonly rpcMessage: string;
  /** Which input failed and why, for per-item failures. */
  readonly data: unknown;
  /** True for code -32800 (the request was cancelled). */
  readonly cancelled: boolean;
}

/** The worker process ended (or could not start) while requests were pending. */
export class WorkerExitedError extends Error {
  constructor(exitCode: number | null, signal: string | null, stderrTail?: string, reason?: string);
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
}

/** A running clip-worker. */
export class ClipWorker {
  /** Spawns the worker and waits for `initialize` (unless `initialize: false`). */
  static start(options: ClipWorkerOptions): Promise<ClipWorker>;
  /** Spawns the worker without waiting; prefer `ClipWorker.start`. */
  constructor(options: ClipWorkerOptions);
  readonly command: string[];
  /** The `initialize` result (set by `start`). */
  info: InitializeResult | null;
  readonly process: WorkerProcess;
  /** Resolves once the process has ended; reading it keeps the event loop alive until then. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** The last lines of the worker's stderr (when captured). */
  readonly stderrTail: string;

  initialize(): RequestPromise<InitializeResult>;
  encodeText<O extends EncodeOptions = {}>(texts: string, options?: O): RequestPromise<Encoded<Vector<O>, O>>;
  encodeText<O extends EncodeOptions = {}>(texts: string[], options?: O): RequestPromise<Encoded<Vector<O>[], O>>;
  encodeImage<O extends EncodeOptions = {}>(images: ImageLike, options?: O): RequestPromise<Encoded<Vector<O>, O>>;
  encodeImage<O extends EncodeOptions = {}>(images: ImageLike[], options?: O):
    RequestPromise<Encoded<Vector<O>[], O>>;
  classify(image: ImageLike, labels: string[], options?: ClassifyOptions): RequestPromise<LabelScore[]>;
  classify(images: ImageLike[], labels: string[], options?: ClassifyOptions): RequestPromise<LabelScore[][]>;
  cacheStats(): RequestPromise<CacheStats>;
  cacheClear(options?: { store?: boolean }): RequestPromise<unknown>;
  request<T = unknown>(method: string, params?: unknown, options?: RequestOptions): RequestPromise<T>;
  notify(method: string, params?: unknown): void;
  cancel(id: number | string): void;
  /** shutdown + exit; resolves with the exit code. */
  close(options?: { timeout?: number }): Promise<number | null>;
}

/** One vector: Float32Array with `asTypedArray: true` (or `float32: true`), else number[]. */
export type Vector<O> = O extends { asTypedArray: true } | { float32: true } ? Float32Array : number[];
/** The embeddings alone, or with `details: true` an EmbeddingDetails. */
export type Encoded<V, O> = O extends { details: true } ? EmbeddingDetails<V> : V;

/** The name each error code's ClipWorkerError carries (e.g. -32001: 'InputFailedError'). */
export const ERROR_NAMES: Readonly<Record<number, string>>;
export function findExecutable(explicit?: string): string;
export function checkoutRoots(): string[];
export function repositoryRoot(): string | null;
/** Synchronous: http(s) URLs are refused (use imageInputAsync). */
export function imageInput(image: ImageLike): ImageInput;
export function imageInputAsync(image: ImageLike, options?: { signal?: AbortSignal }): Promise<ImageInput>;
export function pixelsPng(pixels: Pixels): Uint8Array;
export function cacheSource(value: unknown): CacheSource;
