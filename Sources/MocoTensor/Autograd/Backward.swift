extension Tensor {
    /// Back-propagates from this tensor, accumulating gradients into the `grad` of
    /// every leaf that requires grad, then frees the graph.
    ///
    /// - Parameter gradient: the gradient of some scalar with respect to this tensor;
    ///   when nil this tensor must be a scalar and the gradient is 1.
    /// - Throws: when the tensor does not require grad, its graph was already freed,
    ///   or `gradient` has another shape.
    public func backward(_ gradient: Tensor? = nil) throws {
        guard let root = node else {
            throw TensorError("backward", "tensor of shape \(describe(shape)) does not require grad")
        }
        let seed: Tensor
        if let g = gradient {
            guard g.shape == shape else {
                throw TensorError(
                    "backward", "gradient of shape \(describe(g.shape)) for a tensor of shape \(describe(shape))")
            }
            seed = g.detached()
        } else {
            guard count == 1 else {
                throw TensorError(
                    "backward", "a gradient is needed for a non-scalar tensor of shape \(describe(shape))")
            }
            seed = Tensor(shape: shape, storage: TensorStorage(count: 1, repeating: 1))
        }
        if !root.isLeaf && root.backward == nil {
            throw TensorError("backward", "the graph of this tensor was already freed by an earlier backward()")
        }
        let order = Self.topologicalOrder(root)
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        // Each node's closure (and the activations it holds) is released as soon as it has run, so memory
        // falls during the pass; when a closure throws, the rest of the graph is released too.
        defer {
            for n in order where !n.isLeaf {
                n.backward = nil
                n.inputs = []
            }
        }
        try withoutGrad {
            for n in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(n)) else { continue }
                if n.isLeaf {
                    n.grad = try n.grad.map { try $0 + g } ?? g
                    continue
                }
                guard let fn = n.backward else { continue }
                let inputs = n.inputs
                n.backward = nil
                n.inputs = []
                let inputGrads = try fn(g)
                for (input, ig) in zip(inputs, inputGrads) {
                    guard let input, let ig else { continue }
                    let key = ObjectIdentifier(input)
                    if let existing = grads[key] {
                        grads[key] = try existing + ig
                    } else {
                        grads[key] = ig
                    }
                }
            }
        }
    }

    /// Nodes reachable from `root`, each after all of its inputs (iterative DFS).
    private static func topologicalOrder(_ root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, i) = stack.popLast() {
            if i < n.inputs.count {
                stack.append((n, i + 1))
                if let child = n.inputs[i], visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(n)
            }
        }
        return order
    }
}
