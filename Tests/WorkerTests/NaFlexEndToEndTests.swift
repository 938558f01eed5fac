import Foundation
import JSONRPC
import Testing

/// The real executable serving the tiny SigLIP 2 NaFlex checkpoint (`model_type` siglip2); its classify scores are
/// checked against the pipeline's with the other families' in `EndToEndTests`.
@Suite(.timeLimit(.minutes(5))) struct NaFlexEndToEndTests {
  @Test func initializeReportsTheFamilyItsScoringAndTheNominalImageSize() async throws {
    // WorkerProcess runs it with CLIP_WORKER_STORE=none.
    let worker = try WorkerProcess(arguments: ["--model", WorkerProcess.tinySigLIP2NaFlex.path])
    let model = try #require(try await worker.call(1, "initialize").result?["model"])
    #expect(model["family"] == "siglip2")
    #expect(model["scoring"]?["function"] == "sigmoid")
    let bias = try #require(model["scoring"]?["logitBias"]?.numberValue?.doubleValue)
    #expect(abs(bias - -1.2) < 1e-6)
    // patch 4 × √32 patches, floored: 4 × 5.
    #expect(model["imageSize"] == 20 && model["embeddingDim"] == 32 && model["contextLength"] == 64)
    // Images of any aspect ratio, embedded at their own patch grid.
    let wide = WorkerProcess.fixtures.appendingPathComponent("images/noise-40x30.png").path
    let tall = WorkerProcess.fixtures.appendingPathComponent("images/noise-23x51.png").path
    let images = try #require(try await worker.call(
      2, "encodeImage", ["images": [["path": .string(wide)], ["path": .string(tall)]]]).result)
    #expect(images["dim"] == 32 && images["embeddings"]?.arrayValue?.count == 2)
    worker.sendRequest("s", "shutdown")
    _ = try await worker.response(id: "s")
    worker.notify("exit")
    #expect(try await worker.exitCode() == 0)
  }
}
