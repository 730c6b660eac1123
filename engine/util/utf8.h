#pragma once
// UTF-8 helpers shared by the loaders (keys must be valid UTF-8), the tokenizer (byte-level pieces) and the
// detokenizer (never emit half a character). Pure functions over bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgeserve::utf8 {

// Length of the sequence a lead byte starts (1..4), or 0 when `lead` cannot start a sequence.
size_t sequence_length(uint8_t lead);

// True when `s` is entirely well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid(std::string_view s);

// Number of bytes at the end of `s` that form the valid beginning of a character not yet complete
// (0..3). Those bytes must be held back by a streaming decoder until more arrive.
size_t incomplete_suffix_length(std::string_view s);

// `s` with every invalid byte sequence replaced by U+FFFD (one per maximal invalid subpart, as Python's
// bytes.decode("utf-8", "replace") does).
std::string sanitize(std::string_view s);

// Decodes one code point at s[pos]; returns false on an invalid sequence. On success `cp` and `len` are set.
bool decode(std::string_view s, size_t pos, char32_t& cp, size_t& len);

// Appends the UTF-8 encoding of `cp` (assumed a valid scalar value).
void append(std::string& out, char32_t cp);

}  // namespace edgeserve::utf8
