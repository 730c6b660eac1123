// GgufParser: GGUF v2/v3 bytes -> GgufFile. Layout (GGUF spec, all little-endian):
//   magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count | kv_count x (string key, u32 type, value)
//   | tensor_count x (string name, u32 n_dims, n_dims x u64 ne, u32 ggml type, u64 offset)
//   | padding to general.alignment | tensor data (each offset relative to here, aligned).
// A string is u64 length + bytes; an array is u32 element type + u64 count + elements.
// Every count is checked against the bytes left (using the smallest possible encoding of one element)
// before anything is reserved; array nesting is bounded by kMaxArrayDepth.
#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#include "engine/loader/byte_reader.h"
#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"
#include "engine/util/utf8.h"

namespace edgeserve {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
// Smallest encodings, used to bound counts before allocating.
constexpr size_t kMinKeyValueBytes = 8 + 4 + 1;            // empty key, type, one-byte value
constexpr size_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, n_dims, one dim, type, offset
constexpr size_t kMinArrayBytes = 4 + 8;                   // element type + count

size_t fixed_size(GgufType type) {
  switch (type) {
    case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
    case GgufType::UINT16: case GgufType::INT16: return 2;
    case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
    case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: return 8;
    case GgufType::STRING: case GgufType::ARRAY: return 0;
  }
  return 0;
}

}  // namespace

class GgufParser {
 public:
  GgufParser(std::span<const uint8_t> bytes, GgufFile& file) : reader_(bytes, file.source_), file_(file), bytes_(bytes) {}

  void run() {
    read_header();
    for (uint64_t i = 0; i < kv_count_; ++i) read_key_value();
    read_alignment();
    for (uint64_t i = 0; i < tensor_count_; ++i) read_tensor_info();
    place_tensors();
  }

 private:
  [[noreturn]] void fail(const std::string& fault) const { throw_load_error(file_.source_, fault); }

  void read_header() {
    if (reader_.size() < 4) fail("truncated file: " + std::to_string(reader_.size()) + " bytes, too short for the GGUF magic");
    const auto magic = reader_.read<uint32_t>("magic");
    if (magic != kMagic) fail("bad magic (not a GGUF file)");
    const auto version = reader_.read<uint32_t>("version");
    if (version > 0xffff) {
      const uint32_t swapped = __builtin_bswap32(version);
      if (swapped >= 1 && swapped <= 3) fail("big-endian GGUF files are not supported (version field reads " + std::to_string(swapped) + " byte-swapped)");
    }
    if (version == 1) fail("GGUF version 1 is not supported (only versions 2 and 3)");
    if (version != 2 && version != 3) fail("unsupported GGUF version " + std::to_string(version) + " (only versions 2 and 3)");
    file_.version_ = version;
    tensor_count_ = reader_.read<uint64_t>("tensor count");
    kv_count_ = reader_.read<uint64_t>("metadata key/value count");
    if (kv_count_ > reader_.remaining() / kMinKeyValueBytes) {
      fail("metadata key/value count " + std::to_string(kv_count_) + " cannot fit in the " + std::to_string(reader_.remaining()) + " bytes left");
    }
    if (tensor_count_ > reader_.remaining() / kMinTensorInfoBytes) {
      fail("tensor count " + std::to_string(tensor_count_) + " cannot fit in the " + std::to_string(reader_.remaining()) + " bytes left");
    }
  }

  std::string read_string(std::string_view what) {
    const auto length = reader_.read<uint64_t>(std::string(what) + " length");
    if (length > reader_.remaining()) {
      fail(std::string(what) + ": string length " + std::to_string(length) + " at offset " + std::to_string(reader_.position() - 8) +
           " past end of file (" + std::to_string(reader_.remaining()) + " bytes left)");
    }
    return std::string(reader_.read_bytes(static_cast<size_t>(length), what));
  }

  GgufType read_type(const std::string& context) {
    const auto raw = reader_.read<uint32_t>(context + " value type");
    if (raw >= kNumGgufTypes) fail(context + ": unknown value type " + std::to_string(raw));
    return static_cast<GgufType>(raw);
  }

  void read_key_value() {
    const size_t at = reader_.position();
    std::string key = read_string("metadata key");
    if (!utf8::is_valid(key)) fail("metadata key " + quote_name(key) + " at offset " + std::to_string(at) + " is not valid UTF-8");
    if (file_.metadata_index_.count(key) != 0) fail("duplicate metadata key " + quote_name(key));
    const std::string context = "metadata key " + quote_name(key);
    const GgufType type = read_type(context);
    GgufValue value = read_value(type, 0, context);
    file_.metadata_index_.emplace(key, file_.metadata_.size());
    file_.metadata_.push_back(GgufKeyValue{std::move(key), std::move(value)});
  }

  GgufValue read_value(GgufType type, int depth, const std::string& context) {
    GgufValue v;
    v.type = type;
    switch (type) {
      case GgufType::UINT8: v.data = uint64_t{reader_.read<uint8_t>(context)}; break;
      case GgufType::UINT16: v.data = uint64_t{reader_.read<uint16_t>(context)}; break;
      case GgufType::UINT32: v.data = uint64_t{reader_.read<uint32_t>(context)}; break;
      case GgufType::UINT64: v.data = reader_.read<uint64_t>(context); break;
      case GgufType::INT8: v.data = int64_t{reader_.read<int8_t>(context)}; break;
      case GgufType::INT16: v.data = int64_t{reader_.read<int16_t>(context)}; break;
      case GgufType::INT32: v.data = int64_t{reader_.read<int32_t>(context)}; break;
      case GgufType::INT64: v.data = reader_.read<int64_t>(context); break;
      case GgufType::FLOAT32: v.data = double{reader_.read<float>(context)}; break;
      case GgufType::FLOAT64: v.data = reader_.read<double>(context); break;
      case GgufType::BOOL: v.data = read_bool(context); break;
      case GgufType::STRING: v.data = read_string(context); break;
      case GgufType::ARRAY: v.data = read_array(depth + 1, context); break;
    }
    return v;
  }

  // n elements of fixed-size type Raw, widened into `out`; the caller has checked n * sizeof(Raw) fits.
  template <class Raw, class Out>
  void read_elements(std::vector<Out>& out, size_t n, const std::string& context) {
    const std::string_view raw = reader_.read_bytes(n * sizeof(Raw), context);
    out.resize(n);
    for (size_t i = 0; i < n; ++i) {
      Raw value;
      std::memcpy(&value, raw.data() + i * sizeof(Raw), sizeof(Raw));
      out[i] = static_cast<Out>(value);
    }
  }

  bool read_bool(const std::string& context) {
    const auto raw = reader_.read<uint8_t>(context);
    if (raw > 1) fail(context + ": bool value " + std::to_string(raw) + " is neither 0 nor 1");
    return raw == 1;
  }

  GgufArray read_array(int depth, const std::string& context) {
    if (depth > GgufFile::kMaxArrayDepth) fail(context + ": arrays nested deeper than " + std::to_string(GgufFile::kMaxArrayDepth));
    GgufArray array;
    array.element_type = read_type(context + " array element");
    const auto count = reader_.read<uint64_t>(context + " array count");
    const size_t element_min = array.element_type == GgufType::STRING  ? 8
                               : array.element_type == GgufType::ARRAY ? kMinArrayBytes
                                                                       : fixed_size(array.element_type);
    if (count > reader_.remaining() / element_min) {
      fail(context + ": array count " + std::to_string(count) + " of " + std::string(gguf_type_name(array.element_type)) +
           " cannot fit in the " + std::to_string(reader_.remaining()) + " bytes left");
    }
    const auto n = static_cast<size_t>(count);
    switch (array.element_type) {
      case GgufType::UINT8: read_elements<uint8_t>(array.uints, n, context); break;
      case GgufType::UINT16: read_elements<uint16_t>(array.uints, n, context); break;
      case GgufType::UINT32: read_elements<uint32_t>(array.uints, n, context); break;
      case GgufType::UINT64: read_elements<uint64_t>(array.uints, n, context); break;
      case GgufType::INT8: read_elements<int8_t>(array.ints, n, context); break;
      case GgufType::INT16: read_elements<int16_t>(array.ints, n, context); break;
      case GgufType::INT32: read_elements<int32_t>(array.ints, n, context); break;
      case GgufType::INT64: read_elements<int64_t>(array.ints, n, context); break;
      case GgufType::FLOAT32: read_elements<float>(array.floats, n, context); break;
      case GgufType::FLOAT64: read_elements<double>(array.floats, n, context); break;
      case GgufType::BOOL:
        array.uints.reserve(n);
        for (size_t i = 0; i < n; ++i) array.uints.push_back(read_bool(context) ? 1 : 0);
        break;
      case GgufType::STRING:
        array.strings.reserve(n);
        for (size_t i = 0; i < n; ++i) array.strings.push_back(read_string(context));
        break;
      case GgufType::ARRAY:
        array.arrays.reserve(n);
        for (size_t i = 0; i < n; ++i) array.arrays.push_back(read_value(GgufType::ARRAY, depth, context));
        break;
    }
    return array;
  }

  void read_alignment() {
    const GgufValue* value = file_.find("general.alignment");
    if (value == nullptr) return;
    if (!is_unsigned_integer(value->type)) {
      fail("general.alignment has type " + std::string(gguf_type_name(value->type)) + ", expected an unsigned integer");
    }
    const uint64_t alignment = std::get<uint64_t>(value->data);
    if (alignment == 0 || !std::has_single_bit(alignment) || alignment > (uint64_t{1} << 30)) {
      fail("general.alignment " + std::to_string(alignment) + " is not a nonzero power of two (at most 2^30)");
    }
    file_.alignment_ = static_cast<size_t>(alignment);
  }

  void read_tensor_info() {
    const size_t at = reader_.position();
    std::string name = read_string("tensor name");
    if (!utf8::is_valid(name)) fail("tensor name " + quote_name(name) + " at offset " + std::to_string(at) + " is not valid UTF-8");
    if (file_.tensor_index_.count(name) != 0) fail("duplicate tensor name " + quote_name(name));
    const std::string context = "tensor " + quote_name(name);
    const auto n_dims = reader_.read<uint32_t>(context + " n_dims");
    if (n_dims == 0 || n_dims > GgufFile::kMaxDims) {
      fail(context + ": n_dims " + std::to_string(n_dims) + " out of range 1.." + std::to_string(GgufFile::kMaxDims));
    }
    std::vector<int64_t> shape(n_dims);
    for (uint32_t i = 0; i < n_dims; ++i) {
      const auto ne = reader_.read<uint64_t>(context + " dimension");
      if (ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail(context + ": dimension " + std::to_string(ne) + " too large");
      shape[n_dims - 1 - i] = static_cast<int64_t>(ne);  // ne[0] is innermost; shape is outermost first
    }
    const auto raw_type = reader_.read<uint32_t>(context + " type");
    const std::optional<DType> dtype = dtype_from_ggml_type(raw_type);
    if (!dtype) fail(context + ": unsupported tensor type " + std::to_string(raw_type));
    const auto offset = reader_.read<uint64_t>(context + " offset");
    size_t nbytes = 0;
    try {
      nbytes = tensor_nbytes(*dtype, shape);
    } catch (const std::invalid_argument& e) {
      fail(context + ": " + e.what());
    }
    TensorView view{std::move(name), *dtype, std::move(shape), nullptr, nbytes};
    offsets_.push_back(offset);
    file_.tensor_index_.emplace(view.name, file_.tensors_.size());
    file_.tensors_.push_back(std::move(view));
  }

  void place_tensors() {
    const size_t alignment = file_.alignment_;
    const size_t end_of_infos = reader_.position();
    const size_t data_offset = (end_of_infos + alignment - 1) / alignment * alignment;  // no overflow: size < 2^63
    file_.data_offset_ = data_offset;
    const size_t data_bytes = data_offset <= reader_.size() ? reader_.size() - data_offset : 0;
    for (size_t i = 0; i < file_.tensors_.size(); ++i) {
      TensorView& view = file_.tensors_[i];
      const uint64_t offset = offsets_[i];
      if (offset % alignment != 0) {
        fail("tensor " + quote_name(view.name) + ": offset " + std::to_string(offset) + " is not a multiple of the alignment " + std::to_string(alignment));
      }
      if (offset > data_bytes || view.nbytes > data_bytes - offset) {
        fail("tensor " + quote_name(view.name) + ": offset " + std::to_string(offset) + " + size " + std::to_string(view.nbytes) +
             " past end of file (data section holds " + std::to_string(data_bytes) + " bytes)");
      }
      view.data = bytes_.data() + data_offset + offset;
    }
  }

  ByteReader reader_;
  GgufFile& file_;
  std::span<const uint8_t> bytes_;
  uint64_t tensor_count_ = 0;
  uint64_t kv_count_ = 0;
  std::vector<uint64_t> offsets_;  // per tensor, relative to the data section
};

GgufFile GgufFile::parse(std::span<const uint8_t> bytes, std::string source_name) {
  GgufFile file;
  file.source_ = std::move(source_name);
  GgufParser parser(bytes, file);
  parser.run();
  return file;
}

GgufFile GgufFile::open(const std::string& path) {
  MappedFile map;
  try {
    map = MappedFile::open(path);
  } catch (const std::runtime_error& e) {
    throw LoadError(e.what());
  }
  const std::span<const uint8_t> bytes = map.bytes();
  GgufFile file = parse(bytes, path);
  file.map_ = std::move(map);  // the mapping's address does not change on move, so the views stay valid
  return file;
}

}  // namespace edgeserve
