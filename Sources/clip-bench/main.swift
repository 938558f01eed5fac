// The benchmark command; see Sources/clip-bench/reference for the Python side.
