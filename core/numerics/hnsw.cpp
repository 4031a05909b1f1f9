// The only translation unit that includes hnswlib (see hnsw.h for why).
#include "numerics/hnsw.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>

namespace es::numerics {

struct HnswGraph::Impl {
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;  // the graph keeps a pointer to it
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

namespace {

std::unique_ptr<hnswlib::SpaceInterface<float>> space_of(HnswGraph::Space s, std::size_t d) {
    if (s == HnswGraph::Space::InnerProduct) return std::make_unique<hnswlib::InnerProductSpace>(d);
    return std::make_unique<hnswlib::L2Space>(d);
}

}  // namespace

HnswGraph::HnswGraph(Space space, std::size_t d, std::size_t max_points, std::size_t m,
                     std::size_t ef_construction, std::size_t seed)
    : impl_(std::make_unique<Impl>()) {
    impl_->space = space_of(space, d);
    impl_->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(impl_->space.get(), max_points,
                                                                     m, ef_construction, seed);
}

HnswGraph::HnswGraph(Space space, std::size_t d, const std::string& path, std::size_t max_points)
    : impl_(std::make_unique<Impl>()) {
    impl_->space = space_of(space, d);
    impl_->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(impl_->space.get(), path,
                                                                     false, max_points);
}

HnswGraph::~HnswGraph() = default;

void HnswGraph::add(const float* x, std::size_t label) {
    impl_->graph->addPoint(x, label);
}

void HnswGraph::set_ef(std::size_t ef) {
    impl_->graph->setEf(ef);
}

std::vector<std::pair<float, std::size_t>> HnswGraph::search(const float* q, std::size_t k) const {
    auto pq = impl_->graph->searchKnn(q, k);
    std::vector<std::pair<float, std::size_t>> out;
    out.reserve(pq.size());
    for (; !pq.empty(); pq.pop()) out.emplace_back(pq.top().first, pq.top().second);
    std::sort(out.begin(), out.end());
    return out;
}

void HnswGraph::save(const std::string& path) const {
    impl_->graph->saveIndex(path);
}

std::size_t HnswGraph::size() const {
    return impl_->graph->cur_element_count;
}

}  // namespace es::numerics
