#if CLIP_WORKER_VNNI
import Swift

/// A tile's row count as a type: each tile kernel specialization has it as a constant and its `rows > r` tests fold
/// away (with `rows` an argument the compiler kept some row counts' loops generic, tests inside). Shared by the
/// int8 and the F32 tile kernels.
protocol TileRows { static var count: Int { get } }
enum Rows1: TileRows { static var count: Int { 1 } }
enum Rows2: TileRows { static var count: Int { 2 } }
enum Rows3: TileRows { static var count: Int { 3 } }
enum Rows4: TileRows { static var count: Int { 4 } }
enum Rows5: TileRows { static var count: Int { 5 } }
enum Rows6: TileRows { static var count: Int { 6 } }
enum Rows7: TileRows { static var count: Int { 7 } }
enum Rows8: TileRows { static var count: Int { 8 } }
#endif
