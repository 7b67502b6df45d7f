"""The t-SNE references of `moco-bench tsne`: scikit-learn and openTSNE on the same points.

Usage: tsne_ref.py POINTS.f32 N D OUTDIR [METHODS]
Reads N x D float32 values (row-major), runs scikit-learn's Barnes-Hut t-SNE (1,000 iterations,
"sklearn-bh") and openTSNE with Barnes-Hut and with FFT interpolation (250 exaggerated + 750
iterations, "opentsne-bh", "opentsne-fft"), all with perplexity 30, PCA initialisation and
MOCO_THREADS threads (default: all cores); METHODS, comma-separated, picks some (default: all).
For each, writes the embedding to OUTDIR/NAME.f64 (float64, N x 2) and prints "NAME SECONDS KL".
"""
import os
import sys
import time

import numpy as np


def main():
    path, n, d, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    methods = (sys.argv[5] if len(sys.argv) > 5 else "sklearn-bh,opentsne-bh,opentsne-fft").split(",")
    x = np.fromfile(path, dtype=np.float32).reshape(n, d)
    threads = int(os.environ.get("MOCO_THREADS", os.cpu_count()))

    def record(name, seconds, embedding, kl):
        np.ascontiguousarray(embedding, dtype=np.float64).tofile(os.path.join(out, name + ".f64"))
        print(f"{name} {seconds:.4f} {kl:.6f}", flush=True)

    if "sklearn-bh" in methods:
        from sklearn.manifold import TSNE as SkTSNE

        start = time.perf_counter()
        sk = SkTSNE(n_components=2, perplexity=30, init="pca", learning_rate="auto", max_iter=1000,
                    method="barnes_hut", angle=0.5, n_jobs=threads, random_state=0)
        y = sk.fit_transform(x)
        record("sklearn-bh", time.perf_counter() - start, y, sk.kl_divergence_)

    import openTSNE

    for method in ("bh", "fft"):
        if "opentsne-" + method not in methods:
            continue
        start = time.perf_counter()
        emb = openTSNE.TSNE(perplexity=30, initialization="pca", negative_gradient_method=method,
                            n_iter=750, early_exaggeration_iter=250, n_jobs=threads,
                            random_state=0).fit(x)
        record("opentsne-" + method, time.perf_counter() - start, np.asarray(emb), emb.kl_divergence)


if __name__ == "__main__":
    main()
