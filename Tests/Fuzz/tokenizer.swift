// fuzz-modules: Tokenizer
// fuzz-seed-strings: Tests/TokenizerTests/Fixtures/cases.json text
// fuzz-seeds: Tests/TokenizerTests/Fixtures/fuzz-regressions/tokenizer-*
// fuzz-options: -malloc_limit_mb=1024 -max_len=4096
//
// CLIPTokenizer.encode on arbitrary bytes read as (lossily decoded) UTF-8, with the full CLIP vocabulary
// from the tokenizer fixtures. The ids must be a start token, at most 75 ids within the vocabulary, an end token.
import Foundation
import Tokenizer

let tokenizer: CLIPTokenizer = {
  let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../TokenizerTests/Fixtures/clip").standardized
  do { return try CLIPTokenizer(directory: directory) } catch { fatalError("cannot load \(directory.path): \(error)") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  let ids = tokenizer.encode(String(decoding: bytes, as: UTF8.self))
  precondition(ids.count >= 2 && ids.count <= tokenizer.maxLength, "\(ids.count) ids")
  precondition(ids.first == tokenizer.bosTokenID && ids.last == tokenizer.eosTokenID, "ids \(ids)")
  precondition(ids.allSatisfy { $0 >= 0 && $0 < tokenizer.vocabularySize }, "id out of range in \(ids)")
  return 0
}
