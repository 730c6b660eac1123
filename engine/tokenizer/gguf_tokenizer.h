#pragma once
// The glue from a parsed GGUF file (engine/loader) to the tokenizer: reads the tokenizer.ggml.* keys into
// TokenizerData. Owns no state; the GGUF reader validates the bytes, tokenizer_from_data the vocabulary.
#include "engine/loader/gguf_file.h"
#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

// Throws TokenizerError (or the loader's LoadError for a key of the wrong type), naming the file.
Tokenizer load_from_gguf(const GgufFile& gguf);

}  // namespace edgeserve
