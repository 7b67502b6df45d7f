// FFTW 3, double precision (Debian: libfftw3-dev): the real 2-D transforms of t-SNE's
// FFT-accelerated interpolation.
#include <fftw3.h>
