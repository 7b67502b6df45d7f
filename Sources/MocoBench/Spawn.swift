import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A finished child process: its exit status, its standard output, and its peak resident memory
/// as the kernel counts it (`ru_maxrss` from `wait4`, which takes in the children it waited for).
struct Spawned {
    let status: Int32
    let output: Data
    let peakMiB: Double

    /// The output as one number (what the child modes print), or nil.
    var number: Double? {
        Double(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Runs `path` with `arguments` (standard error inherited, standard output captured, this process's environment with
/// `environment` on top) and waits for it, so that its peak memory is measured apart from the benchmark's own.
func spawn(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Spawned {
    var pipe: [Int32] = [0, 0]
    guard Glibc.pipe(&pipe) == 0 else { throw BenchFailure("pipe: \(String(cString: strerror(errno)))") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipe[0])
    posix_spawn_file_actions_addclose(&actions, pipe[1])
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    let settings = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let envp = settings.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for e in envp { free(e) } }
    var pid: pid_t = 0
    let started = posix_spawn(&pid, path, &actions, nil, argv, envp)
    close(pipe[1])
    guard started == 0 else {
        close(pipe[0])
        throw BenchFailure("cannot start \(path): \(String(cString: strerror(started)))")
    }
    let output = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true).readDataToEndOfFile()
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    // The exit code when it exited (WIFEXITED), 128 + the signal when a signal ended it.
    let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
    return Spawned(status: code, output: output, peakMiB: Double(usage.ru_maxrss) / 1024)
}

/// Runs this benchmark binary again with `arguments` (a child mode of main.swift), through `spawn`.
func spawnSelf(_ arguments: [String], environment: [String: String] = [:]) throws -> Spawned {
    try spawn(
        URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path, arguments, environment: environment)
}
