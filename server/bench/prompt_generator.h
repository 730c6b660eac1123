#pragma once
// Synthetic prompts for `bench serve`: about N tokens of random common English words, different for every
// request (seeded by the run seed and the request index) so that a prefix cache cannot serve them whole.
// Each word is one short, frequent English word, which BPE tokenizers of current LLMs encode as one token
// with its leading space; the server's usage.prompt_tokens gives the exact count (plus its chat template).
// It must not depend on any tokenizer: the target server may run a model we do not have.
#include <cstdint>
#include <string>

namespace edgeserve::bench {

// num_words random words separated by single spaces; deterministic in (seed, request_index).
std::string make_prompt(uint64_t seed, uint64_t request_index, int64_t num_words);

// Number of words in the built-in list (for tests).
size_t prompt_vocabulary_size();

}  // namespace edgeserve::bench
