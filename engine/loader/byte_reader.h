#pragma once
// ByteReader: a bounds-checked little-endian cursor over an untrusted byte span. Every read first checks
// the bytes remaining and throws LoadError naming the source, what was being read and where; it never
// reads past the span and never allocates.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/loader/load_error.h"

namespace edgeserve {

static_assert(std::endian::native == std::endian::little, "the loaders read little-endian files by memcpy");

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, std::string_view source) : bytes_(bytes), source_(source) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t size() const { return bytes_.size(); }
  std::string_view source() const { return source_; }

  // Throws "<source>: truncated file: <what> needs N bytes at offset P, only R left".
  void require(size_t n, std::string_view what) const {
    if (n > remaining()) {
      throw_load_error(source_, "truncated file: " + std::string(what) + " needs " + std::to_string(n) +
                                    " bytes at offset " + std::to_string(pos_) + ", only " +
                                    std::to_string(remaining()) + " left");
    }
  }

  template <class T>
  T read(std::string_view what) {
    static_assert(std::is_trivially_copyable_v<T>);
    require(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  // A view of the next n bytes (valid as long as the span is).
  std::string_view read_bytes(size_t n, std::string_view what) {
    require(n, what);
    std::string_view out(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return out;
  }

 private:
  std::span<const uint8_t> bytes_;
  std::string_view source_;
  size_t pos_ = 0;
};

}  // namespace edgeserve
