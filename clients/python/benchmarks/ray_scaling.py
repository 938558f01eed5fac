"""Measures clip_worker.ray's scaling: the same images through 1, then 2 (...) actors on a local Ray.

    python3 clients/python/benchmarks/ray_scaling.py --model Tests/CLIPTests/Fixtures/tiny-clip --images 2000

Each actor reserves --cpus-per-actor CPUs (its worker's --threads). Every configuration runs --repeats times on
a fresh actor pool (the model is loaded each time) and the best wall time is reported, with images per second.
The images are PNGs of --size×--size random pixels written to a temporary folder; the embedding cache cannot
help (each image is seen once per run by one worker).
"""

import argparse
import os
import random
import tempfile
import time

import ray
import ray.data

from clip_worker.png import encode_rgb_png
from clip_worker.ray import ClipWorkerEmbedder


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--model", required=True)
  parser.add_argument("--images", type=int, default=2000)
  parser.add_argument("--size", type=int, default=224)
  parser.add_argument("--actors", type=int, nargs="+", default=[1, 2])
  parser.add_argument("--cpus-per-actor", type=int, default=1)
  parser.add_argument("--batch-size", type=int, default=32)
  parser.add_argument("--repeats", type=int, default=3)
  options = parser.parse_args()
  rng = random.Random(0)
  with tempfile.TemporaryDirectory() as directory:
    paths = []
    for index in range(options.images):
      pixels = rng.randbytes(options.size * options.size * 3)
      path = os.path.join(directory, "%05d.png" % index)
      with open(path, "wb") as handle:
        handle.write(encode_rgb_png(pixels, options.size, options.size))
      paths.append(path)
    ray.init(num_cpus=max(options.actors) * options.cpus_per_actor, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    print("images=%d size=%d batch=%d cpus/actor=%d model=%s" % (
      options.images, options.size, options.batch_size, options.cpus_per_actor, options.model))
    baseline = None
    for actors in options.actors:
      times = []
      for _ in range(options.repeats):
        dataset = ray.data.from_items([{"path": path} for path in paths])
        started = time.perf_counter()
        count = dataset.map_batches(
          ClipWorkerEmbedder, fn_constructor_kwargs={"model": options.model, "column": "path", "stderr": "capture",
                                                     "cache_mb": 0, "store": "none"},
          compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=options.cpus_per_actor,
          batch_size=options.batch_size).count()
        times.append(time.perf_counter() - started)
        assert count == options.images, count
      best = min(times)
      baseline = baseline or best
      print("actors=%d best=%.2fs (runs %s) %.0f images/s speedup %.2fx" % (
        actors, best, ", ".join("%.2f" % value for value in times), options.images / best, baseline / best))
    ray.shutdown()


if __name__ == "__main__":
  main()
