// Shared setup for the Node client tests: the real clip-worker binary (found like the client finds it) and the
// tiny checkpoint (CLIP_WORKER_MODEL or Tests/CLIPTests/Fixtures/tiny-clip). Build first:
// `swift build --product clip-worker`.
import { existsSync } from 'node:fs';
import path from 'node:path';

import { ClipWorker, findExecutable, repositoryRoot } from '../index.js';

export const REPO = repositoryRoot();
export const IMAGES = path.join(REPO, 'protocol', 'examples', 'images');
export const DISK_PNG = path.join(IMAGES, 'disk.png');
export const GRADIENT_JPG = path.join(IMAGES, 'gradient.jpg');

export function modelDirectory() {
  const model = process.env.CLIP_WORKER_MODEL || path.join(REPO, 'Tests', 'CLIPTests', 'Fixtures', 'tiny-clip');
  if (!existsSync(path.join(model, 'config.json'))) {
    throw new Error(`test checkpoint not found at ${model} (set CLIP_WORKER_MODEL)`);
  }
  return model;
}

/** A started worker on the test checkpoint; `options` go to ClipWorker.start. */
export function startWorker(options = {}) {
  return ClipWorker.start({ model: modelDirectory(), executable: findExecutable(), stderr: 'capture', ...options });
}

export function norm(vector) {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

/** Polls until process `pid` is gone (true), or `timeout` ms pass (false). */
export async function waitUntilGone(pid, timeout = 15000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
