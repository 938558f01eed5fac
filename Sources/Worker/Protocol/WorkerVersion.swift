/// The server's name and version, as `initialize` and `--version` report them; the version is protocol/openrpc.json's
/// `info.version`, the one place it is written.
public enum WorkerVersion {
  public static let name = "clip-worker"
  public static let current = OpenRPCDocument.version
}
