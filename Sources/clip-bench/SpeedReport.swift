/// `clip-bench speed`: the benchmarks behind the speed targets (embed, classify, matmul) one after the other, each
/// printing its own table, then one summary of every figure against its target.
struct SpeedReport {
  let arguments: [String]

  func run() throws {
    let values = try optionValues(arguments, allowed: ["--model", "--runs"])
    var passOn: [String] = []
    if let runs = values["--runs"] { passOn += ["--runs", runs] }
    let modelOption = values["--model"].map { ["--model", $0] } ?? []
    // The embeddings first: their peak RSS is the process's, which the matmul's weights would raise.
    let embed = try EmbedBenchmark(arguments: passOn + modelOption).run()
    print()
    let classify = try ClassifyBenchmark(arguments: passOn + modelOption).run()
    print()
    let matmul = try MatmulBenchmark(arguments: passOn).run()
    print()
    let figures = matmul + embed + classify
    print("clip-bench speed: summary (ratios: reference time / ours; memory: peak RSS / checkpoint size)")
    let nameWidth = figures.map(\.name.count).max() ?? 0
    func name(_ text: String) -> String { text + String(repeating: " ", count: nameWidth - text.count) }
    print(name("figure") + tableRow(["ours", "reference", "ratio", "target", "met"], width: 12))
    for figure in figures {
      print(name(figure.name)
            + tableRow([figure.ours, figure.reference, format(figure.ratio, digits: 2), figure.target,
                        figure.met ? "yes" : "NO"], width: 12))
    }
  }
}
