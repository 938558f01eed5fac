"""The Python client against the real worker: results, inputs, concurrency, errors and lifecycle."""

import concurrent.futures
import io
import math
import os
import signal
import tempfile
import unittest

from support import DISK_PNG, GRADIENT_JPG, start_worker

from clip_worker import (ClipWorker, ClipWorkerError, InputFailedError, InvalidParamsError, MethodNotFoundError,
                         ModelUnavailableError, RequestCancelledError, WorkerExitedError, find_executable)

try:
  import numpy
except ImportError:
  numpy = None


def norm(vector):
  return math.sqrt(sum(value * value for value in vector))


class ClientTests(unittest.TestCase):
  """Tests sharing one worker (they only read, or clear the cache, which no other test relies on)."""

  @classmethod
  def setUpClass(cls):
    cls.worker = start_worker()
    cls.dim = cls.worker.info["model"]["embeddingDim"]

  @classmethod
  def tearDownClass(cls):
    cls.worker.close()

  def test_initialize_describes_the_model(self):
    info = self.worker.info
    self.assertEqual(info["serverInfo"]["name"], "clip-worker")
    self.assertIsInstance(self.dim, int)
    self.assertGreater(self.dim, 0)
    for method in ("encodeText", "encodeImage", "classify", "cacheStats"):
      self.assertIn(method, info["methods"])

  def test_encode_text_gives_unit_vectors_matching_the_float_encoding(self):
    texts = ["a photo of a cat", "a red disk", ""]
    vectors = self.worker.encode_text(texts)
    self.assertEqual(len(vectors), 3)
    as_floats = self.worker.request("encodeText", {"texts": texts, "encoding": "float"})
    self.assertEqual(as_floats["dim"], self.dim)
    for vector, reference in zip(vectors, as_floats["embeddings"]):
      self.assertEqual(len(vector), self.dim)
      self.assertAlmostEqual(norm(vector), 1.0, places=5)
      for value, expected in zip(vector, reference):
        self.assertAlmostEqual(value, expected, places=6)

  def test_encode_text_unnormalized_differs_only_by_scale(self):
    normalized = self.worker.encode_text(["a photo of a dog"])[0]
    raw = self.worker.encode_text(["a photo of a dog"], normalize=False)[0]
    scale = norm(raw)
    self.assertNotAlmostEqual(scale, 1.0, places=3)
    for value, unit in zip(raw, normalized):
      self.assertAlmostEqual(value / scale, unit, places=5)

  def test_single_text_gives_one_vector(self):
    self.assertEqual(self.worker.encode_text("a cat"), self.worker.encode_text(["a cat"])[0])

  @unittest.skipIf(numpy is None, "numpy not installed")
  def test_as_numpy_gives_float32_matrix(self):
    matrix = self.worker.encode_text(["one", "two"], as_numpy=True)
    self.assertEqual(matrix.shape, (2, self.dim))
    self.assertEqual(matrix.dtype, numpy.float32)
    self.assertEqual(matrix.tolist(), self.worker.encode_text(["one", "two"]))
    self.assertEqual(self.worker.encode_image(DISK_PNG, as_numpy=True).shape, (self.dim,))

  def test_image_path_bytes_and_file_object_agree(self):
    by_path = self.worker.encode_image(DISK_PNG)
    with open(DISK_PNG, "rb") as handle:
      content = handle.read()
    self.assertEqual(len(by_path), self.dim)
    self.assertAlmostEqual(norm(by_path), 1.0, places=5)
    self.assertEqual(self.worker.encode_image(content), by_path)
    self.assertEqual(self.worker.encode_image(io.BytesIO(content)), by_path)
    self.assertEqual(self.worker.encode_image({"path": DISK_PNG}), by_path)

  def test_image_list_keeps_order(self):
    both = self.worker.encode_image([GRADIENT_JPG, DISK_PNG])
    self.assertEqual(both, [self.worker.encode_image(GRADIENT_JPG), self.worker.encode_image(DISK_PNG)])
    self.assertNotEqual(both[0], both[1])

  def test_classify_scores_are_a_sorted_distribution(self):
    labels = ["red disk", "green field", "blue sky"]
    ranking = self.worker.classify(DISK_PNG, labels)
    self.assertEqual(sorted(entry["label"] for entry in ranking), sorted(labels))
    scores = [entry["score"] for entry in ranking]
    self.assertEqual(scores, sorted(scores, reverse=True))
    self.assertAlmostEqual(sum(scores), 1.0, places=5)
    self.assertEqual(self.worker.classify(DISK_PNG, labels, top_k=1), ranking[:1])

  def test_classify_many_images_gives_one_ranking_each(self):
    labels = ["a", "b"]
    rankings = self.worker.classify([DISK_PNG, GRADIENT_JPG], labels, template="a picture of {}")
    self.assertEqual(len(rankings), 2)
    self.assertEqual(rankings[0], self.worker.classify(DISK_PNG, labels, template="a picture of {}"))
    self.assertEqual(rankings[1], self.worker.classify(GRADIENT_JPG, labels, template="a picture of {}"))

  def test_classify_accepts_the_pipeline_names(self):
    labels = ["red disk", "green field"]
    by_wire_names = self.worker.classify(DISK_PNG, labels, template="a picture of {}", top_k=1)
    by_pipeline_names = self.worker.classify(DISK_PNG, candidate_labels=labels,
                                             hypothesis_template="a picture of {}", top_k=1)
    self.assertEqual(by_pipeline_names, by_wire_names)
    self.assertNotEqual(self.worker.classify(DISK_PNG, labels), self.worker.classify(DISK_PNG, labels, template="{}"))
    with self.assertRaises(TypeError):
      self.worker.classify(DISK_PNG, labels, candidate_labels=labels)
    with self.assertRaises(TypeError):
      self.worker.classify(DISK_PNG, labels, template="{}", hypothesis_template="{}")
    with self.assertRaises(TypeError):
      self.worker.classify(DISK_PNG, labels, hypothesisTemplate="{}")  # noqa: the wrong spelling is refused.
    with self.assertRaises(ValueError):
      self.worker.classify(DISK_PNG, labels, top_k=0)

  def test_details_report_where_each_embedding_came_from(self):
    self.worker.cache_clear(store=True)
    first = self.worker.encode_text(["details probe"], details=True)
    second = self.worker.encode_text(["details probe"], details=True)
    self.assertEqual((first.dim, len(first.embeddings)), (self.dim, 1))
    self.assertEqual(first.model, self.worker.info["model"]["id"])
    self.assertEqual(first.cached, [False])
    self.assertIn(second.cached[0], ("memory", "store"))
    self.assertEqual(second.embeddings, first.embeddings)

  def test_classify_rejects_a_bare_string_of_labels(self):
    with self.assertRaises(TypeError):
      self.worker.classify(DISK_PNG, "cat")

  def test_cache_counts_hits_and_clears(self):
    self.worker.cache_clear()
    cleared = self.worker.cache_stats()
    self.assertEqual(cleared["entries"], 0)
    self.worker.encode_text(["cache probe"])
    self.worker.encode_text(["cache probe"])
    stats = self.worker.cache_stats()
    self.assertGreaterEqual(stats["entries"], 1)
    self.assertGreaterEqual(stats["hits"], cleared["hits"] + 1)
    for key in ("bytes", "capacityBytes", "misses", "evictions", "hitRate", "image", "text"):
      self.assertIn(key, stats)

  def test_the_persistent_store_outlives_the_worker_and_can_be_cleared(self):
    directory = os.environ.get("CLIP_WORKER_STORE")
    if not directory or directory == "none":
      self.skipTest("CLIP_WORKER_STORE names no store directory (run-tests.sh gives a scratch one)")
    text = "store probe %d" % os.getpid()
    self.worker.encode_text([text])
    self.assertEqual(self.worker.cache_stats()["store"]["directory"], directory)
    with start_worker() as other:
      self.assertEqual(other.encode_text([text], details=True).cached, ["store"])
      self.assertIsNone(other.cache_clear(store=True))
      self.assertEqual(other.cache_stats()["store"]["entries"], 0)
    with start_worker() as third:
      self.assertEqual(third.encode_text([text], details=True).cached, [False])

  def test_store_and_store_mb_choose_the_persistent_store(self):
    with tempfile.TemporaryDirectory() as directory:
      with start_worker(store=directory, store_mb=16) as worker:
        self.assertEqual(worker.info["store"], {"directory": directory, "capacityBytes": 16 << 20, "writable": True})
        worker.encode_text(["chosen store probe"])
        self.assertEqual(worker.cache_stats()["store"]["entries"], 1)
    with start_worker(store="none") as worker:
      self.assertIsNone(worker.info["store"])
      self.assertIsNone(worker.cache_stats()["store"])

  def test_concurrent_requests_from_many_threads(self):
    texts = ["text number %d" % index for index in range(16)]
    expected = [self.worker.encode_text([text])[0] for text in texts]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
      results = list(pool.map(lambda text: self.worker.encode_text([text])[0], texts))
    self.assertEqual(results, expected)

  def test_many_requests_in_flight_from_one_thread(self):
    futures = [self.worker.encode_text_async(["in flight %d" % index]) for index in range(20)]
    futures.append(self.worker.encode_image_async(DISK_PNG))
    results = [future.result(60) for future in futures]
    self.assertEqual(len({future.request_id for future in futures}), len(futures))
    self.assertEqual(results[3], self.worker.encode_text(["in flight 3"]))

  def test_unknown_method_raises_method_not_found(self):
    with self.assertRaises(MethodNotFoundError) as raised:
      self.worker.request("noSuchMethod", {})
    self.assertEqual(raised.exception.code, ClipWorkerError.METHOD_NOT_FOUND)
    self.assertEqual(raised.exception.data, {"method": "noSuchMethod"})

  def test_bad_params_raise_invalid_params(self):
    with self.assertRaises(InvalidParamsError) as raised:
      self.worker.request("encodeText", {"texts": "not a list"})
    self.assertEqual(raised.exception.code, ClipWorkerError.INVALID_PARAMS)

  def test_unreadable_image_says_which_input(self):
    with self.assertRaises(ClipWorkerError) as raised:
      self.worker.encode_image([DISK_PNG, b"this is not an image"])
    error = raised.exception
    self.assertIsInstance(error, InputFailedError)
    self.assertEqual(error.code, -32001)
    self.assertEqual(error.data["index"], 1, error)

  def test_cancel_answers_minus_32800(self):
    # A request may finish before its cancellation arrives, which is legal; out of five tries (each a fresh
    # 64-text batch, cancelled right after it is sent) at least one must be cancelled, and every one must settle.
    outcomes = []
    for attempt in range(5):
      future = self.worker.encode_text_async(["cancel %d/%d" % (attempt, index) for index in range(64)])
      self.worker.cancel(future)
      try:
        self.assertEqual(len(future.result(60)), 64)
        outcomes.append("completed")
      except RequestCancelledError as error:
        self.assertTrue(error.cancelled, error)
        outcomes.append("cancelled")
    self.assertIn("cancelled", outcomes)
    self.assertEqual(len(self.worker.encode_text(["still serving"])[0]), self.dim)


class LifecycleTests(unittest.TestCase):
  """Tests that own their worker process."""

  def test_missing_model_directory_ends_the_worker_with_status_2(self):
    with self.assertRaises(WorkerExitedError) as raised:
      ClipWorker(model=os.path.join(tempfile.gettempdir(), "no-such-clip-model"), executable=find_executable(),
                 stderr="capture")
    self.assertEqual(raised.exception.returncode, 2)
    self.assertIn("no-such-clip-model", raised.exception.stderr_tail)

  def test_unloadable_model_fails_start_with_model_unavailable_or_status_1(self):
    # The worker answers what it received before the load failed with -32002, then exits with status 1;
    # whether `initialize` got there first is a race, so both outcomes are checked.
    with tempfile.TemporaryDirectory() as directory:
      with open(os.path.join(directory, "config.json"), "w") as handle:
        handle.write("{}")
      with self.assertRaises((ClipWorkerError, WorkerExitedError)) as raised:
        ClipWorker(model=directory, executable=find_executable(), timeout=60, stderr="capture")
    error = raised.exception
    if isinstance(error, ClipWorkerError):
      self.assertIsInstance(error, ModelUnavailableError)
      self.assertEqual(error.code, -32002)
      self.assertIn("reason", error.data)
    else:
      self.assertEqual(error.returncode, 1)
      self.assertIn("model.safetensors", error.stderr_tail)

  def test_context_manager_shuts_down_with_status_zero(self):
    with start_worker() as worker:
      worker.encode_text(["hello"])
    self.assertEqual(worker.process.returncode, 0)
    with self.assertRaises(RuntimeError):
      worker.encode_text(["after close"])
    self.assertEqual(worker.close(), 0)

  def test_killed_worker_fails_pending_and_later_requests(self):
    worker = start_worker()
    try:
      worker.process.kill()
      future = worker.encode_text_async(["anyone there?"])
      with self.assertRaises(WorkerExitedError) as raised:
        future.result(30)
      self.assertLess(raised.exception.returncode, 0)
      with self.assertRaises(WorkerExitedError):
        worker.encode_text(["still nobody"])
    finally:
      worker.close()

  def test_options_reach_the_command_line(self):
    with start_worker(cache_mb=0, threads=1, max_image_pixels=500, log_level="error") as worker:
      self.assertEqual(worker.command[worker.command.index("--cache-mb") + 1], "0")
      limits = worker.info["limits"]
      self.assertEqual((limits["cacheCapacityBytes"], limits["threads"], limits["maxImagePixels"]), (0, 1, 500))
      worker.encode_text(["not kept"])
      self.assertEqual(worker.cache_stats()["entries"], 0)

  def test_timed_out_call_raises_timeout_error_and_the_worker_keeps_serving(self):
    # The worker is stopped (SIGSTOP) so that the call cannot be answered in time, whatever the machine's load.
    with start_worker() as worker:
      os.kill(worker.process.pid, signal.SIGSTOP)
      try:
        with self.assertRaises(TimeoutError):
          worker.encode_text(["too slow"], timeout=0.2)
      finally:
        os.kill(worker.process.pid, signal.SIGCONT)
      self.assertEqual(len(worker.encode_text("served after a timeout")), worker.info["model"]["embeddingDim"])

  def test_end_of_input_ends_the_worker(self):
    worker = start_worker(initialize=False)
    worker.process.stdin.close()
    self.assertEqual(worker.process.wait(30), 0)
    worker.close()


if __name__ == "__main__":
  unittest.main()
