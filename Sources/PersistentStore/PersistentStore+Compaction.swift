import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension PersistentStore {
  /// A live record to copy: where the index points now.
  private struct Move {
    var digest: UInt64
    var segment: UInt16
    var offset: UInt32
    var length: UInt32
    var newOffset: UInt32 = 0
  }

  /// One compaction output being written under a temporary name.
  private struct Output {
    let name: String
    let temporary: String
    let fd: Int32
    var size = 0
    var entries: [SegmentFormat.HintEntry] = []
    var moves: [Move] = []
    var buffer: [UInt8] = []
  }

  /// Compacts now, in the caller's thread: this process's active segment is sealed first, then every sealed
  /// segment holding dead records (or small) is rewritten. Returns false when nothing was compacted (nothing to
  /// do, another process is compacting, or a write failed).
  @discardableResult
  public func compact() -> Bool { compact(force: true) }

  func scheduleCompactionIfNeeded() {
    guard options.automaticCompaction else { return }
    let needed = index.withLock {
      !$0.closed && $0.needsCompaction(share: options.compactionDeadShare, segmentBytes: options.segmentBytes)
    }
    guard needed, compactionScheduled.withLock({ scheduled in
      defer { scheduled = true }
      return !scheduled
    }) else { return }
    DispatchQueue.global(qos: .utility).async { [weak self] in
      guard let self else { return }
      // A run copies at most four segments' worth; go on while it helps.
      for _ in 0..<16 {
        guard self.compact(force: false) else { break }
        let again = self.index.withLock {
          !$0.closed && $0.needsCompaction(share: self.options.compactionDeadShare, segmentBytes: self.options.segmentBytes)
        }
        if !again { break }
      }
      self.compactionScheduled.withLock { $0 = false }
    }
  }

  func compact(force: Bool) -> Bool {
    maintenance.withLock { _ in
      if force { writer.withLock { seal(&$0) } }
      guard !writer.withLock({ $0.readOnly || $0.closed }), compactionLock >= 0,
        flock(compactionLock, LOCK_EX | LOCK_NB) == 0
      else { return false }
      defer { flock(compactionLock, LOCK_UN) }
      return compactLocked(force: force)
    }
  }

  private func compactLocked(force: Bool) -> Bool {
    let segmentBytes = options.segmentBytes
    let share = options.compactionDeadShare
    // Plan: the inputs and, sorted by place, the live records in them.
    let plan: (inputs: [UInt16: SegmentFile], moves: [Move])? = index.withLock { state in
      var candidates: [(slot: UInt16, state: SegmentState)] = []
      for (slot, segment) in state.segments.enumerated() {
        guard let segment, segment.complete, segment.sealed, segment.file.writable else { continue }
        candidates.append((UInt16(slot), segment))
      }
      let small = candidates.filter { $0.state.size < segmentBytes / 2 }
      var chosen: [UInt16: SegmentFile] = [:]
      var budget = 4 * segmentBytes
      for candidate in candidates.sorted(by: { $0.state.liveBytes * 1024 / max(1, $0.state.size) < $1.state.liveBytes * 1024 / max(1, $1.state.size) }) {
        let dead = candidate.state.size - candidate.state.liveBytes
        let wanted =
          candidate.state.liveBytes == 0 || Double(dead) >= share * Double(candidate.state.size)
          || (force && dead > 0) || (small.count >= 4 && candidate.state.size < segmentBytes / 2)
        guard wanted, budget >= candidate.state.liveBytes || chosen.isEmpty else { continue }
        budget -= candidate.state.liveBytes
        chosen[candidate.slot] = candidate.state.file
      }
      guard !chosen.isEmpty else { return nil }
      var moves: [Move] = []
      for slot in state.table.slots where slot.digest != 0 && chosen[slot.segment] != nil {
        moves.append(Move(digest: slot.digest, segment: slot.segment, offset: slot.offset, length: slot.length))
      }
      moves.sort { ($0.segment, $0.offset) < ($1.segment, $1.offset) }
      return (chosen, moves)
    }
    guard let plan else { return false }
    cleanTemporaryFiles()

    // Copy the live records verbatim (stamps and checksums unchanged) into outputs of at most segmentBytes.
    var outputs: [Output] = []
    var damaged: [Move] = []
    func abandon(_ what: String, _ code: Int32) -> Bool {
      for output in outputs {
        Glibc_close(output.fd)
        unlink(output.temporary)
      }
      index.withLock { $0.counters.ioErrors += 1 }
      log("persistent store \(path): compaction stopped: \(what) failed (\(FileIO.errorDescription(code)))")
      return false
    }
    func flush(_ output: inout Output) -> Int32 {
      let status = FileIO.write(output.fd, output.buffer, offset: output.size - output.buffer.count)
      output.buffer.removeAll(keepingCapacity: true)
      return status
    }
    for var move in plan.moves {
      guard let file = plan.inputs[move.segment],
        let bytes = FileIO.read(file.fd, offset: Int(move.offset), count: Int(move.length)),
        let header = SegmentFormat.validRecord(bytes, at: 0), header.length == Int(move.length),
        KeyDigest.of(Array(bytes[header.keyRange])) == move.digest
      else {
        damaged.append(move)
        continue
      }
      if outputs.isEmpty || outputs[outputs.count - 1].size + bytes.count > segmentBytes {
        if !outputs.isEmpty, flush(&outputs[outputs.count - 1]) != 0 { return abandon("writing a segment", errno) }
        let name = Self.segmentName(stamp: Self.now())
        let temporary = Self.temporaryPath(path, name + ".seg")
        let fd = Glibc_open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return abandon("creating a segment", errno) }
        outputs.append(Output(name: name, temporary: temporary, fd: fd))
      }
      move.newOffset = UInt32(outputs[outputs.count - 1].size)
      outputs[outputs.count - 1].buffer.append(contentsOf: bytes)
      outputs[outputs.count - 1].size += bytes.count
      outputs[outputs.count - 1].entries.append(
        SegmentFormat.HintEntry(digest: move.digest, stamp: header.stamp, offset: move.newOffset, length: move.length))
      outputs[outputs.count - 1].moves.append(move)
      if outputs[outputs.count - 1].buffer.count >= 1 << 20, flush(&outputs[outputs.count - 1]) != 0 {
        return abandon("writing a segment", errno)
      }
    }
    for i in outputs.indices {
      let status = flush(&outputs[i])
      if status != 0 { return abandon("writing a segment", status) }
      let hint = SegmentFormat.encodeHint(outputs[i].entries, coveredBytes: outputs[i].size)
      let hintStatus = FileIO.writeFileAtomically(
        outputs[i].temporary + ".hint", hint, temporary: outputs[i].temporary + ".hint.tmp")
      if hintStatus != 0 { return abandon("writing a hint", hintStatus) }
    }

    // Publish: hint first, then segment (a hint without its segment is ignored and removed at open), then point
    // the index at the copies and delete the inputs; other processes opening meanwhile wait on the lock.
    let exclusive = directoryLock >= 0 && flock(directoryLock, LOCK_EX) == 0
    defer { if exclusive { flock(directoryLock, LOCK_UN) } }
    var published: [(Output, SegmentFile)] = []
    for output in outputs {
      let base = path + "/" + output.name
      guard rename(output.temporary + ".hint", base + ".hint") == 0, rename(output.temporary, base + ".seg") == 0 else {
        let code = errno
        unlink(base + ".hint")
        for (done, _) in published {
          unlink(path + "/" + done.name + ".seg")
          unlink(path + "/" + done.name + ".hint")
        }
        return abandon("publishing a segment", code)
      }
      published.append((output, SegmentFile(name: output.name, fd: output.fd, writable: true)))
    }
    index.withLock { state in
      for (output, file) in published {
        guard let slot = state.addSegment(SegmentState(file: file, size: output.size, complete: true, sealed: true))
        else { continue }
        for move in output.moves {
          guard let position = state.table.find(move.digest), state.table[position].segment == move.segment,
            state.table[position].offset == move.offset
          else { continue }
          var moved = state.table[position]
          moved.segment = slot
          moved.offset = move.newOffset
          state.place(moved)
        }
      }
      for move in damaged {
        guard let position = state.table.find(move.digest), state.table[position].segment == move.segment,
          state.table[position].offset == move.offset
        else { continue }
        state.drop(at: position)
        state.counters.damagedRecords += 1
      }
      for (slot, _) in plan.inputs { state.removeSegment(slot) }
      state.counters.compactions += 1
    }
    for file in plan.inputs.values {
      unlink(path + "/" + file.name + ".seg")
      unlink(path + "/" + file.name + ".hint")
    }
    return true
  }

  /// Temporary files older than ten minutes: left by a process that died writing them.
  private func cleanTemporaryFiles() {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
    let limit = Date().addingTimeInterval(-600)
    for name in names where name.hasPrefix(".tmp-") {
      let file = path + "/" + name
      if let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date,
        modified < limit
      {
        unlink(file)
      }
    }
  }
}
