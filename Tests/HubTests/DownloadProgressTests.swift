import Testing
@testable import Hub

@Suite(.timeLimit(.minutes(5))) struct DownloadProgressTests {
  @Test func barLineShowsFractionAndSizes() {
    let half = DownloadProgress(file: "model.safetensors", bytesDone: 302_600_000, bytesTotal: 605_200_000)
    #expect(half.barLine(width: 10) == "model.safetensors  50% [#####     ] 302.6/605.2 MB")
    let done = DownloadProgress(file: "config.json", bytesDone: 4_000, bytesTotal: 4_000)
    #expect(done.barLine(width: 4) == "config.json 100% [####] 0.0/0.0 MB")
    let unknown = DownloadProgress(file: "vocab.json", bytesDone: 1_500_000, bytesTotal: nil)
    #expect(unknown.barLine() == "vocab.json 1.5 MB")
  }
}
