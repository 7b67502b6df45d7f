#ifndef MOCO_JPEG_DECODER_H
#define MOCO_JPEG_DECODER_H

#include <stddef.h>

/// Decodes the JPEG file `data` (`size` bytes) with libjpeg-turbo's libjpeg API
/// (Debian: libjpeg62-turbo-dev) to 8-bit RGB, or gray when `gray` is non-zero.
///
/// On success returns 0 and sets `*pixels` (rows top to bottom, free with
/// `moco_jpeg_free`), `*width` and `*height`. On failure returns -1 and writes
/// libjpeg's message into `message`. Warnings (a truncated file, corrupt data) count as
/// failures, so a damaged file is refused rather than decoded with gray filler. libjpeg's
/// error path (longjmp) never leaves this C function.
int moco_jpeg_decode(const unsigned char *data, size_t size, int gray, unsigned char **pixels,
                     int *width, int *height, char *message, size_t message_capacity);

/// Frees pixels returned by `moco_jpeg_decode`.
void moco_jpeg_free(unsigned char *pixels);

#endif
