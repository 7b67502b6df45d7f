#ifndef MOCO_FUZZ_DRIVER_H
#define MOCO_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// One input for the harness chosen by the caller; returns 0.
typedef int (*moco_fuzz_callback)(const uint8_t *data, size_t size);

/// Whether this build links libFuzzer (scripts/fuzz builds with -DMOCO_LIBFUZZER).
int moco_fuzz_has_libfuzzer(void);

/// Hands argc/argv (libFuzzer's flags and corpus folders) and the callback to libFuzzer's
/// LLVMFuzzerRunDriver; returns its status, or -1 in a build without libFuzzer.
int moco_fuzz_run_libfuzzer(int *argc, char ***argv, moco_fuzz_callback callback);

/// For the bounded fuzzer: the input being tried now (the caller keeps it alive until the next call).
void moco_fuzz_set_current(const uint8_t *data, size_t size);

/// Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT and SIGTRAP that write the
/// current input to `path` (copied) and then let the signal end the process as before.
void moco_fuzz_write_crashes_to(const char *path);

#endif
