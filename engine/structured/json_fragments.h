#pragma once
// The lexical pieces of JSON as grammar fragments: a string (valid UTF-8, JSON escapes, optional length bounds
// in characters), a number or integer (digit counts bounded), and the separators' whitespace policy. Each
// fragment is emitted between two given states of a GrammarBuilder. Owns no state; knows nothing of schemas.
//
// Whitespace policy (bounded so that a small model cannot loop on it): no whitespace anywhere except at most
// one space after ',' and after ':'. That accepts both json.dumps' default separators (", ", ": ") and the
// compact ones, never a newline.
//
// Number bounds: at most 16 integer digits, 16 fraction digits and 2 exponent digits, so that digit loops end
// and every number stays finite as a double (a parser would overflow on 1e400).
#include <cstdint>
#include <optional>

#include "engine/structured/grammar.h"

namespace edgeserve::structured {

inline constexpr int kMaxIntegerDigits = 16;
inline constexpr int kMaxFractionDigits = 16;
inline constexpr int kMaxExponentDigits = 2;

// One JSON string character (a UTF-8 encoded scalar value other than '"', '\\' and controls, or an escape)
// from `from` to `to`. \u escapes of surrogates are excluded so that one escape is always one character.
void emit_string_char(GrammarBuilder& b, int32_t from, int32_t to);

// '"' chars '"' with min_length <= number of characters <= max_length (none: unbounded).
void emit_string(GrammarBuilder& b, int32_t from, int32_t to, int64_t min_length, std::optional<int64_t> max_length);

// -?(0|[1-9][0-9]*) and, unless integer_only, (\.[0-9]+)?([eE][+-]?[0-9]+)? with the digit bounds above.
void emit_number(GrammarBuilder& b, int32_t from, int32_t to, bool integer_only);

// The separator followed by the optional space: "," or ", " (and ":" / ": ").
void emit_separator(GrammarBuilder& b, int32_t from, char separator, int32_t to);

}  // namespace edgeserve::structured
