#include "jpeg_decoder.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/// libjpeg's error manager extended with the jump back into `moco_jpeg_decode` and the
/// caller's message buffer.
struct moco_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t capacity;
};

static void moco_jpeg_fail(j_common_ptr cinfo) {
    struct moco_jpeg_error *err = (struct moco_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (err->capacity > 0) snprintf(err->message, err->capacity, "%s", text);
    longjmp(err->jump, 1);
}

/// Level -1 is a warning (premature end of data, corrupt entropy data): refuse the file.
/// Higher levels are trace messages, ignored.
static void moco_jpeg_message(j_common_ptr cinfo, int level) {
    if (level < 0) moco_jpeg_fail(cinfo);
}

/* (a * b) / 255 rounded, as PIL's MULDIV255. */
static unsigned muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

/* One row of CMYK (inverted, as Photoshop writes it, when the file has the Adobe marker) to RGB as PIL's
   cmyk2rgb, or to luma as PIL's RGB to L. */
static void moco_cmyk_to_rgb(const unsigned char *in, unsigned char *out, unsigned width, int inverted, int gray) {
    for (unsigned x = 0; x < width; x++) {
        unsigned v[4];
        for (int c = 0; c < 4; c++) v[c] = inverted ? 255u - in[4 * x + c] : in[4 * x + c];
        unsigned nk = 255u - v[3];
        unsigned rgb[3];
        for (int c = 0; c < 3; c++) rgb[c] = nk - muldiv255(v[c], nk);
        if (gray) {
            out[x] = (unsigned char)((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
        } else {
            for (int c = 0; c < 3; c++) out[3 * x + c] = (unsigned char)rgb[c];
        }
    }
}

int moco_jpeg_decode(const unsigned char *data, size_t size, int gray, unsigned char **pixels,
                     int *width, int *height, char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    struct moco_jpeg_error err;
    unsigned char *volatile out = NULL;
    unsigned char *volatile cmyk_row = NULL;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = moco_jpeg_fail;
    err.base.emit_message = moco_jpeg_message;
    err.message = message;
    err.capacity = message_capacity;
    if (message_capacity > 0) message[0] = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(cmyk_row);
        free(out);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((unsigned long long)cinfo.image_width * cinfo.image_height > 100000000ULL) {
        snprintf(message, message_capacity, "the header claims %ux%u pixels, more than the limit of 100 megapixels",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    /* libjpeg does not convert CMYK (or YCCK, decoded to CMYK) to RGB: convert each row as PIL does. */
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : (gray ? JCS_GRAYSCALE : JCS_RGB);
    jpeg_start_decompress(&cinfo);
    int components = gray ? 1 : 3;
    size_t stride = (size_t)cinfo.output_width * (size_t)components;
    out = malloc(stride * cinfo.output_height);
    cmyk_row = cmyk ? malloc((size_t)cinfo.output_width * 4) : NULL;
    if (out == NULL || (cmyk && cmyk_row == NULL)) {
        if (message_capacity > 0) snprintf(message, message_capacity, "out of memory");
        free(cmyk_row);
        jpeg_destroy_decompress(&cinfo);
        free(out);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
        if (!cmyk) {
            jpeg_read_scanlines(&cinfo, &row, 1);
            continue;
        }
        JSAMPROW source = cmyk_row;
        jpeg_read_scanlines(&cinfo, &source, 1);
        moco_cmyk_to_rgb(cmyk_row, row, cinfo.output_width, cinfo.saw_Adobe_marker, gray);
    }
    free(cmyk_row);
    cmyk_row = NULL;
    jpeg_finish_decompress(&cinfo);
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    *pixels = out;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

void moco_jpeg_free(unsigned char *pixels) { free(pixels); }
