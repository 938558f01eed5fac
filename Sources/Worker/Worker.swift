/// The worker: methods, dispatch, cache, batching (issue 4).
