import MocoTensor

/// A quadtree over 2-D points for the Barnes-Hut approximation of t-SNE's repulsive
/// forces: a cell seen from a point at distance `r` with width `w < theta r` acts as one
/// body of its total count at its centre of mass.
///
/// Built top-down by partitioning an index array into quadrants; nodes live in one flat
/// array. A cell becomes a leaf at one point, or with several points once it is too small
/// to split (duplicates). Points are visited in the tree's order, so consecutive points
/// walk nearly the same nodes.
struct QuadTree {
    struct Node {
        var x = 0.0, y = 0.0
        /// The cell's squared width divided by theta²: summarise when below the squared distance.
        var openBelow = 0.0
        var centerX, centerY, half: Double
        var mass: Int32 = 0
        /// First of four consecutive children, or -1 for a leaf.
        var child: Int32 = -1
        /// A leaf's points are `order[start..<start + mass]`.
        var start: Int32 = 0
    }

    private(set) var nodes: [Node] = []
    private(set) var order: [Int32]
    static let maxDepth = 48

    init(_ y: UnsafeBufferPointer<Double>, count n: Int, theta: Double) {
        order = (0..<Int32(n)).map { $0 }
        var minX = Double.infinity
        var maxX = -Double.infinity
        var minY = Double.infinity
        var maxY = -Double.infinity
        for i in 0..<n {
            minX = min(minX, y[2 * i])
            maxX = max(maxX, y[2 * i])
            minY = min(minY, y[2 * i + 1])
            maxY = max(maxY, y[2 * i + 1])
        }
        let half = max(maxX - minX, maxY - minY) / 2 * (1 + 1e-9) + 1e-12
        nodes.reserveCapacity(3 * n)
        nodes.append(Node(centerX: (minX + maxX) / 2, centerY: (minY + maxY) / 2, half: half))
        let inverseTheta2 = theta > 0 ? 1 / (theta * theta) : .infinity
        var indices = order
        indices.withUnsafeMutableBufferPointer { indices in
            build(node: 0, start: 0, end: n, level: 0, inverseTheta2, y, indices)
        }
        order = indices
    }

    private mutating func build(
        node: Int, start: Int, end: Int, level: Int, _ inverseTheta2: Double,
        _ y: UnsafeBufferPointer<Double>, _ order: UnsafeMutableBufferPointer<Int32>
    ) {
        var sx = 0.0
        var sy = 0.0
        for r in start..<end {
            let p = Int(order[r])
            sx += y[2 * p]
            sy += y[2 * p + 1]
        }
        let count = end - start
        let cx = nodes[node].centerX
        let cy = nodes[node].centerY
        let half = nodes[node].half
        nodes[node].mass = Int32(count)
        nodes[node].openBelow = 4 * half * half * inverseTheta2
        if count > 0 { (nodes[node].x, nodes[node].y) = (sx / Double(count), sy / Double(count)) }
        if count <= 1 || level >= Self.maxDepth || half < 1e-12 {
            nodes[node].start = Int32(start)
            return
        }
        // Partition into quadrants 0 (x<, y<), 1 (x>=, y<), 2 (x<, y>=), 3 (x>=, y>=).
        @inline(__always) func quadrant(_ p: Int32) -> Int {
            (y[2 * Int(p)] >= cx ? 1 : 0) + (y[2 * Int(p) + 1] >= cy ? 2 : 0)
        }
        var c0 = 0
        var c1 = 0
        var c2 = 0
        for r in start..<end {
            switch quadrant(order[r]) {
            case 0: c0 += 1
            case 1: c1 += 1
            case 2: c2 += 1
            default: break
            }
        }
        let b1 = start + c0
        let b2 = b1 + c1
        let b3 = b2 + c2
        var next = (start, b1, b2, b3)
        let ends = (b1, b2, b3, end)
        func cursor(_ q: Int) -> Int { q == 0 ? next.0 : q == 1 ? next.1 : q == 2 ? next.2 : next.3 }
        func advance(_ q: Int) {
            switch q {
            case 0: next.0 += 1
            case 1: next.1 += 1
            case 2: next.2 += 1
            default: next.3 += 1
            }
        }
        for q in 0..<3 {
            let limit = q == 0 ? ends.0 : q == 1 ? ends.1 : ends.2
            while cursor(q) < limit {
                let target = quadrant(order[cursor(q)])
                if target != q { order.swapAt(cursor(q), cursor(target)) }
                advance(target)
            }
        }
        let h = half / 2
        let first = nodes.count
        nodes[node].child = Int32(first)
        for q in 0..<4 {
            nodes.append(Node(centerX: cx + (q & 1 == 1 ? h : -h), centerY: cy + (q & 2 == 2 ? h : -h), half: h))
        }
        let bounds = (start, b1, b2, b3, end)
        build(node: first, start: bounds.0, end: bounds.1, level: level + 1, inverseTheta2, y, order)
        build(node: first + 1, start: bounds.1, end: bounds.2, level: level + 1, inverseTheta2, y, order)
        build(node: first + 2, start: bounds.2, end: bounds.3, level: level + 1, inverseTheta2, y, order)
        build(node: first + 3, start: bounds.3, end: bounds.4, level: level + 1, inverseTheta2, y, order)
    }

    /// Barnes-Hut repulsion: for each point i, writes `Σ_j w_ij² (y_i - y_j)` (w = 1/(1+d²))
    /// to `force` and `Σ_j w_ij` to `z[i]`, in parallel over points (in tree order).
    func repulsion(
        _ y: UnsafeBufferPointer<Double>, count n: Int,
        force: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>
    ) {
        nodes.withUnsafeBufferPointer { nodes in
            order.withUnsafeBufferPointer { order in
                Threads.parallelFor(n, minChunk: 256) { range in
                    let stack = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * (Self.maxDepth + 2))
                    defer { stack.deallocate() }
                    for t in range {
                        let i = Int(order[t])
                        let yx = y[2 * i]
                        let yy = y[2 * i + 1]
                        var fx = 0.0
                        var fy = 0.0
                        var zi = 0.0
                        stack[0] = 0
                        var top = 1
                        while top > 0 {
                            top -= 1
                            let node = nodes[Int(stack[top])]
                            if node.mass == 0 { continue }
                            if node.child < 0 {
                                let s = Int(node.start)
                                for r in s..<(s + Int(node.mass)) {
                                    let p = Int(order[r])
                                    if p == i { continue }
                                    let dx = yx - y[2 * p]
                                    let dy = yy - y[2 * p + 1]
                                    let w = 1 / (1 + dx * dx + dy * dy)
                                    zi += w
                                    fx += w * w * dx
                                    fy += w * w * dy
                                }
                                continue
                            }
                            let dx = yx - node.x
                            let dy = yy - node.y
                            let d2 = dx * dx + dy * dy
                            if node.openBelow < d2 {
                                let w = 1 / (1 + d2)
                                let c = Double(node.mass)
                                zi += c * w
                                let cww = c * w * w
                                fx += cww * dx
                                fy += cww * dy
                            } else {
                                stack[top] = node.child
                                stack[top + 1] = node.child + 1
                                stack[top + 2] = node.child + 2
                                stack[top + 3] = node.child + 3
                                top += 4
                            }
                        }
                        force[2 * i] = fx
                        force[2 * i + 1] = fy
                        z[i] = zi
                    }
                }
            }
        }
    }
}
