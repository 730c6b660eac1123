#include "engine/model/weight_conversion.h"

#include <map>
#include <stdexcept>

#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/backend/cpu/quant/quantize.h"

namespace edgeserve {
namespace {

bool is_float_matrix(const TensorView& t) {
  return t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16;
}

}  // namespace

const TensorView* ConvertedWeights::convert_one(const TensorView& source, DType target) {
  const int64_t cols = source.shape.back(), rows = source.num_elements() / cols;
  const size_t block = dtype_info(target).block_elements;
  if (cols % static_cast<int64_t>(block) != 0)
    throw std::runtime_error("tensor '" + source.name + "': rows of " + std::to_string(cols) +
                             " elements cannot be converted to " + std::string(dtype_name(target)) + " (blocks of " +
                             std::to_string(block) + ")");
  const size_t src_row = row_nbytes(source.dtype, cols), dst_row = row_nbytes(target, cols);
  auto bytes = std::make_unique<uint8_t[]>(dst_row * static_cast<size_t>(rows));
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    quant::dequantize_row(source.dtype, source.data + static_cast<size_t>(r) * src_row, row.data(), cols);
    quant::quantize_row(target, row.data(), bytes.get() + static_cast<size_t>(r) * dst_row, cols);
  }
  TensorView& view = views_.emplace_back(source);
  view.dtype = target;
  view.data = bytes.get();
  view.nbytes = dst_row * static_cast<size_t>(rows);
  num_bytes_ += static_cast<int64_t>(view.nbytes);
  storage_.push_back(std::move(bytes));
  return &view;
}

int64_t ConvertedWeights::convert(ModelWeights& weights, DType target) {
  std::map<const TensorView*, const TensorView*> done;  // tied embeddings: one copy
  int64_t count = 0;
  auto convert = [&](const TensorView*& slot) {
    if (slot == nullptr || !is_float_matrix(*slot) || slot->dtype == target) return;
    auto [it, inserted] = done.try_emplace(slot, nullptr);
    if (inserted) {
      it->second = convert_one(*slot, target);
      ++count;
    }
    slot = it->second;
  };
  convert(weights.embed_tokens);
  convert(weights.lm_head);
  for (LayerWeights& l : weights.layers) {
    for (const TensorView** slot : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj})
      convert(*slot);
  }
  return count;
}

std::optional<DType> parse_weight_dtype(const std::string& name) {
  static const std::map<std::string, DType> kNames = {
      {"f16", DType::F16},   {"bf16", DType::BF16}, {"q8_0", DType::Q8_0}, {"q4_0", DType::Q4_0},
      {"q4_1", DType::Q4_1}, {"q5_0", DType::Q5_0}, {"q5_1", DType::Q5_1}};
  if (name == "auto") return std::nullopt;
  auto it = kNames.find(name);
  if (it == kNames.end()) throw std::invalid_argument("unknown weight dtype '" + name + "'");
  return it->second;
}

}  // namespace edgeserve
