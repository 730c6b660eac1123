#pragma once
// GPT-2 byte-level alphabet: every byte 0..255 has a printable stand-in character, so a vocabulary of
// strings can hold arbitrary bytes. Owns only this bijection; it knows nothing of vocabularies.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgeserve::tokenizer {

// UTF-8 text of the stand-in character of each byte (e.g. 0x20 -> "Ġ", 'a' -> "a").
const std::array<std::string, 256>& byte_to_unicode();

// Maps raw bytes to their stand-in characters (the form tokenizer.json vocabularies are written in).
std::string byte_level_encode(std::string_view raw);

// Maps stand-in characters back to bytes, appending to `out`. Returns false (and leaves `out` with a partial
// result) when `mapped` holds a character outside the alphabet or is not valid UTF-8.
bool byte_level_decode(std::string_view mapped, std::string& out);

}  // namespace edgeserve::tokenizer
