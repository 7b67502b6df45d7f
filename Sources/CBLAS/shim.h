// OpenBLAS's CBLAS interface (Debian: libopenblas-dev).
#include <cblas.h>
#include <stddef.h>

// LAPACK's divide-and-conquer symmetric eigensolver, which OpenBLAS carries; the two trailing
// arguments are the lengths of the character arguments that gfortran passes hidden.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_length, size_t uplo_length);
