import CBLAS

extension Tensor {
    /// The eigenvalues, ascending, of a symmetric matrix `[n, n]` (its upper triangle is read), computed in double
    /// precision by LAPACK's `dsyevd`.
    public func symmetricEigenvalues() throws -> [Double] {
        guard rank == 2, shape[0] == shape[1] else {
            throw TensorError("symmetricEigenvalues", "needs a square matrix, got shape \(shape)")
        }
        return try Tensor.symmetricEigenvalues(scalars.map(Double.init), n: shape[0])
    }

    /// The eigenvalues, ascending, of the symmetric `n x n` matrix `matrix` (row-major; its upper triangle is read).
    public static func symmetricEigenvalues(_ matrix: [Double], n: Int) throws -> [Double] {
        try symmetricEigensystem(matrix, n: n, vectors: false).values
    }

    /// The eigenvalues, ascending, of the symmetric `n x n` matrix `matrix` (row-major, both triangles filled) and,
    /// when `vectors`, the eigenvectors: row `j` of `vectors` (`n x n`, row-major) belongs to value `j`.
    public static func symmetricEigensystem(_ matrix: [Double], n: Int, vectors: Bool) throws -> (
        values: [Double], vectors: [Double]
    ) {
        guard matrix.count == n * n, n < Int(Int32.max) else {
            throw TensorError("symmetricEigenvalues", "\(matrix.count) values do not make a \(n)x\(n) matrix")
        }
        guard n > 0 else { return ([], []) }
        // LAPACK reads column-major: a symmetric matrix is its own transpose, so the row-major data serves, and
        // the eigenvectors it writes as columns are rows of the row-major result.
        var a = matrix
        let job = vectors ? "V" : "N"
        var order = Int32(n)
        var lda = order
        var w = [Double](repeating: 0, count: n)
        var info: Int32 = 0
        var query = [0.0]
        var iquery: [Int32] = [0]
        var lwork: Int32 = -1
        var liwork: Int32 = -1
        dsyevd_(job, "U", &order, &a, &lda, &w, &query, &lwork, &iquery, &liwork, &info, 1, 1)
        guard info == 0 else { throw TensorError("symmetricEigenvalues", "LAPACK's workspace query failed (\(info))") }
        lwork = Int32(query[0])
        liwork = iquery[0]
        var work = [Double](repeating: 0, count: Int(Swift.max(lwork, 1)))
        var iwork = [Int32](repeating: 0, count: Int(Swift.max(liwork, 1)))
        dsyevd_(job, "U", &order, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else { throw TensorError("symmetricEigenvalues", "LAPACK did not converge (\(info))") }
        return (w, vectors ? a : [])
    }
}
