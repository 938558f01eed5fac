// Type declarations for clip-worker-client (index.js).

/** What the client accepts as an image: a file path, the encoded file's bytes, or the wire's ImageInput. */
export type ImageLike = string | Uint8Array | ImageInput;

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
}

/** A request's promise; `id` is the JSON-RPC id, for `cancel(id)`. */
export interface RequestPromise<T> extends Promise<T> {
  id: number;
}

export interface ClipWorkerOptions {
  /** The checkpoint directory (config.json, model.safetensors, tokenizer files). */
  model: string;
  /** The clip-worker binary; default: $CLIP_WORKER_BIN, PATH, then the repository's .build/{release,debug}. */
  executable?: string;
  /** Extra command-line arguments, appended as given. */
  args?: Array<string | number>;
  /** Variables added to (overriding) the inherited environment. */
  env?: Record<string, string>;
  cacheMb?: number;
  threads?: number;
  maxImagePixels?: number;
  logLevel?: string;
  /** 'capture' (default) keeps the last lines for WorkerExitedError; 'inherit' or 'ignore' as in spawn. */
  stderr?: 'capture' | 'inherit' | 'ignore';
  /** `ClipWorker.start` sends `initialize` unless this is false. */
  initialize?: boolean;
}

export interface EncodeOptions {
  /** Scale each embedding to unit length (default true). */
  normalize?: boolean;
  /** Return Float32Arrays instead of number arrays. */
  float32?: boolean;
  /** Aborting sends $/cancelRequest and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ClassifyOptions {
  /** The prompt with `{}` for the label; default "This is a photo of {}.". */
  template?: string;
  /** Keep only the best `topK` labels. */
  topK?: number;
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
  readonly process: import('node:child_process').ChildProcess;
  /** Resolves once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** The last lines of the worker's stderr (when captured). */
  readonly stderrTail: string;

  initialize(): RequestPromise<InitializeResult>;
  encodeText(texts: string, options?: EncodeOptions & { float32?: false }): RequestPromise<number[]>;
  encodeText(texts: string, options: EncodeOptions & { float32: true }): RequestPromise<Float32Array>;
  encodeText(texts: string[], options?: EncodeOptions & { float32?: false }): RequestPromise<number[][]>;
  encodeText(texts: string[], options: EncodeOptions & { float32: true }): RequestPromise<Float32Array[]>;
  encodeImage(images: ImageLike, options?: EncodeOptions & { float32?: false }): RequestPromise<number[]>;
  encodeImage(images: ImageLike, options: EncodeOptions & { float32: true }): RequestPromise<Float32Array>;
  encodeImage(images: ImageLike[], options?: EncodeOptions & { float32?: false }): RequestPromise<number[][]>;
  encodeImage(images: ImageLike[], options: EncodeOptions & { float32: true }): RequestPromise<Float32Array[]>;
  classify(image: ImageLike, labels: string[], options?: ClassifyOptions): RequestPromise<LabelScore[]>;
  classify(images: ImageLike[], labels: string[], options?: ClassifyOptions): RequestPromise<LabelScore[][]>;
  cacheStats(): RequestPromise<CacheStats>;
  cacheClear(): RequestPromise<unknown>;
  request<T = unknown>(method: string, params?: unknown, options?: RequestOptions): RequestPromise<T>;
  notify(method: string, params?: unknown): void;
  cancel(id: number | string): void;
  /** shutdown + exit; resolves with the exit code. */
  close(options?: { timeout?: number }): Promise<number | null>;
}

export function findExecutable(explicit?: string): string;
export function imageInput(image: ImageLike): ImageInput;
export function repositoryRoot(): string;
