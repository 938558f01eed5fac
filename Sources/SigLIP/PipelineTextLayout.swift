import Foundation
import Tokenizer
import Transformer

/// How the pipeline lays out a text for the model, as the checkpoint's tokenizer files decide it: padded to 64 ids
/// on the tokenizer's `padding_side`, and masked (the padding hidden from every token) when the tokenizer's
/// `model_input_names` include `attention_mask`.
///
/// Both come from `tokenizer_config.json`, else from the tokenizer class's defaults in `transformers`:
/// `SiglipTokenizer` pads on the right, `GemmaTokenizer` and `Siglip2Tokenizer` on the left, and all three name
/// `attention_mask` (google/siglip-* checkpoints override that with `["input_ids"]`: unmasked).
public struct PipelineTextLayout: Equatable, Sendable {
  public var padsLeft: Bool
  public var masked: Bool

  public init(padsLeft: Bool, masked: Bool) {
    self.padsLeft = padsLeft
    self.masked = masked
  }

  /// The layout `directory`'s tokenizer files give.
  /// - Throws: `CheckpointError.invalidConfig` for a `tokenizer_config.json` that is not a JSON object; the
  ///   `TokenizerError` of `TokenizerLoader.kind(of:)` when no tokenizer class can be told.
  public init(directory: URL) throws {
    let url = directory.appendingPathComponent("tokenizer_config.json")
    var config: [String: Any] = [:]
    if FileManager.default.fileExists(atPath: url.path) {
      guard let object = try JSONSerialization.jsonObject(
        with: CheckpointFile.contents("tokenizer_config.json", in: directory)) as? [String: Any] else {
        throw CheckpointError.invalidConfig(reason: "tokenizer_config.json is not a JSON object")
      }
      config = object
    }
    // The class transformers would pick, as the tokenizer itself was picked: Gemma's classes pad on the left.
    let leftByDefault = switch try TokenizerLoader.kind(of: directory) {
    case .gemma, .siglip2: true
    case .clip, .siglip: false
    }
    padsLeft = (config["padding_side"] as? String).map { $0 == "left" } ?? leftByDefault
    masked = (config["model_input_names"] as? [String])?.contains("attention_mask") ?? true
  }

  /// `ids` padded to `length` with `padID`, and the positions the model attends to (all when unmasked).
  public func pad(_ ids: [Int], to length: Int, with padID: Int) -> (ids: [Int], keys: Range<Int>) {
    let padding = [Int](repeating: padID, count: length - ids.count)
    let real = padsLeft ? padding.count ..< length : 0 ..< ids.count
    return (padsLeft ? padding + ids : ids + padding, masked ? real : 0 ..< length)
  }
}
