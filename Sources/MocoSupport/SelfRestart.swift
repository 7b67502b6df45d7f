import Foundation

/// Starting this program again in place (the same process, executable and arguments) with a changed environment: the
/// way to change a setting that a library reads only when the process loads it.
public enum SelfRestart {
    /// Sets `set` and removes `unset` in the environment, then replaces this process with a new start of its own
    /// executable and arguments. Returns only when that fails, with the reason, the environment as it was.
    public static func exec(setting set: [String: String] = [:], unsetting unset: [String] = []) -> String {
        let before = ProcessInfo.processInfo.environment
        for (key, value) in set { setenv(key, value, 1) }
        for key in unset { unsetenv(key) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        for key in Set(set.keys).union(unset) {
            if let value = before[key] { setenv(key, value, 1) } else { unsetenv(key) }
        }
        return reason
    }
}
