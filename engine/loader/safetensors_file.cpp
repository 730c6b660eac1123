// SafetensorsFile parsing: bounded header, strict JSON (duplicate keys rejected through the parser
// callback), per-tensor range and size checks, and an overlap check over ranges sorted by begin.
#include "engine/loader/safetensors_file.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/loader/load_error.h"
#include "engine/util/utf8.h"

namespace edgeserve {
namespace {

using json = nlohmann::json;

// Reads a non-negative integer JSON value; false when it is anything else (negative, float, too big).
bool as_uint(const json& j, uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

struct Range {
  uint64_t begin;
  uint64_t end;
  size_t tensor;
};

}  // namespace

DType safetensors_dtype(std::string_view dtype, std::string_view tensor_name, std::string_view source) {
  static constexpr std::pair<std::string_view, DType> kLoadable[] = {
      {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}, {"F64", DType::F64},
      {"I8", DType::I8},   {"I16", DType::I16}, {"I32", DType::I32},   {"I64", DType::I64},
  };
  for (const auto& [name, value] : kLoadable) {
    if (name == dtype) return value;
  }
  static constexpr std::string_view kKnown[] = {"BOOL", "U8", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2",
                                                "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"};
  for (std::string_view known : kKnown) {
    if (known == dtype) throw_load_error(source, "unsupported dtype " + std::string(dtype) + " for tensor " + quote_name(tensor_name));
  }
  throw_load_error(source, "tensor " + quote_name(tensor_name) + ": unknown dtype " + quote_name(dtype));
}

SafetensorsFile SafetensorsFile::parse(std::span<const uint8_t> bytes, std::string source_name) {
  SafetensorsFile file;
  file.source_ = std::move(source_name);
  file.parse_header(bytes);
  return file;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  MappedFile map;
  try {
    map = MappedFile::open(path);
  } catch (const std::runtime_error& e) {
    throw LoadError(e.what());
  }
  const std::span<const uint8_t> bytes = map.bytes();
  SafetensorsFile file = parse(bytes, path);
  file.map_ = std::move(map);  // the mapping's address does not change on move, so the views stay valid
  return file;
}

const TensorView* SafetensorsFile::tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::parse_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) {
    throw_load_error(source_, "truncated file: " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  }
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);  // little-endian, as the host (asserted in byte_reader.h)
  if (header_len > kMaxHeaderBytes) {
    throw_load_error(source_, "header length " + std::to_string(header_len) + " exceeds the limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_len > bytes.size() - 8) {
    throw_load_error(source_, "header length " + std::to_string(header_len) + " past end of file (size " + std::to_string(bytes.size()) + ")");
  }
  data_offset_ = 8 + static_cast<size_t>(header_len);
  const uint8_t* header_begin = bytes.data() + 8;
  const uint8_t* header_end = header_begin + header_len;

  // Repeated keys: nlohmann keeps the last silently; a stack of key sets (one per open object) finds them.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t on_event = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.empty() && duplicate.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(header_begin, header_end, on_event);
  } catch (const json::exception& e) {
    throw_load_error(source_, "header is not valid JSON: " + utf8::sanitize(e.what()));  // the parser quotes raw bytes
  }
  if (!duplicate.empty()) throw_load_error(source_, "header repeats the key " + quote_name(duplicate));
  if (!header.is_object()) throw_load_error(source_, std::string("header is not a JSON object (it is ") + header.type_name() + ")");

  const size_t data_bytes = bytes.size() - data_offset_;
  std::vector<Range> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw_load_error(source_, "__metadata__ is not a JSON object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) throw_load_error(source_, "__metadata__ value of " + quote_name(key) + " is not a string");
        metadata_.emplace(key, value.get<std::string>());
      }
      continue;
    }
    if (!utf8::is_valid(name)) throw_load_error(source_, "tensor name " + quote_name(name) + " is not valid UTF-8");
    const std::string context = "tensor " + quote_name(name);
    if (!entry.is_object()) throw_load_error(source_, context + ": entry is not a JSON object");
    const auto dtype_it = entry.find("dtype");
    if (dtype_it == entry.end() || !dtype_it->is_string()) throw_load_error(source_, context + ": missing string \"dtype\"");
    const DType dtype = safetensors_dtype(dtype_it->get_ref<const std::string&>(), name, source_);

    const auto shape_it = entry.find("shape");
    if (shape_it == entry.end() || !shape_it->is_array()) throw_load_error(source_, context + ": missing array \"shape\"");
    std::vector<int64_t> shape;
    for (const auto& dim : *shape_it) {
      uint64_t d = 0;
      if (!as_uint(dim, d) || d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        // dump() only scalars: dumping a nested array recurses once per level (a hostile header nests millions).
        const std::string shown = dim.is_primitive() ? dim.dump() : std::string("of type ") + dim.type_name();
        throw_load_error(source_, context + ": shape entry " + shown + " is not a non-negative integer");
      }
      shape.push_back(static_cast<int64_t>(d));
    }
    size_t nbytes = 0;
    try {
      nbytes = tensor_nbytes(dtype, shape);
    } catch (const std::invalid_argument& e) {
      throw_load_error(source_, context + ": " + e.what());
    }

    const auto offsets_it = entry.find("data_offsets");
    uint64_t begin = 0;
    uint64_t end = 0;
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2 || !as_uint((*offsets_it)[0], begin) ||
        !as_uint((*offsets_it)[1], end)) {
      throw_load_error(source_, context + ": \"data_offsets\" must be [begin, end] with non-negative integers");
    }
    if (begin > end) throw_load_error(source_, context + ": data_offsets begin " + std::to_string(begin) + " > end " + std::to_string(end));
    if (end > data_bytes) {
      throw_load_error(source_, context + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                    "] past end of file (data section holds " + std::to_string(data_bytes) + " bytes)");
    }
    if (end - begin != nbytes) {
      throw_load_error(source_, context + ": data_offsets span " + std::to_string(end - begin) + " bytes, but shape " +
                                    shape_to_string(shape) + " of " + std::string(dtype_name(dtype)) + " needs " + std::to_string(nbytes));
    }
    ranges.push_back(Range{begin, end, tensors_.size()});
    tensors_.push_back(TensorView{name, dtype, std::move(shape), bytes.data() + data_offset_ + begin, nbytes});
  }

  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  const Range* previous = nullptr;
  for (const Range& r : ranges) {
    if (r.begin == r.end) continue;  // an empty tensor occupies no bytes
    if (previous != nullptr && r.begin < previous->end) {
      throw_load_error(source_, "tensors " + quote_name(tensors_[previous->tensor].name) + " [" + std::to_string(previous->begin) + ", " +
                                    std::to_string(previous->end) + ") and " + quote_name(tensors_[r.tensor].name) + " [" +
                                    std::to_string(r.begin) + ", " + std::to_string(r.end) + ") overlap");
    }
    previous = &r;
  }

  // Data order, then the name index.
  std::vector<TensorView> ordered;
  ordered.reserve(tensors_.size());
  for (const Range& r : ranges) ordered.push_back(std::move(tensors_[r.tensor]));
  tensors_ = std::move(ordered);
  for (size_t i = 0; i < tensors_.size(); ++i) tensor_index_.emplace(tensors_[i].name, i);
}

}  // namespace edgeserve
