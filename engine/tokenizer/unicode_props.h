#pragma once
// The few Unicode character predicates Hugging Face tokenizers take from Rust's `char` (is_numeric,
// is_alphanumeric, is_whitespace), through libutf8proc categories. Pure functions.
namespace edgeserve::tokenizer {

bool is_numeric(char32_t cp);       // general category Nd, Nl or No
bool is_whitespace(char32_t cp);    // Unicode White_Space
// A regex \w character (letter, mark, decimal or letter number, connector punctuation, ZWNJ/ZWJ): what
// Hugging Face's single_word added tokens must not touch on either side.
bool is_word_char(char32_t cp);

}  // namespace edgeserve::tokenizer
