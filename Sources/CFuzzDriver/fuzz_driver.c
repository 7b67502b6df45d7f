#include "fuzz_driver.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const uint8_t *current_data;
static size_t current_size;
static char crash_path[4096];

void moco_fuzz_set_current(const uint8_t *data, size_t size) {
    current_data = data;
    current_size = size;
}

/* Only async-signal-safe calls: open, write, close, then the default action again. */
static void write_crash(int sig) {
    int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        size_t done = 0;
        while (done < current_size) {
            ssize_t n = write(fd, current_data + done, current_size - done);
            if (n <= 0) break;
            done += (size_t)n;
        }
        close(fd);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void moco_fuzz_write_crashes_to(const char *path) {
    strncpy(crash_path, path, sizeof crash_path - 1);
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], write_crash);
}

#ifdef MOCO_LIBFUZZER
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

/* libFuzzer's own main() refers to this symbol; moco-fuzz has its own main and passes its
   harness to LLVMFuzzerRunDriver instead, so this is never called. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)data;
    (void)size;
    return 0;
}

int moco_fuzz_has_libfuzzer(void) { return 1; }

int moco_fuzz_run_libfuzzer(int *argc, char ***argv, moco_fuzz_callback callback) {
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
#else
int moco_fuzz_has_libfuzzer(void) { return 0; }

int moco_fuzz_run_libfuzzer(int *argc, char ***argv, moco_fuzz_callback callback) {
    (void)argc;
    (void)argv;
    (void)callback;
    return -1;
}
#endif
