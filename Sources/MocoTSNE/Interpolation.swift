import CFFTW
import Foundation
import MocoTensor

/// t-SNE's repulsion by FFT-accelerated interpolation (FIt-SNE; Linderman, Rachh, Hoskins,
/// Steinerberger and Kluger, Nature Methods 2019), O(N) per iteration.
///
/// With `w_ij = 1 / (1 + |y_i - y_j|²)`, both the repulsive force `Σ_j w_ij² (y_i - y_j)` and
/// the normaliser `Z = Σ_{i≠j} w_ij = Σ_{i≠j} w_ij² (1 + |y_i|² - 2 y_i·y_j + |y_j|²)` are sums
/// of the smooth kernel `w²` against four charges per point, `1, y_x, y_y, |y|²`. The square
/// holding the embedding is cut into boxes of width about `boxWidth` (at least `minimumBoxes`
/// per side); inside each box the kernel's sums are interpolated by Lagrange polynomials
/// through `nodesPerBox` equispaced nodes per side. The charges are spread onto the uniform grid
/// of all nodes, the grid is convolved with the kernel (a Toeplitz product, done as a circular
/// convolution of twice the size by FFTW's real 2-D transforms), and the result is interpolated
/// back to the points. openTSNE's and FIt-SNE's defaults: 3 nodes per box, at least 50 boxes,
/// boxes of width 1.
///
/// Deterministic: FFTW plans are made with `FFTW_ESTIMATE` (no timing), and every sum is split
/// the same way for a given thread count.
final class Interpolation {
    let nodesPerBox: Int
    let minimumBoxes: Int
    let boxWidth: Double

    /// The transforms for one grid size, remade when the embedding outgrows it.
    private var plans: Plans?

    init(nodesPerBox: Int = 3, minimumBoxes: Int = 50, boxWidth: Double = 1) {
        precondition(nodesPerBox >= 1 && minimumBoxes >= 1 && boxWidth > 0)
        (self.nodesPerBox, self.minimumBoxes, self.boxWidth) = (nodesPerBox, minimumBoxes, boxWidth)
    }

    /// The number of charges per point: 1, y_x, y_y and |y|².
    private static let terms = 4

    /// Repulsive forces `Σ_j w_ij² (y_i - y_j)` into `force` and each point's share of the
    /// normaliser, `Σ_{j≠i} w_ij`, into `z`: the contract of `QuadTree.repulsion`.
    func repulsion(
        _ y: UnsafeBufferPointer<Double>, count n: Int,
        force: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>
    ) {
        var low = Double.infinity
        var high = -Double.infinity
        for t in 0..<(2 * n) {
            low = min(low, y[t])
            high = max(high, y[t])
        }
        let boxes = Self.smooth(max(minimumBoxes, Int(((high - low) / boxWidth).rounded(.up))))
        let side = max(high - low, .leastNormalMagnitude) / Double(boxes)
        let p = nodesPerBox
        let m = boxes * p
        if plans?.nodes != m { plans = Plans(nodes: m) }
        let plans = plans!

        // Each point's box and its Lagrange weights per axis.
        let box = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * n)
        let weight = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n * p)
        defer {
            box.deallocate()
            weight.deallocate()
        }
        let spacing = (0..<p).map { (Double($0) + 0.5) / Double(p) }
        let denominators = (0..<p).map { k in
            (0..<p).reduce(1.0) { $1 == k ? $0 : $0 * (spacing[k] - spacing[$1]) }
        }
        Threads.parallelFor(2 * n, minChunk: 4_096) { range in
            for t in range {
                let b = min(Int((y[t] - low) / side), boxes - 1)
                box[t] = Int32(b)
                let u = (y[t] - low) / side - Double(b)
                for k in 0..<p {
                    var v = 1.0
                    for l in 0..<p where l != k { v *= u - spacing[l] }
                    weight[t * p + k] = v / denominators[k]
                }
            }
        }

        plans.setKernel(spacing: side / Double(p))
        // Spread each charge onto its grid (one term per task: no two tasks write one grid).
        Threads.parallelFor(Self.terms) { range in
            for term in range {
                let grid = plans.grids[term]
                grid.initialize(repeating: 0, count: plans.size * plans.size)
                for i in 0..<n {
                    let q = Self.charge(term, y[2 * i], y[2 * i + 1])
                    let bx = Int(box[2 * i]) * p
                    let by = Int(box[2 * i + 1]) * p
                    for a in 0..<p {
                        let row = grid + (bx + a) * plans.size + by
                        let wa = q * weight[2 * i * p + a]
                        for b in 0..<p { row[b] += wa * weight[(2 * i + 1) * p + b] }
                    }
                }
                plans.convolve(term)
            }
        }
        // Interpolate the four potentials back to the points and combine them.
        Threads.parallelFor(n, minChunk: 1_024) { range in
            var phi = [Double](repeating: 0, count: Self.terms)
            for i in range {
                let bx = Int(box[2 * i]) * p
                let by = Int(box[2 * i + 1]) * p
                for term in 0..<Self.terms {
                    var s = 0.0
                    for a in 0..<p {
                        let row = plans.grids[term] + (bx + a) * plans.size + by
                        let wa = weight[2 * i * p + a]
                        for b in 0..<p { s += wa * weight[(2 * i + 1) * p + b] * row[b] }
                    }
                    phi[term] = s
                }
                let (yx, yy) = (y[2 * i], y[2 * i + 1])
                force[2 * i] = yx * phi[0] - phi[1]
                force[2 * i + 1] = yy * phi[0] - phi[2]
                // The sums include j = i, whose w² is 1: it adds 1 to z and nothing to the force.
                z[i] = (1 + yx * yx + yy * yy) * phi[0] - 2 * (yx * phi[1] + yy * phi[2]) + phi[3] - 1
            }
        }
    }

    @inline(__always)
    private static func charge(_ term: Int, _ x: Double, _ y: Double) -> Double {
        switch term {
        case 0: return 1
        case 1: return x
        case 2: return y
        default: return x * x + y * y
        }
    }

    /// The least number of boxes at least `n` whose transforms FFTW does fast: no prime factor
    /// above 7.
    static func smooth(_ n: Int) -> Int {
        var candidate = max(1, n)
        while true {
            var r = candidate
            for f in [2, 3, 5, 7] { while r % f == 0 { r /= f } }
            if r == 1 { return candidate }
            candidate += 1
        }
    }

    /// FFTW's planner is not thread-safe: plans are made and destroyed under this lock.
    fileprivate static let planner = NSLock()

    /// The grids and transforms for `nodes` interpolation nodes per side: circular
    /// convolutions of size `2 * nodes` (the grid padded with zeros, so that the circular
    /// product equals the linear one on the grid).
    fileprivate final class Plans {
        let nodes: Int
        let size: Int
        /// One real grid per charge (`size * size`, row-major; the nodes fill the top-left corner).
        let grids: [UnsafeMutablePointer<Double>]
        /// Their transforms, `size * (size / 2 + 1)` complex values each.
        let spectra: [UnsafeMutablePointer<fftw_complex>]
        let kernel: UnsafeMutablePointer<Double>
        let kernelSpectrum: UnsafeMutablePointer<fftw_complex>
        let forward: fftw_plan
        let backward: fftw_plan

        init(nodes: Int) {
            self.nodes = nodes
            size = 2 * nodes
            let real = size * size
            let complex = size * (size / 2 + 1)
            grids = (0..<Interpolation.terms).map { _ in fftw_alloc_real(real)! }
            spectra = (0..<Interpolation.terms).map { _ in fftw_alloc_complex(complex)! }
            let (kernel, kernelSpectrum) = (fftw_alloc_real(real)!, fftw_alloc_complex(complex)!)
            (self.kernel, self.kernelSpectrum) = (kernel, kernelSpectrum)
            let n = Int32(size)
            (forward, backward) = Interpolation.planner.withLock {
                (
                    fftw_plan_dft_r2c_2d(n, n, kernel, kernelSpectrum, UInt32(FFTW_ESTIMATE) | Arithmetic.fftwFlags)!,
                    fftw_plan_dft_c2r_2d(n, n, kernelSpectrum, kernel, UInt32(FFTW_ESTIMATE) | Arithmetic.fftwFlags)!
                )
            }
        }

        deinit {
            Interpolation.planner.withLock {
                fftw_destroy_plan(forward)
                fftw_destroy_plan(backward)
            }
            for g in grids { fftw_free(g) }
            for s in spectra { fftw_free(s) }
            fftw_free(kernel)
            fftw_free(kernelSpectrum)
        }

        /// The kernel `1 / (1 + r²)²` at every circular offset of nodes `spacing` apart, and its
        /// transform divided by `size²` (FFTW's transforms are unnormalised).
        func setKernel(spacing h: Double) {
            let (size, nodes) = (self.size, self.nodes)
            let kernel = self.kernel
            Threads.parallelFor(size, minChunk: 64) { rows in
                for a in rows {
                    let da = Double(a < nodes ? a : a - size) * h
                    for b in 0..<size {
                        let db = Double(b < nodes ? b : b - size) * h
                        let w = 1 / (1 + da * da + db * db)
                        kernel[a * size + b] = w * w
                    }
                }
            }
            fftw_execute_dft_r2c(forward, kernel, kernelSpectrum)
            let scale = 1 / Double(size * size)
            let values = UnsafeMutableRawPointer(kernelSpectrum).assumingMemoryBound(to: Double.self)
            for t in 0..<(2 * size * (size / 2 + 1)) { values[t] *= scale }
        }

        /// Grid `term` convolved with the kernel, in place (its top-left `nodes x nodes` corner).
        func convolve(_ term: Int) {
            fftw_execute_dft_r2c(forward, grids[term], spectra[term])
            let s = UnsafeMutableRawPointer(spectra[term]).assumingMemoryBound(to: Double.self)
            let k = UnsafeRawPointer(kernelSpectrum).assumingMemoryBound(to: Double.self)
            for t in 0..<(size * (size / 2 + 1)) {
                let (re, im) = (s[2 * t], s[2 * t + 1])
                s[2 * t] = re * k[2 * t] - im * k[2 * t + 1]
                s[2 * t + 1] = re * k[2 * t + 1] + im * k[2 * t]
            }
            fftw_execute_dft_c2r(backward, spectra[term], grids[term])
        }
    }
}
