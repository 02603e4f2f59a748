// Built with libFuzzer by scripts/fuzz.sh (`-sanitize=fuzzer -parse-as-library -DFUZZING`), libFuzzer's `main`
// drives `LLVMFuzzerTestOneInput` (in ChangeSetTarget.swift). Built normally, this is the program: it replays the files
// and folders given as arguments (the seed corpus, crash reproducers) through the same function, so a crash once
// found stays a regression test (scripts/test.sh replays Fuzz/corpus/).
#if !FUZZING
import FuzzSupport

@main
struct Replay {
    static func main() {
        FuzzReplay.run(arguments: CommandLine.arguments, target: ChangeSetTarget.run)
    }
}
#endif
