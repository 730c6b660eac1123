// JSON lexical fragments as byte-level grammar pieces (see json_fragments.h for the policies).
#include "engine/structured/json_fragments.h"

#include <cassert>

namespace edgeserve::structured {
namespace {

ByteClass digits() { return ByteClass::range('0', '9'); }

ByteClass hex_digits() {
  ByteClass c = digits();
  c.add_range('a', 'f');
  c.add_range('A', 'F');
  return c;
}

// A chain of 1..max_count bytes of `bytes` from `from`, every count ending at `to`.
void emit_bounded_repeat(GrammarBuilder& b, int32_t from, const ByteClass& bytes, int max_count, int32_t to) {
  int32_t state = from;
  for (int i = 0; i < max_count; ++i) {
    const int32_t next = b.new_state();
    b.add_bytes(state, bytes, next);
    b.add_epsilon(next, to);
    state = next;
  }
}

}  // namespace

void emit_string_char(GrammarBuilder& b, int32_t from, int32_t to) {
  ByteClass plain = ByteClass::range(0x20, 0x7f);
  plain.remove('"');
  plain.remove('\\');
  b.add_bytes(from, plain, to);

  // UTF-8 (RFC 3629 table 3-7): only shortest forms, no surrogates, nothing past U+10FFFF.
  const ByteClass tail = ByteClass::range(0x80, 0xbf);
  const int32_t need1 = b.new_state(), need2 = b.new_state(), need3 = b.new_state();
  b.add_bytes(need1, tail, to);
  b.add_bytes(need2, tail, need1);
  b.add_bytes(need3, tail, need2);
  b.add_bytes(from, ByteClass::range(0xc2, 0xdf), need1);
  const int32_t after_e0 = b.new_state(), after_ed = b.new_state(), after_f0 = b.new_state(), after_f4 = b.new_state();
  b.add_bytes(from, ByteClass::of(0xe0), after_e0);
  b.add_bytes(after_e0, ByteClass::range(0xa0, 0xbf), need1);
  ByteClass three = ByteClass::range(0xe1, 0xec);
  three.add_range(0xee, 0xef);
  b.add_bytes(from, three, need2);
  b.add_bytes(from, ByteClass::of(0xed), after_ed);
  b.add_bytes(after_ed, ByteClass::range(0x80, 0x9f), need1);
  b.add_bytes(from, ByteClass::of(0xf0), after_f0);
  b.add_bytes(after_f0, ByteClass::range(0x90, 0xbf), need2);
  b.add_bytes(from, ByteClass::range(0xf1, 0xf3), need3);
  b.add_bytes(from, ByteClass::of(0xf4), after_f4);
  b.add_bytes(after_f4, ByteClass::range(0x80, 0x8f), need2);

  // Escapes. \uD800-\uDFFF is left out: a surrogate pair would be one character to a validator but two here.
  const int32_t escape = b.new_state();
  b.add_bytes(from, ByteClass::of('\\'), escape);
  ByteClass simple;
  for (char c : std::string_view("\"\\/bfnrt")) simple.add(static_cast<uint8_t>(c));
  b.add_bytes(escape, simple, to);
  const int32_t u0 = b.new_state(), u0_d = b.new_state(), u1 = b.new_state(), u2 = b.new_state(),
                u3 = b.new_state();
  b.add_bytes(escape, ByteClass::of('u'), u0);
  ByteClass first = hex_digits();
  first.remove('d');
  first.remove('D');
  b.add_bytes(u0, first, u1);
  b.add_bytes(u0, ByteClass::of('d'), u0_d);
  b.add_bytes(u0, ByteClass::of('D'), u0_d);
  b.add_bytes(u0_d, ByteClass::range('0', '7'), u1);
  b.add_bytes(u1, hex_digits(), u2);
  b.add_bytes(u2, hex_digits(), u3);
  b.add_bytes(u3, hex_digits(), to);
}

void emit_string(GrammarBuilder& b, int32_t from, int32_t to, int64_t min_length, std::optional<int64_t> max_length) {
  assert(min_length >= 0 && (!max_length || *max_length >= min_length));
  const ByteClass quote = ByteClass::of('"');
  const int32_t open = b.new_state();
  b.add_bytes(from, quote, open);
  if (min_length == 0 && !max_length) {
    emit_string_char(b, open, open);
    b.add_bytes(open, quote, to);
    return;
  }
  // One state per character count up to the last bound; past min_length without a maximum, a loop.
  const int64_t last = max_length ? *max_length : min_length;
  int32_t state = open;
  for (int64_t count = 0;; ++count) {
    if (count >= min_length) b.add_bytes(state, quote, to);
    if (count == last) break;
    const int32_t next = b.new_state();
    emit_string_char(b, state, next);
    state = next;
  }
  if (!max_length) emit_string_char(b, state, state);
}

void emit_number(GrammarBuilder& b, int32_t from, int32_t to, bool integer_only) {
  const int32_t sign_done = b.new_state();
  b.add_epsilon(from, sign_done);
  b.add_bytes(from, ByteClass::of('-'), sign_done);
  const int32_t integer_done = b.new_state();
  b.add_bytes(sign_done, ByteClass::of('0'), integer_done);
  const int32_t first_digit = b.new_state();
  b.add_bytes(sign_done, ByteClass::range('1', '9'), first_digit);
  b.add_epsilon(first_digit, integer_done);
  emit_bounded_repeat(b, first_digit, digits(), kMaxIntegerDigits - 1, integer_done);
  if (integer_only) {
    b.add_epsilon(integer_done, to);
    return;
  }
  const int32_t fraction_done = b.new_state();
  b.add_epsilon(integer_done, fraction_done);
  const int32_t dot = b.new_state();
  b.add_bytes(integer_done, ByteClass::of('.'), dot);
  emit_bounded_repeat(b, dot, digits(), kMaxFractionDigits, fraction_done);
  b.add_epsilon(fraction_done, to);
  const int32_t exponent = b.new_state(), exponent_sign = b.new_state();
  ByteClass e;
  e.add('e');
  e.add('E');
  b.add_bytes(fraction_done, e, exponent);
  b.add_epsilon(exponent, exponent_sign);
  ByteClass signs;
  signs.add('+');
  signs.add('-');
  b.add_bytes(exponent, signs, exponent_sign);
  emit_bounded_repeat(b, exponent_sign, digits(), kMaxExponentDigits, to);
}

void emit_separator(GrammarBuilder& b, int32_t from, char separator, int32_t to) {
  const int32_t after = b.new_state();
  b.add_bytes(from, ByteClass::of(static_cast<uint8_t>(separator)), after);
  b.add_epsilon(after, to);
  b.add_bytes(after, ByteClass::of(' '), to);
}

}  // namespace edgeserve::structured
