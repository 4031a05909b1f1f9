#pragma once
// Bytes of the partial results a distributed run sends to rank 0 (parallel/comm.h), beside the
// result codec's whole results: a streamed D x D scatter, CKA's partial inner products, a
// checkpoint series' steps, and the equaliser's fitted basis (which a results bundle keeps). Large
// float64 arrays travel as raw bytes inside CBOR (the ranks of one job share the machine's byte
// order), so every double arrives exactly. decode() returns false on bytes it does not recognise.
#include <string>
#include <vector>

#include "analysis/checkpoint_series_analysis.h"
#include "analysis/cka.h"
#include "analysis/equaliser.h"
#include "numerics/pca.h"

namespace es::cache {

std::string encode(const numerics::Scatter& s);
bool decode(const std::string& bytes, numerics::Scatter& s);
std::string encode(const analysis::CkaPart& p);
bool decode(const std::string& bytes, analysis::CkaPart& p);
std::string encode(const analysis::EqualiserBasisFit& b);
bool decode(const std::string& bytes, analysis::EqualiserBasisFit& b);
std::string encode(const std::vector<analysis::CheckpointSeriesStep>& steps);
bool decode(const std::string& bytes, std::vector<analysis::CheckpointSeriesStep>& steps);

}  // namespace es::cache
