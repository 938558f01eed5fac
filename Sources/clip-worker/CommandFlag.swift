/// One flag of a command line being parsed (`--top-k 5`, `--top-k=5`, `--json`), as the commands' `accept` get it:
/// its name, the value given inline after `=`, and a way to take the value from the next argument.
struct CommandFlag {
  let name: String
  let inlineValue: String?

  /// `--name=value` split at the first `=`; any other argument is a flag without an inline value.
  init(_ argument: String) {
    let (name, inlineValue) = Options.split(argument)
    self.name = name
    self.inlineValue = inlineValue
  }

  /// The flag's value: the inline one, else the next argument (taken from `rest`).
  func value(_ rest: inout ArraySlice<String>) throws(OptionsError) -> String {
    guard let value = inlineValue ?? rest.popFirst() else { throw .missingValue(flag: name) }
    return value
  }

  /// Refuses an inline value given to one of `switches` (flags that take no value: `--json=1`).
  func refuseInlineValue(for switches: Set<String>) throws(OptionsError) {
    if let inlineValue, switches.contains(name) { throw .invalidValue(flag: name, value: inlineValue) }
  }
}
