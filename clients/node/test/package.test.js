// The package as a user gets it: `npm pack`, installed into a temporary project outside the repository, used
// from there by a script (which also forgets close() and must still exit), and its type declarations compiled
// with `tsc --strict` against a typed example (skipped without tsc unless CLIP_WORKER_REQUIRE_TSC=1).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { findExecutable } from '../index.js';
import { DISK_PNG, modelDirectory, REPO, waitUntilGone } from './support.js';

const PACKAGE = path.join(REPO, 'clients', 'node');
const TSC = spawnSync('tsc', ['--version'], { encoding: 'utf8' }).status === 0 ? 'tsc' : null;

describe('the packed package', { timeout: 180000 }, () => {
  let project;
  let environment;

  before((context) => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'clip-worker-npm-'));
    process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
    // npm's cache goes to the scratch folder too: the user's ~/.npm stays untouched.
    environment = { ...process.env, npm_config_cache: path.join(scratch, 'npm-cache'),
      CLIP_WORKER_EXE: findExecutable() };
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch],
      { cwd: PACKAGE, env: environment, encoding: 'utf8' }));
    const tarball = path.join(scratch, packed[0].filename);
    assert.deepEqual(packed[0].files.map((file) => file.path).sort(),
      ['README.md', 'index.d.ts', 'index.js', 'package.json']);
    project = path.join(scratch, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(path.join(project, 'package.json'),
      JSON.stringify({ name: 'probe', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball],
      { cwd: project, env: environment, stdio: 'pipe' });
  });

  function run(file) {
    const result = spawnSync(process.execPath, [file], { cwd: project, env: environment, encoding: 'utf8',
      timeout: 60000 });
    assert.equal(result.status, 0, `${file}: ${result.stderr}`);
    return result.stdout;
  }

  test('works from a project outside the repository, and exits without close()', async () => {
    writeFileSync(path.join(project, 'use.mjs'), `
      import { ClipWorker } from 'clip-worker-client';
      const worker = await ClipWorker.start({ model: ${JSON.stringify(modelDirectory())}, stderr: 'capture' });
      const vector = await worker.encodeImage(${JSON.stringify(DISK_PNG)}, { asTypedArray: true });
      const ranking = await worker.classify(${JSON.stringify(DISK_PNG)}, ['a', 'b'],
        { hypothesis_template: '{}', top_k: 1 });
      console.log(JSON.stringify({ resolved: import.meta.resolve('clip-worker-client'), pid: worker.process.pid,
        typed: vector instanceof Float32Array, length: vector.length, ranking }));
    `);
    const report = JSON.parse(run('use.mjs'));
    assert.ok(report.resolved.includes('/project/node_modules/clip-worker-client/'), report.resolved);
    assert.deepEqual([report.typed, report.length > 0, report.ranking.length], [true, true, 1]);
    assert.ok(await waitUntilGone(report.pid));
  });

  const skipTsc = !TSC && process.env.CLIP_WORKER_REQUIRE_TSC !== '1' && 'tsc not installed';
  test('its declarations compile a typed example with tsc --strict', { skip: skipTsc }, () => {
    assert.ok(TSC, 'tsc is required (CLIP_WORKER_REQUIRE_TSC=1) but not installed: apt-get install node-typescript');
    writeFileSync(path.join(project, 'example.ts'), `
      import { ClipWorker, ClipWorkerError, EmbeddingDetails, LabelScore } from 'clip-worker-client';
      const worker: ClipWorker = await ClipWorker.start({ model: ${JSON.stringify(modelDirectory())},
        stderr: 'capture', store: 'none', storeMb: 16, onProgress: (report) => console.error(report.file, report.bytesDone) });
      const one: number[] = await worker.encodeText('a cat');
      const many: Float32Array[] = await worker.encodeText(['a cat', 'a dog'], { asTypedArray: true });
      const detailed: EmbeddingDetails<number[][]> = await worker.encodeImage([${JSON.stringify(DISK_PNG)}],
        { details: true });
      const pixels: number[] = await worker.encodeImage({ width: 2, height: 1, data: new Uint8Array(6) });
      const ranking: LabelScore[] = await worker.classify(${JSON.stringify(DISK_PNG)}, ['a', 'b'],
        { hypothesis_template: 'a {}', top_k: 1 });
      const rankings: LabelScore[][] = await worker.classify([${JSON.stringify(DISK_PNG)}], ['a', 'b']);
      let refused = false;
      try {
        // @ts-expect-error: an unknown option is a compile error, and a TypeError at run time.
        worker.classify(${JSON.stringify(DISK_PNG)}, ['a'], { hypothesisTemplate: '{}' });
      } catch (error) {
        refused = error instanceof TypeError;
      }
      // @ts-expect-error: typed arrays are not number[].
      const wrong: number[] = await worker.encodeText('x', { asTypedArray: true });
      try {
        await worker.request('noSuchMethod');
      } catch (error) {
        if (!(error instanceof ClipWorkerError)) throw error;
        console.log(JSON.stringify({ code: error.code, name: error.name, one: one.length, many: many.length,
          cached: detailed.cached, pixels: pixels.length, ranking: ranking.length, rankings: rankings.length,
          wrong: wrong.length, refused }));
      }
      await worker.close();
    `);
    const compiled = spawnSync(TSC, ['--strict', '--noEmitOnError', '--module', 'nodenext', '--moduleResolution',
      'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', '--outDir', 'out', 'example.ts'],
    { cwd: project, encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
    const report = JSON.parse(run(path.join('out', 'example.js')));
    assert.equal(report.code, -32601);
    assert.equal(report.name, 'MethodNotFoundError');
    assert.deepEqual([report.many, report.cached, report.ranking, report.rankings, report.refused],
      [2, [false], 1, 1, true]);
    assert.ok(readFileSync(path.join(project, 'out', 'example.js'), 'utf8').includes('clip-worker-client'));
  });
});
