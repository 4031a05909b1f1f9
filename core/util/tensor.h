#pragma once
// A dense row-major float32 array with its shape: what the reader hands out for weights and
// attention patterns. Activations are streamed into caller-owned buffers instead.
#include <cstddef>
#include <string>
#include <vector>

namespace es {

struct Tensor {
    std::vector<std::size_t> shape;
    std::vector<float> data;

    std::size_t size() const {
        std::size_t n = 1;
        for (std::size_t s : shape) n *= s;
        return shape.empty() ? 0 : n;
    }
    std::size_t rows() const { return shape.empty() ? 0 : shape[0]; }
    std::size_t cols() const { return shape.empty() ? 0 : size() / shape[0]; }
};

std::string shape_to_string(const std::vector<std::size_t>& shape);

}  // namespace es
