import Foundation

/// Replays fuzz inputs without libFuzzer: each argument is a file, or a folder whose files are all replayed.
public enum FuzzReplay {
    public static func run(arguments: [String], target: ([UInt8]) -> Void) {
        var count = 0
        let fm = FileManager.default
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("no such file or folder: \(path)\n".utf8))
                exit(2)
            }
            let files =
                isDirectory.boolValue
                ? ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                guard let data = fm.contents(atPath: file) else { continue }
                target(Array(data))
                count += 1
            }
        }
        print("replayed \(count) input(s) without a crash")
    }
}
