#pragma once
// MappedFile: a read-only memory map of a whole file. Owns the mapping; move-only, never copied.
// Model weights are read through views into this map (zero-copy), so it must outlive every view.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace edgeserve {

class MappedFile {
 public:
  MappedFile() = default;
  // Maps `path` read-only. Throws std::runtime_error naming the file when it cannot be opened or mapped.
  static MappedFile open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  void reset();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace edgeserve
