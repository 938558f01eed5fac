import Kernels
import Transformer

/// SigLIP 2 NaFlex's vision tower configuration (`vision_config` of `model_type` siglip2), with transformers'
/// `Siglip2VisionConfig` defaults (google/siglip2-base-patch16-naflex's). No `image_size`: images keep their
/// aspect ratio; `num_patches` is the size of the learned position table, a square grid resized per image.
public struct Siglip2VisionConfig: Equatable, Sendable {
  /// The fields, keys and defaults `Siglip2VisionConfig` shares with `SiglipVisionConfig` (width, layers, heads,
  /// activation, channels, `patch_size`, `vision_use_head`); its `imageSize` means nothing here.
  public var tower = SiglipVisionConfig()
  /// Rows of the position table: `grid × grid`.
  public var numPatches = 256

  public init() {}

  /// Positions per side of the position table (transformers' `int(num_patches ** 0.5)`).
  public var gridSize: Int { integerSquareRoot(numPatches) }

  enum CodingKeys: String, CodingKey {
    case numPatches = "num_patches"
  }
}

extension Siglip2VisionConfig: Decodable {
  /// Keys that are absent (or null) keep their default.
  public init(from decoder: Decoder) throws {
    tower = try SiglipVisionConfig(from: decoder)
    numPatches = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .numPatches)
      ?? numPatches
  }
}

/// ⌊√n⌋ exactly, for n ≥ 0 (Python's `int(n ** 0.5)` for every n a config holds).
func integerSquareRoot(_ n: Int) -> Int {
  var side = Int(Double(n).squareRoot())
  while side * side > n { side -= 1 }
  while (side + 1) * (side + 1) <= n { side += 1 }
  return side
}
