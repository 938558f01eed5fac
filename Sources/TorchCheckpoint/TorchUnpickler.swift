import SafeTensors

/// A value of the pickle machine. Tuples, lists, dicts, storages and tensors live in `TorchUnpickler`'s tables and
/// are named here by their index, so values are flat: a self-referencing list is harmless, and no value nests.
enum PickleValue: Equatable {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  /// An allowed global, as `module.name`.
  case global(String)
  case tuple(Int)
  case list(Int)
  case dict(Int)
  case storage(Int)
  case tensor(Int)
}

/// The pickle reader of `torch.load(weights_only=True)`, restricted to what a state dict of tensors needs.
///
/// It runs the opcodes `torch.save` emits (protocol 2, and the framing, memo and global opcodes of protocols 3–5),
/// and admits only the globals that rebuild tensors: `collections.OrderedDict`, `torch._utils._rebuild_tensor`,
/// `_rebuild_tensor_v2`, `_rebuild_parameter`, `_rebuild_parameter_with_state`, `torch.Size` and the `torch.*Storage`
/// types. Any other global is refused by name as soon as it is read, before anything could call it; `REDUCE` calls
/// only those functions, `BUILD` only updates dicts (an `OrderedDict`'s `_metadata`, which is dropped). Nothing in the
/// input is ever executed or looked up outside these tables.
struct TorchUnpickler {
  /// A storage named by a persistent id: `data/<key>` in the archive, holding `count` elements of `dtype`.
  struct Storage: Equatable {
    var key: String
    var dtype: DType
    var count: Int
  }

  /// A tensor rebuilt by `_rebuild_tensor_v2`: a strided view of a storage (offset and strides in elements).
  struct Tensor: Equatable {
    var storage: Int
    var offset: Int
    var shape: [Int]
    var strides: [Int]
  }

  /// The storage types `torch.save` names, with their element types.
  static let storageTypes: [String: DType] = [
    "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
    "torch.DoubleStorage": .f64, "torch.LongStorage": .i64, "torch.IntStorage": .i32, "torch.ShortStorage": .i16,
    "torch.CharStorage": .i8, "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
  ]
  /// The callable globals admitted.
  static let functions: Set<String> = [
    "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.Size",
  ]

  /// Bounds on what one pickle may build, far above any real state dict (BERT-large-sized models need ~10^4).
  static let maxStack = 1 << 22, maxMemo = 1 << 22, maxStored = 1 << 23, maxTensors = 1 << 20, maxDimensions = 64

  private let bytes: [UInt8]
  private let file: String
  /// Called for each persistent id: checks the storage (its entry, its size) and returns it.
  private let loadStorage: (_ key: String, _ dtype: DType, _ count: Int) throws -> Void

  private(set) var tuples: [[PickleValue]] = []
  private(set) var lists: [[PickleValue]] = []
  private(set) var dicts: [[(key: PickleValue, value: PickleValue)]] = []
  private(set) var storages: [Storage] = []
  private(set) var tensors: [Tensor] = []
  private var storageIndex: [String: Int] = [:]
  private var stack: [PickleValue] = []
  private var marks: [Int] = []
  private var memo: [UInt32: PickleValue] = [:]
  private var position = 0
  private var opcodeStart = 0
  /// Containers and their items stored so far, bounded by `maxStored` (the tables, not the stack, hold memory).
  private var stored = 0

  init(_ bytes: [UInt8], file: String,
       loadStorage: @escaping (_ key: String, _ dtype: DType, _ count: Int) throws -> Void) {
    self.bytes = bytes
    self.file = file
    self.loadStorage = loadStorage
  }

  private func invalid(_ reason: String) -> TorchCheckpointError {
    .invalidPickle(file: file, offset: opcodeStart, reason: reason)
  }

  /// Runs the machine to `STOP` and returns the value it leaves.
  mutating func run() throws -> PickleValue {
    while true {
      opcodeStart = position
      let opcode = try read(1)[0]
      switch opcode {
      case 0x80:  // PROTO
        let version = try read(1)[0]
        guard version <= 5 else { throw invalid("pickle protocol \(version) (at most 5 is read)") }
      case 0x95: _ = try read(8)  // FRAME: a length hint for buffered readers.
      case 0x2E:  // STOP
        guard marks.isEmpty else { throw invalid("STOP inside an open MARK") }
        guard stack.count == 1 else { throw invalid("STOP with \(stack.count) values on the stack, not 1") }
        return stack[0]
      case 0x28:  // MARK
        guard marks.count < Self.maxStack else { throw invalid("too many open MARKs") }
        marks.append(stack.count)
      case 0x30: _ = try pop()  // POP
      case 0x31: _ = try popMark()  // POP_MARK
      case 0x4E: try push(.none)  // NONE
      case 0x88: try push(.bool(true))  // NEWTRUE
      case 0x89: try push(.bool(false))  // NEWFALSE
      case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try little(4))))))  // BININT
      case 0x4B: try push(.int(Int(try little(1))))  // BININT1
      case 0x4D: try push(.int(Int(try little(2))))  // BININT2
      case 0x8A:  // LONG1: n bytes of two's complement, little-endian.
        let count = Int(try read(1)[0])
        guard count <= 8 else { throw invalid("LONG1 of \(count) bytes does not fit 64 bits") }
        let digits = try read(count)
        var value: UInt64 = 0
        for byte in digits.reversed() { value = value << 8 | UInt64(byte) }
        if count > 0 && count < 8 && digits[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }
        try push(.int(Int(Int64(bitPattern: value))))
      case 0x47:  // BINFLOAT: big-endian IEEE double.
        var bits: UInt64 = 0
        for byte in try read(8) { bits = bits << 8 | UInt64(byte) }
        try push(.float(Double(bitPattern: bits)))
      case 0x58: try push(.string(try text(Int(try little(4)))))  // BINUNICODE
      case 0x8C: try push(.string(try text(Int(try little(1)))))  // SHORT_BINUNICODE
      case 0x8D:  // BINUNICODE8
        let count = try little(8)
        guard count <= UInt64(bytes.count - position) else { throw invalid("string runs past the end") }
        try push(.string(try text(Int(count))))
      case 0x55: try push(.string(try text(Int(try little(1)), ascii: true)))  // SHORT_BINSTRING (Python 2)
      case 0x71: try memoize(UInt32(try little(1)))  // BINPUT
      case 0x72: try memoize(UInt32(try little(4)))  // LONG_BINPUT
      case 0x94: try memoize(UInt32(truncatingIfNeeded: memo.count))  // MEMOIZE
      case 0x68: try recall(UInt32(try little(1)))  // BINGET
      case 0x6A: try recall(UInt32(try little(4)))  // LONG_BINGET
      case 0x63:  // GLOBAL: "module\nname\n"
        let module = try line(), name = try line()
        try push(try global(module, name))
      case 0x93:  // STACK_GLOBAL
        let name = try pop(), module = try pop()
        guard case .string(let n) = name, case .string(let m) = module else {
          throw invalid("STACK_GLOBAL needs two strings")
        }
        try push(try global(m, n))
      case 0x29: try push(try tuple([]))  // EMPTY_TUPLE
      case 0x85: try push(try tuple([try pop()]))  // TUPLE1
      case 0x86:  // TUPLE2
        let b = try pop(), a = try pop()
        try push(try tuple([a, b]))
      case 0x87:  // TUPLE3
        let c = try pop(), b = try pop(), a = try pop()
        try push(try tuple([a, b, c]))
      case 0x74: try push(try tuple(try popMark()))  // TUPLE
      case 0x5D:  // EMPTY_LIST
        try store(1)
        lists.append([])
        try push(.list(lists.count - 1))
      case 0x7D:  // EMPTY_DICT
        try store(1)
        dicts.append([])
        try push(.dict(dicts.count - 1))
      case 0x61:  // APPEND
        let item = try pop()
        try append([item])
      case 0x65: try append(try popMark())  // APPENDS
      case 0x73:  // SETITEM
        let value = try pop(), key = try pop()
        try setItems([key, value])
      case 0x75: try setItems(try popMark())  // SETITEMS
      case 0x51:  // BINPERSID
        try push(try persistentLoad(try pop()))
      case 0x52:  // REDUCE
        let arguments = try pop(), function = try pop()
        try push(try reduce(function, arguments))
      case 0x62:  // BUILD
        _ = try pop()
        let target = try top()
        guard case .dict = target else { throw invalid("BUILD on a value that is not a dict") }
      default:
        throw invalid("opcode 0x\(String(opcode, radix: 16)) is not read (not used by torch.save for tensors)")
      }
    }
  }

  // MARK: Reading the stream

  /// The next `count` bytes, zero-based.
  private mutating func read(_ count: Int) throws -> [UInt8] {
    guard count >= 0, count <= bytes.count - position else { throw invalid("truncated: the pickle ends early") }
    defer { position += count }
    return Array(bytes[position..<position + count])
  }

  private mutating func little(_ count: Int) throws -> UInt64 {
    var value: UInt64 = 0
    for byte in try read(count).reversed() { value = value << 8 | UInt64(byte) }
    return value
  }

  private mutating func text(_ count: Int, ascii: Bool = false) throws -> String {
    let raw = try read(count)
    guard !ascii || raw.allSatisfy({ $0 < 0x80 }), let string = String(bytes: raw, encoding: .utf8) else {
      throw invalid("a string that is not UTF-8")
    }
    return string
  }

  /// A GLOBAL argument: printable ASCII up to a newline, at most 256 bytes.
  private mutating func line() throws -> String {
    var raw: [UInt8] = []
    while true {
      let byte = try read(1)[0]
      if byte == 0x0A { break }
      guard byte >= 0x20 && byte < 0x7F, raw.count < 256 else { throw invalid("a GLOBAL name that is not a name") }
      raw.append(byte)
    }
    return String(decoding: raw, as: UTF8.self)
  }

  // MARK: The stack and the memo

  private mutating func push(_ value: PickleValue) throws {
    guard stack.count < Self.maxStack else { throw invalid("the stack exceeds \(Self.maxStack) values") }
    stack.append(value)
  }

  /// The values above the innermost MARK (all of them when none is open).
  private var available: Int { stack.count - (marks.last ?? 0) }

  private mutating func pop() throws -> PickleValue {
    guard available > 0 else { throw invalid("stack underflow") }
    return stack.removeLast()
  }

  private func top() throws -> PickleValue {
    guard available > 0 else { throw invalid("stack underflow") }
    return stack[stack.count - 1]
  }

  private mutating func popMark() throws -> [PickleValue] {
    guard let mark = marks.popLast() else { throw invalid("no MARK to pop to") }
    defer { stack.removeSubrange(mark...) }
    return Array(stack[mark...])
  }

  private mutating func memoize(_ index: UInt32) throws {
    guard memo.count < Self.maxMemo || memo[index] != nil else { throw invalid("the memo exceeds \(Self.maxMemo)") }
    memo[index] = try top()
  }

  private mutating func recall(_ index: UInt32) throws {
    guard let value = memo[index] else { throw invalid("memo entry \(index) was never stored") }
    try push(value)
  }

  /// Counts `count` more stored values against `maxStored`.
  private mutating func store(_ count: Int) throws {
    stored += count
    guard stored <= Self.maxStored else { throw invalid("the pickle builds more than \(Self.maxStored) values") }
  }

  private mutating func tuple(_ items: [PickleValue]) throws -> PickleValue {
    try store(1 + items.count)
    tuples.append(items)
    return .tuple(tuples.count - 1)
  }

  private mutating func append(_ items: [PickleValue]) throws {
    let target = try top()
    guard case .list(let index) = target else { throw invalid("APPEND to a value that is not a list") }
    try store(items.count)
    lists[index] += items
  }

  private mutating func setItems(_ items: [PickleValue]) throws {
    guard items.count % 2 == 0 else { throw invalid("SETITEMS with an odd number of values") }
    let target = try top()
    guard case .dict(let index) = target else { throw invalid("SETITEM on a value that is not a dict") }
    try store(items.count)
    for pair in stride(from: 0, to: items.count, by: 2) { dicts[index].append((items[pair], items[pair + 1])) }
  }

  // MARK: Globals and calls

  private func global(_ module: String, _ name: String) throws -> PickleValue {
    let qualified = module + "." + name
    guard Self.functions.contains(qualified) || Self.storageTypes[qualified] != nil else {
      throw TorchCheckpointError.refusedGlobal(file: file, global: qualified)
    }
    return .global(qualified)
  }

  /// `('storage', storage type, key, location, element count)`, as `torch.save`'s `persistent_id` writes it.
  private mutating func persistentLoad(_ id: PickleValue) throws -> PickleValue {
    guard case .tuple(let index) = id, tuples[index].count == 5, tuples[index][0] == .string("storage"),
          case .global(let type) = tuples[index][1], let dtype = Self.storageTypes[type],
          case .string(let key) = tuples[index][2], case .string = tuples[index][3],
          case .int(let count) = tuples[index][4], count >= 0
    else { throw invalid("a persistent id that is not ('storage', type, key, location, count)") }
    if let known = storageIndex[key] {
      guard storages[known].dtype == dtype, storages[known].count == count else {
        throw invalid("storage \(key) is named as \(storages[known].count) \(storages[known].dtype.torchName) "
          + "and as \(count) \(dtype.torchName)")
      }
      return .storage(known)
    }
    try loadStorage(key, dtype, count)
    storages.append(Storage(key: key, dtype: dtype, count: count))
    storageIndex[key] = storages.count - 1
    return .storage(storages.count - 1)
  }

  private mutating func reduce(_ function: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
    guard case .global(let name) = function, Self.functions.contains(name) else {
      throw invalid("REDUCE calls a value that is not an allowed function")
    }
    guard case .tuple(let index) = arguments else { throw invalid("REDUCE with arguments that are not a tuple") }
    let args = tuples[index]
    switch name {
    case "collections.OrderedDict":
      guard args.isEmpty else { throw invalid("OrderedDict called with arguments") }
      try store(1)
      dicts.append([])
      return .dict(dicts.count - 1)
    case "torch.Size":
      guard args.count == 1, case .tuple = args[0] else { throw invalid("torch.Size needs one tuple") }
      _ = try integers(args[0], what: "torch.Size")
      return args[0]
    case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
      let expected = name.hasSuffix("v2") ? 6...7 : 4...4
      guard expected.contains(args.count), case .storage(let storage) = args[0], case .int(let offset) = args[1]
      else { throw invalid("\(name) needs (storage, offset, size, stride, ...)") }
      let shape = try integers(args[2], what: "a tensor's size"), strides = try integers(args[3], what: "a stride")
      guard shape.count == strides.count else { throw invalid("a tensor with \(shape.count) sizes, \(strides.count) strides") }
      guard tensors.count < Self.maxTensors else { throw invalid("more than \(Self.maxTensors) tensors") }
      tensors.append(Tensor(storage: storage, offset: offset, shape: shape, strides: strides))
      return .tensor(tensors.count - 1)
    case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
      let expected = name.hasSuffix("state") ? 4 : 3
      guard args.count == expected, case .tensor = args[0] else { throw invalid("\(name) needs a tensor") }
      return args[0]
    default:
      throw invalid("\(name) cannot be called")
    }
  }

  /// A tuple of integers (a size or a stride), each at least 0, at most `maxDimensions` of them.
  private func integers(_ value: PickleValue, what: String) throws -> [Int] {
    guard case .tuple(let index) = value, tuples[index].count <= Self.maxDimensions else {
      throw invalid("\(what) is not a tuple of at most \(Self.maxDimensions) integers")
    }
    return try tuples[index].map {
      guard case .int(let n) = $0, n >= 0 else { throw invalid("\(what) holds a value that is not an integer ≥ 0") }
      return n
    }
  }
}
