"""clip_worker.ray on a local Ray (ray.init(num_cpus=2)): 200 images through two actors give exactly the vectors
one worker gives, and an actor killed mid-run is restarted and its batch retried without losing or duplicating a
row. Skipped when Ray is not installed (bash clients/run-tests.sh requires it: CLIP_WORKER_REQUIRE_RAY=1)."""

import os
import random
import tempfile
import unittest

from support import HERE, model_directory, start_worker

try:
  import numpy
  import ray
  import ray.data
except ImportError:
  ray = None

from clip_worker.png import encode_rgb_png

IMAGES = 200
REQUIRED = os.environ.get("CLIP_WORKER_REQUIRE_RAY") == "1"


def write_images(directory, count):
  """`count` PNGs of random sizes and pixels (seeded), named in order; returns their paths."""
  rng = random.Random(18)
  paths = []
  for index in range(count):
    width, height = rng.randint(8, 48), rng.randint(8, 48)
    pixels = bytes(rng.getrandbits(8) for _ in range(width * height * 3))
    path = os.path.join(directory, "image-%03d.png" % index)
    with open(path, "wb") as handle:
      handle.write(encode_rgb_png(pixels, width, height))
    paths.append(path)
  return paths


@unittest.skipIf(ray is None and not REQUIRED, "ray[data] not installed")
class RayTests(unittest.TestCase):
  @classmethod
  def setUpClass(cls):
    if ray is None:
      raise RuntimeError("CLIP_WORKER_REQUIRE_RAY=1 but ray[data] is not installed (pip install 'ray[data]')")
    cls.directory = tempfile.TemporaryDirectory()
    cls.paths = write_images(cls.directory.name, IMAGES)
    with start_worker() as worker:
      cls.expected = worker.encode_image(cls.paths, as_numpy=True)
      cls.labels = ["noise", "stripes", "a cat"]
      cls.expected_rankings = worker.classify(cls.paths[:20], cls.labels)
    # Ray's worker processes inherit this environment: the installed clip_worker (PYTHONPATH), the executable
    # (CLIP_WORKER_EXE), and this folder for ray_faults.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")]))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False

  @classmethod
  def tearDownClass(cls):
    ray.shutdown()
    cls.directory.cleanup()

  def dataset(self):
    return ray.data.from_items([{"id": index, "path": path} for index, path in enumerate(self.paths)])

  def embeddings_by_id(self, rows):
    ids = [row["id"] for row in rows]
    self.assertEqual(sorted(ids), list(range(IMAGES)), "rows lost or duplicated")
    return numpy.stack([row["embedding"] for row in sorted(rows, key=lambda row: row["id"])])

  def test_two_actors_give_exactly_one_workers_vectors(self):
    from clip_worker.ray import ClipWorkerEmbedder
    rows = self.dataset().map_batches(
      ClipWorkerEmbedder, fn_constructor_kwargs={"model": model_directory(), "column": "path", "stderr": "capture"},
      concurrency=2, num_cpus=1, batch_size=16).take_all()
    matrix = self.embeddings_by_id(rows)
    self.assertEqual(matrix.dtype, numpy.float32)
    self.assertTrue(numpy.array_equal(matrix, self.expected))

  def test_a_killed_actor_is_retried_without_losing_or_duplicating_rows(self):
    from ray_faults import CrashOnceEmbedder
    with tempfile.TemporaryDirectory() as record:
      rows = self.dataset().map_batches(
        CrashOnceEmbedder, fn_constructor_kwargs={"model": model_directory(), "column": "path",
                                                  "stderr": "capture", "record_dir": record},
        compute=ray.data.ActorPoolStrategy(size=2), num_cpus=1, batch_size=16).take_all()
      self.assertTrue(os.path.exists(os.path.join(record, "crashed")), "no actor was killed")
      starts = [name for name in os.listdir(record) if name.startswith("started-")]
      self.assertGreaterEqual(len(starts), 3, "the killed actor was not restarted: %s" % starts)
    self.assertTrue(numpy.array_equal(self.embeddings_by_id(rows), self.expected))

  def test_the_classifier_matches_the_client(self):
    from clip_worker.ray import ClipWorkerClassifier
    rows = ray.data.from_items([{"id": index, "image": path} for index, path in enumerate(self.paths[:20])]) \
      .map_batches(ClipWorkerClassifier, fn_constructor_kwargs={"model": model_directory(), "labels": self.labels,
                                                                "stderr": "capture"},
                   compute=ray.data.ActorPoolStrategy(size=1), num_cpus=1, batch_size=8).take_all()
    rows.sort(key=lambda row: row["id"])
    for row, ranking in zip(rows, self.expected_rankings):
      # The worker's scores are float32 values written shortest-round-trip: read as float32 they are exact.
      self.assertEqual((row["label"], row["score"]), (ranking[0]["label"], numpy.float32(ranking[0]["score"])))
      by_label = {entry["label"]: numpy.float32(entry["score"]) for entry in ranking}
      self.assertEqual(list(row["scores"]), [by_label[label] for label in self.labels])

  def test_threads_follow_the_actors_cpus(self):
    from clip_worker.ray import ClipWorkerEmbedder

    @ray.remote(num_cpus=2)
    def threads_of_a_two_cpu_task():
      embedder = ClipWorkerEmbedder(model_directory(), stderr="capture")
      try:
        return embedder.threads, embedder.worker.info["limits"]["threads"]
      finally:
        embedder.worker.close()

    self.assertEqual(ray.get(threads_of_a_two_cpu_task.remote(), timeout=120), (2, 2))


if __name__ == "__main__":
  unittest.main()
