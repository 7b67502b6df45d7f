// zlib (Debian: zlib1g-dev), for gzip-compressed data files.
#include <zlib.h>
