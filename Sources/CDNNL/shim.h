// oneDNN 2.6 C API (Debian: libdnnl-dev), plus small inline helpers that turn
// pointer-and-count arguments into oneDNN's fixed-size dims arrays, which Swift
// would otherwise see as 12-element tuples.
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>

// oneDNN on Debian is built with OpenMP (libgomp). The engine sets its thread count and
// runs its own parallel loops on the same OpenMP team, so the two never compete for cores.
extern void omp_set_num_threads(int n);
extern int omp_get_max_threads(void);
extern int omp_get_thread_num(void);
// libgomp's entry for `#pragma omp parallel num_threads(n)`: runs fn(data) on n threads.
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned int flags);

static inline void moco_dims_copy(dnnl_dims_t out, int n, const int64_t *in) {
    for (int i = 0; i < n; i++) out[i] = in[i];
}

static inline dnnl_status_t moco_md_init(dnnl_memory_desc_t *md, int ndims,
        const int64_t *dims, dnnl_format_tag_t tag) {
    dnnl_dims_t d;
    moco_dims_copy(d, ndims, dims);
    return dnnl_memory_desc_init_by_tag(md, ndims, d, dnnl_f32, tag);
}

static inline dnnl_status_t moco_conv_forward_init(dnnl_convolution_desc_t *desc,
        const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *weights,
        const dnnl_memory_desc_t *bias, const dnnl_memory_desc_t *dst,
        const int64_t *strides, const int64_t *dilates,
        const int64_t *pad_l, const int64_t *pad_r) {
    dnnl_dims_t s, d, l, r;
    moco_dims_copy(s, 2, strides); moco_dims_copy(d, 2, dilates);
    moco_dims_copy(l, 2, pad_l); moco_dims_copy(r, 2, pad_r);
    return dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training,
            dnnl_convolution_direct, src, weights, bias, dst, s, d, l, r);
}

static inline dnnl_status_t moco_conv_backward_data_init(dnnl_convolution_desc_t *desc,
        const dnnl_memory_desc_t *diff_src, const dnnl_memory_desc_t *weights,
        const dnnl_memory_desc_t *diff_dst,
        const int64_t *strides, const int64_t *dilates,
        const int64_t *pad_l, const int64_t *pad_r) {
    dnnl_dims_t s, d, l, r;
    moco_dims_copy(s, 2, strides); moco_dims_copy(d, 2, dilates);
    moco_dims_copy(l, 2, pad_l); moco_dims_copy(r, 2, pad_r);
    return dnnl_dilated_convolution_backward_data_desc_init(desc,
            dnnl_convolution_direct, diff_src, weights, diff_dst, s, d, l, r);
}

static inline dnnl_status_t moco_conv_backward_weights_init(dnnl_convolution_desc_t *desc,
        const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *diff_weights,
        const dnnl_memory_desc_t *diff_bias, const dnnl_memory_desc_t *diff_dst,
        const int64_t *strides, const int64_t *dilates,
        const int64_t *pad_l, const int64_t *pad_r) {
    dnnl_dims_t s, d, l, r;
    moco_dims_copy(s, 2, strides); moco_dims_copy(d, 2, dilates);
    moco_dims_copy(l, 2, pad_l); moco_dims_copy(r, 2, pad_r);
    return dnnl_dilated_convolution_backward_weights_desc_init(desc,
            dnnl_convolution_direct, src, diff_weights, diff_bias, diff_dst, s, d, l, r);
}
