// libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev); errors come back as codes,
// never through longjmp.
#include <turbojpeg.h>
