import Foundation
import Tokenizer
import Transformer

/// Texts as the zero-shot pipeline gives them to any `siglip*` model: tokenized with `padding="max_length"`,
/// `max_length=64`, `truncation=True`, the padding placed and masked as the checkpoint's tokenizer files say
/// (`PipelineTextLayout`), then SigLIP's text tower. Shared by every SigLIP family's engine.
public struct SiglipTextPipeline: Sendable {
  /// The pipeline's text length for SigLIP.
  public static let length = 64

  public let tokenizer: any TextTokenizer
  /// Where the padding goes and whether it is masked, as the checkpoint's tokenizer files say.
  public let layout: PipelineTextLayout
  let encoder: SiglipTextEncoder

  /// - Throws: `CheckpointError` when the tower cannot take the pipeline's 64 ids or the tokenizer's ids, and the
  ///   errors of `PipelineTextLayout(directory:)`.
  init(directory: URL, tokenizer: any TextTokenizer, encoder: SiglipTextEncoder) throws {
    let text = encoder.config
    guard text.maxPositionEmbeddings >= Self.length else {
      throw CheckpointError.invalidConfig(
        reason: "text max_position_embeddings \(text.maxPositionEmbeddings) is below the pipeline's \(Self.length)")
    }
    guard tokenizer.maxLength <= Self.length else {
      throw CheckpointError.invalidConfig(
        reason: "the tokenizer truncates to \(tokenizer.maxLength) ids, not the pipeline's \(Self.length)")
    }
    guard tokenizer.vocabularySize <= text.vocabSize, tokenizer.padTokenID < text.vocabSize else {
      throw CheckpointError.tokenizerMismatch(tokenizerVocabulary: tokenizer.vocabularySize,
                                              modelVocabulary: text.vocabSize)
    }
    self.tokenizer = tokenizer
    layout = try PipelineTextLayout(directory: directory)
    self.encoder = encoder
  }

  /// The ids the pipeline gives the model for `text`: truncated, then padded to `length`.
  public func tokenIDs(_ text: String) -> [Int] {
    layout.pad(tokenizer.encode(text), to: Self.length, with: tokenizer.padTokenID).ids
  }

  /// The embedding of each text (`get_text_features` of the pipeline's ids and mask), not normalized.
  public func embeddings(_ texts: [String]) -> [[Float]] {
    let padded = texts.map { layout.pad(tokenizer.encode($0), to: Self.length, with: tokenizer.padTokenID) }
    return encoder.embed(tokenIDs: padded.map(\.ids), keys: layout.masked ? padded.map(\.keys) : nil)
  }
}
