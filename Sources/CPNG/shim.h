// libpng 1.6's simplified API (Debian: libpng-dev).
#include <png.h>

// The format codes as constants Swift can import (the macros are composed of flags).
static const unsigned int moco_png_format_rgb = PNG_FORMAT_RGB;
static const unsigned int moco_png_format_gray = PNG_FORMAT_GRAY;
static const unsigned int moco_png_image_version = PNG_IMAGE_VERSION;
